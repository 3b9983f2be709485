using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Encryption
{
    /// <summary>
    /// The keys DataCompass can decrypt with; the first is the primary, which every new value is encrypted
    /// with. Text form: keys separated by commas (as Airflow's fernet_key) or line breaks.
    /// </summary>
    public sealed class KeyRing
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

        public KeyRing(IReadOnlyList<FernetKey> keys, string origin)
        {
            if (keys.Count == 0)
            {
                throw new ArgumentException("A key ring needs at least one key.", nameof(keys));
            }

            // The same key listed twice (a copy-paste during rotation) is one key.
            Keys = keys.GroupBy(key => key.Id).Select(group => group.First()).ToList();
            Origin = origin;
        }

        public IReadOnlyList<FernetKey> Keys { get; }

        public FernetKey Primary => Keys[0];

        /// <summary>Where the keys came from, for messages: an environment variable, a vault secret, a file.</summary>
        public string Origin { get; }

        public static KeyRing Parse(string text, string origin)
        {
            var entries = (text ?? string.Empty).Split(new[] { ',', '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries)
                .Select(entry => entry.Trim())
                .Where(entry => entry.Length > 0)
                .ToList();
            if (entries.Count == 0)
            {
                throw new DataCompassException(DcError.EncryptionKeyInvalid, $"The encryption key ring from {origin} holds no key.", origin);
            }

            return new KeyRing(entries.Select((entry, index) => FernetKey.Parse(entry, entries.Count == 1 ? origin : $"{origin} (key {index + 1})")).ToList(), origin);
        }

        /// <summary>
        /// A ring whose primary is <paramref name="primary"/>, followed by every key of <paramref name="keep"/>
        /// (each once), so nothing those rings could open becomes unreadable.
        /// </summary>
        public static KeyRing WithNewPrimary(FernetKey primary, string origin, params KeyRing?[] keep) =>
            new KeyRing(new[] { primary }.Concat(keep.Where(ring => ring != null).SelectMany(ring => ring!.Keys)).ToList(), origin);

        public FernetKey? Find(string keyId) => Keys.FirstOrDefault(key => string.Equals(key.Id, keyId, StringComparison.OrdinalIgnoreCase));

        /// <summary>The ring's text form, primary first.</summary>
        public string ToText() => string.Join(",", Keys.Select(key => key.ToText()));

        /// <summary>Encrypts under the primary key and returns the stored form.</summary>
        public string Encrypt(string plaintext) =>
            EncryptedValue.Format(Primary.Id, Fernet.Encrypt(Primary, Encoding.UTF8.GetBytes(plaintext)));

        /// <summary>
        /// Decrypts a stored value. A key the ring lacks is <see cref="DcError.EncryptionKeyMissing"/> naming its
        /// id; anything else that goes wrong is <see cref="DcError.DecryptionFailed"/>. Messages name
        /// <paramref name="context"/> (source and field), never the value.
        /// </summary>
        public string Decrypt(string stored, string context)
        {
            if (!EncryptedValue.TryParse(stored, out var keyId, out var token))
            {
                throw new DataCompassException(
                    DcError.DecryptionFailed,
                    $"{context}: the encrypted value is damaged: it does not have the form {EncryptedValue.Prefix}<keyId>:<token>.",
                    context);
            }

            var key = Find(keyId) ?? throw new DataCompassException(
                DcError.EncryptionKeyMissing,
                $"{context}: the value is encrypted with key {keyId}, which is not in the key ring from {Origin} (it holds {string.Join(", ", Keys.Select(k => k.Id))}). Add that key after the primary one.",
                keyId);

            var bytes = Fernet.Decrypt(key, token, context);
            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw new DataCompassException(DcError.DecryptionFailed, $"{context}: the encrypted value decrypts to bytes that are not UTF-8 text.", context);
            }
            finally
            {
                Array.Clear(bytes);
            }
        }

        public override string ToString() => $"Key ring from {Origin}: {string.Join(", ", Keys.Select(key => key.Id))}";
    }
}

using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Encryption
{
    /// <summary>
    /// A standard Fernet key: 32 random bytes, URL-safe base64. The first half signs, the second half encrypts.
    /// Its id is the first 8 hex digits of SHA-256 of the raw 32 bytes, which names the key in stored values
    /// without revealing it.
    /// </summary>
    public sealed class FernetKey
    {
        private const int KeyBytes = 32;
        private readonly byte[] _raw;

        private FernetKey(byte[] raw)
        {
            _raw = raw;
            Id = ComputeId(raw);
        }

        public string Id { get; }

        internal ReadOnlySpan<byte> SigningKey => _raw.AsSpan(0, 16);

        internal ReadOnlySpan<byte> EncryptionKey => _raw.AsSpan(16, 16);

        public static FernetKey Generate() => new FernetKey(RandomNumberGenerator.GetBytes(KeyBytes));

        /// <summary>Reads a key in its standard text form. The message never repeats the text.</summary>
        public static FernetKey Parse(string text, string origin)
        {
            var raw = UrlSafeBase64.TryDecode(text?.Trim() ?? string.Empty);
            if (raw == null || raw.Length != KeyBytes)
            {
                throw new DataCompassException(
                    DcError.EncryptionKeyInvalid,
                    $"The encryption key from {origin} is not a Fernet key (32 bytes, URL-safe base64).",
                    origin);
            }

            return new FernetKey(raw);
        }

        /// <summary>The key's standard text form, for writing it to a key file or a vault.</summary>
        public string ToText() => UrlSafeBase64.Encode(_raw);

        public override string ToString() => $"Fernet key {Id}";

        private static string ComputeId(byte[] raw)
        {
            var hash = SHA256.HashData(raw);
            var builder = new StringBuilder(8);
            for (var i = 0; i < 4; i++)
            {
                builder.Append(hash[i].ToString("x2", CultureInfo.InvariantCulture));
            }

            return builder.ToString();
        }
    }
}

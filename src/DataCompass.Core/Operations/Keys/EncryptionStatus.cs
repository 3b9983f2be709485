using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Operations.Keys
{
    /// <summary>
    /// How the catalog's encrypted values stand against the key ring: per key id, how many values it made and
    /// which of them it cannot open (its key is not in the ring, or the value is damaged). Every value is
    /// opened to check it; the plaintext is dropped at once.
    /// </summary>
    public static class EncryptionStatus
    {
        public const string DamagedKeyId = "(damaged)";

        public static IReadOnlyList<KeyUsage> Summarize(IEnumerable<StoredSource> sources, KeyRing? ring)
        {
            var usages = new List<KeyUsage>();
            if (ring != null)
            {
                usages.AddRange(ring.Keys.Select((key, index) => new KeyUsage(key.Id, index == 0 ? KeyRole.Primary : KeyRole.Secondary)));
            }

            foreach (var field in EncryptedField.In(sources))
            {
                var keyId = field.KeyId ?? DamagedKeyId;
                var usage = usages.FirstOrDefault(candidate => string.Equals(candidate.KeyId, keyId, StringComparison.OrdinalIgnoreCase));
                if (usage == null)
                {
                    usage = new KeyUsage(keyId, KeyRole.NotInRing);
                    usages.Add(usage);
                }

                usage.Fields.Add(field.Source + "." + field.Field);
                if (usage.Role == KeyRole.NotInRing || !Opens(ring!, field))
                {
                    usage.Unreadable.Add(field.Source + "." + field.Field);
                }
            }

            return usages;
        }

        private static bool Opens(KeyRing ring, EncryptedField field)
        {
            try
            {
                ring.Decrypt(field.Stored, field.Context);
                return true;
            }
            catch (DataCompassException)
            {
                return false;
            }
        }
    }

    public enum KeyRole
    {
        /// <summary>The first key of the ring: new values are encrypted with it.</summary>
        Primary,

        /// <summary>In the ring for decryption only; Update-DcEncryptionKey moves its values to the primary.</summary>
        Secondary,

        /// <summary>Values name this key, but the ring does not hold it: they cannot be opened.</summary>
        NotInRing,
    }

    /// <summary>One key id and the values that name it.</summary>
    public sealed class KeyUsage
    {
        public KeyUsage(string keyId, KeyRole role)
        {
            KeyId = keyId;
            Role = role;
        }

        public string KeyId { get; }

        public KeyRole Role { get; }

        /// <summary>Every value under this key, as source.field.</summary>
        public List<string> Fields { get; } = new List<string>();

        /// <summary>The values this key ring cannot open, as source.field.</summary>
        public List<string> Unreadable { get; } = new List<string>();
    }
}

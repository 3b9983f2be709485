using System.Collections.Generic;

namespace DataCompass.Core.Vaults
{
    public enum SecretKind
    {
        /// <summary>A string or SecureString secret.</summary>
        Text,

        /// <summary>A Hashtable secret (secret_ref): field name to text.</summary>
        Map,

        /// <summary>A credential: user name and password.</summary>
        Credential,

        /// <summary>Anything else (byte[]), which no field can use.</summary>
        Other,
    }

    /// <summary>A secret as read from a vault. Its text never reaches a message or a log.</summary>
    public sealed class SecretValue
    {
        private SecretValue(SecretKind kind, string? text, IReadOnlyDictionary<string, string?>? map, string? userName, string typeName)
        {
            Kind = kind;
            Text = text;
            Map = map;
            UserName = userName;
            TypeName = typeName;
        }

        public SecretKind Kind { get; }

        /// <summary>The text of a Text secret, or the password of a Credential.</summary>
        public string? Text { get; }

        public IReadOnlyDictionary<string, string?>? Map { get; }

        public string? UserName { get; }

        /// <summary>The vault's type name for messages (String, Hashtable, PSCredential, ByteArray).</summary>
        public string TypeName { get; }

        public static SecretValue FromText(string text) => new SecretValue(SecretKind.Text, text, null, null, "String");

        public static SecretValue FromMap(IReadOnlyDictionary<string, string?> map) => new SecretValue(SecretKind.Map, null, map, null, "Hashtable");

        public static SecretValue FromCredential(string userName, string password) =>
            new SecretValue(SecretKind.Credential, password, null, userName, "PSCredential");

        public static SecretValue Unusable(string typeName) => new SecretValue(SecretKind.Other, null, null, null, typeName);

        /// <summary>True when this is a text secret holding exactly <paramref name="text"/>.</summary>
        public bool IsText(string? text) => Kind == SecretKind.Text && string.Equals(Text, text, System.StringComparison.Ordinal);

        /// <summary>True when both are the same kind of secret with the same content (a copy read back from another vault).</summary>
        public bool SameAs(SecretValue other)
        {
            if (Kind != other.Kind || Kind == SecretKind.Other)
            {
                return false;
            }

            if (!string.Equals(Text, other.Text, System.StringComparison.Ordinal) || !string.Equals(UserName, other.UserName, System.StringComparison.Ordinal))
            {
                return false;
            }

            if (Map == null || other.Map == null)
            {
                return Map == null && other.Map == null;
            }

            foreach (var entry in Map)
            {
                if (!other.Map.TryGetValue(entry.Key, out var value) || !string.Equals(value, entry.Value, System.StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return Map.Count == other.Map.Count;
        }

        public override string ToString() => $"{TypeName} secret";
    }
}

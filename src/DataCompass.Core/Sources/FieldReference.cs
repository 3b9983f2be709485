using DataCompass.Core.References;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// One reference held by one stored field: an environment placeholder, a vault reference, or an encrypted
    /// value (which refers to a key of the key ring).
    /// </summary>
    public sealed class FieldReference
    {
        public FieldReference(string field, string text, ValueSegment? segment, SecretReference? secret, bool isSecretRef, string? encrypted = null)
        {
            Encrypted = encrypted;
            Field = field;
            Text = text;
            Segment = segment;
            Secret = secret;
            IsSecretRef = isSecretRef;
        }

        public string Field { get; }

        /// <summary>The reference as written.</summary>
        public string Text { get; }

        /// <summary>The placeholder, for an environment or ${secret:...} reference.</summary>
        public ValueSegment? Segment { get; }

        /// <summary>The vault secret, for ${secret:...} and secret_ref.</summary>
        public SecretReference? Secret { get; }

        /// <summary>The stored enc:v1 value, for an encrypted field; <see cref="Text"/> then shows only its key id.</summary>
        public string? Encrypted { get; }

        /// <summary>True for the secret_ref field's vault://Vault/Name.</summary>
        public bool IsSecretRef { get; }
    }
}

namespace DataCompass
{
    /// <summary>One key id and the catalog values encrypted with it, as Get-DcEncryptionStatus reports them.</summary>
    public sealed class DcEncryptionKeyStatus
    {
        internal DcEncryptionKeyStatus(string keyId, string role, string? origin, string[] fields, string[] unreadableFields)
        {
            KeyId = keyId;
            Role = role;
            Origin = origin;
            Fields = fields;
            UnreadableFields = unreadableFields;
        }

        public string KeyId { get; }

        /// <summary>Primary, Secondary (decrypts only), or NotInRing (its values cannot be opened).</summary>
        public string Role { get; }

        /// <summary>Where the key ring came from; null for a key the ring does not hold.</summary>
        public string? Origin { get; }

        public int Values => Fields.Length;

        public int Unreadable => UnreadableFields.Length;

        /// <summary>The values under this key, as source.field.</summary>
        public string[] Fields { get; }

        /// <summary>The values the configured keys cannot open, as source.field.</summary>
        public string[] UnreadableFields { get; }

        public override string ToString() => $"{KeyId} ({Role}): {Values} values";
    }
}

namespace DataCompass
{
    /// <summary>A key New-DcEncryptionKey made: where it is kept and its id. Never the key itself.</summary>
    public sealed class DcEncryptionKeyInfo
    {
        internal DcEncryptionKeyInfo(string keyId, string location, int keyCount, string? previousPrimaryKeyId)
        {
            KeyId = keyId;
            Location = location;
            KeyCount = keyCount;
            PreviousPrimaryKeyId = previousPrimaryKeyId;
        }

        /// <summary>The new primary key's id (first 8 hex digits of SHA-256 of the key), as stored values name it.</summary>
        public string KeyId { get; }

        /// <summary>The key file, or the vault secret as vault://Vault/Name.</summary>
        public string Location { get; }

        /// <summary>How many keys the ring holds now: the new primary and every key it held before.</summary>
        public int KeyCount { get; }

        /// <summary>The key that was primary before, if any: Update-DcEncryptionKey moves its values to the new one.</summary>
        public string? PreviousPrimaryKeyId { get; }

        public override string ToString() => $"{KeyId} ({Location})";
    }
}

namespace DataCompass
{
    /// <summary>What Remove-DcEncryptionKey removed and what the ring holds now: key ids only, never a key.</summary>
    public sealed class DcEncryptionKeyRemoval
    {
        internal DcEncryptionKeyRemoval(string[] removedKeyIds, string[] remainingKeyIds, string location, string database)
        {
            RemovedKeyIds = removedKeyIds;
            RemainingKeyIds = remainingKeyIds;
            Location = location;
            Database = database;
        }

        /// <summary>The keys taken out of the ring.</summary>
        public string[] RemovedKeyIds { get; }

        /// <summary>The keys the ring still holds, primary first.</summary>
        public string[] RemainingKeyIds { get; }

        public string PrimaryKeyId => RemainingKeyIds[0];

        /// <summary>The key file, or the vault secret as vault://Vault/Name.</summary>
        public string Location { get; }

        /// <summary>The catalog whose values were checked.</summary>
        public string Database { get; }

        public override string ToString() => $"Removed {string.Join(", ", RemovedKeyIds)} from {Location}; left: {string.Join(", ", RemainingKeyIds)}";
    }
}

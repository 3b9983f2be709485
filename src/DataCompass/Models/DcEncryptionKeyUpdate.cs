namespace DataCompass
{
    /// <summary>What Update-DcEncryptionKey did: counts only.</summary>
    public sealed class DcEncryptionKeyUpdate
    {
        internal DcEncryptionKeyUpdate(string primaryKeyId, int reencrypted, int failed, int notDone, int alreadyCurrent, string database)
        {
            PrimaryKeyId = primaryKeyId;
            Reencrypted = reencrypted;
            Failed = failed;
            NotDone = notDone;
            AlreadyCurrent = alreadyCurrent;
            Database = database;
        }

        public string PrimaryKeyId { get; }

        /// <summary>Values moved to the primary key by this run.</summary>
        public int Reencrypted { get; }

        /// <summary>Values that could not be moved (their key is missing, they are damaged, or they changed meanwhile).</summary>
        public int Failed { get; }

        /// <summary>Values left for a later run (declined with -WhatIf or -Confirm).</summary>
        public int NotDone { get; }

        /// <summary>Values that were already under the primary key.</summary>
        public int AlreadyCurrent { get; }

        public string Database { get; }

        public override string ToString() => $"{Reencrypted} re-encrypted under {PrimaryKeyId}, {Failed} failed";
    }
}

namespace DataCompass
{
    /// <summary>What Protect-DcDatabase or Unprotect-DcDatabase did to a catalog file: its form now, and what it holds.</summary>
    public sealed class DcDatabaseProtection
    {
        internal DcDatabaseProtection(string database, bool encrypted, bool changed, long sources, long rows, string? keyOrigin, string library)
        {
            Database = database;
            Encrypted = encrypted;
            Changed = changed;
            Sources = sources;
            Rows = rows;
            KeyOrigin = keyOrigin;
            Library = library;
        }

        /// <summary>The catalog file.</summary>
        public string Database { get; }

        /// <summary>Whether the file is encrypted now.</summary>
        public bool Encrypted { get; }

        /// <summary>False when the file was in that form already and nothing was done.</summary>
        public bool Changed { get; }

        /// <summary>The sources in the catalog.</summary>
        public long Sources { get; }

        /// <summary>The rows of all the catalog's tables, each compared with the original before the converted copy replaced it.</summary>
        public long Rows { get; }

        /// <summary>Where the database key comes from ($env:DATACOMPASS_DATABASE_KEY, or the vault secret of database_key_ref); null once decrypted. Never the key.</summary>
        public string? KeyOrigin { get; }

        /// <summary>The SQLite library that did the work, with its version.</summary>
        public string Library { get; }

        public override string ToString() => $"{Database}: {(Encrypted ? "encrypted" : "plain")}{(Changed ? string.Empty : " (unchanged)")}";
    }
}

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// The tables. <c>data_sources</c> is exactly the Python tool's DDL; DataCompass's own tables carry a
    /// <c>dc_</c> prefix. SQL stays within what SQLite 3.15 (SQLCipher 3.4) understands.
    /// </summary>
    internal static class CatalogSchema
    {
        /// <summary>
        /// The DataCompass schema version this build writes. A newer database refuses writes. 1: dc_schema_info and
        /// dc_source_secrets. 2: ix_dc_data_sources_name_nocase, so a name is looked up ignoring case without a scan, and
        /// dc_pending_secret_removals. 3: dc_audit_events and its indexes.
        /// </summary>
        public const int CurrentVersion = 3;

        public const string CreateDataSources =
            "CREATE TABLE IF NOT EXISTS data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), " +
            "source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, " +
            "last_scan_at DATETIME, last_scan_status VARCHAR(50), last_scan_message TEXT, " +
            "created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id));";

        /// <summary>The data_sources columns DataCompass writes; a table without them belongs to another application.</summary>
        public static readonly string[] WrittenDataSourcesColumns =
            { "id", "name", "display_name", "source_type", "connection_info", "sync_config", "is_active", "created_at", "updated_at" };

        public const string CreateDataSourcesNameIndex =
            "CREATE UNIQUE INDEX IF NOT EXISTS ix_data_sources_name ON data_sources (name);";

        /// <summary>
        /// Names are unique ignoring case, and looked up with <c>name = $name COLLATE NOCASE</c>, which the BINARY unique
        /// index cannot serve. Not unique: a catalog the Python tool wrote may hold names that differ only in case.
        /// </summary>
        public const string CreateDataSourcesNameNocaseIndex =
            "CREATE INDEX IF NOT EXISTS ix_dc_data_sources_name_nocase ON data_sources (name COLLATE NOCASE);";

        /// <summary>Every table and index of the current version: when all are there, opening for write changes nothing.</summary>
        public static readonly string[] Objects =
        {
            "data_sources", "ix_data_sources_name", "ix_dc_data_sources_name_nocase", "dc_schema_info", "dc_source_secrets", "ix_dc_source_secrets_secret",
            "dc_pending_secret_removals", "dc_audit_events", "ix_dc_audit_events_source",
        };

        public const string CreateSchemaInfo =
            "CREATE TABLE IF NOT EXISTS dc_schema_info (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);";

        /// <summary>The vault secrets DataCompass created for a source field: only these are removed with the source.</summary>
        public const string CreateSourceSecrets =
            "CREATE TABLE IF NOT EXISTS dc_source_secrets (source_id INTEGER NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE, " +
            "field VARCHAR(255) NOT NULL, vault VARCHAR(255) NOT NULL, secret_name VARCHAR(255) NOT NULL, created_at DATETIME NOT NULL, " +
            "PRIMARY KEY (source_id, field));";

        public const string CreateSourceSecretsIndex =
            "CREATE INDEX IF NOT EXISTS ix_dc_source_secrets_secret ON dc_source_secrets (vault, secret_name);";

        /// <summary>
        /// Owned secrets whose source is gone and that are still to be removed from their vault: written in the
        /// transaction that deletes the row, cleared once the vault has let go of each, so that a removal killed
        /// in between leaves a record the next run finishes from, never a secret nobody accounts for.
        /// </summary>
        public const string CreatePendingSecretRemovals =
            "CREATE TABLE IF NOT EXISTS dc_pending_secret_removals (vault VARCHAR(255) NOT NULL, secret_name VARCHAR(255) NOT NULL, " +
            "source_name VARCHAR(255) NOT NULL, field VARCHAR(255) NOT NULL, queued_at DATETIME NOT NULL, PRIMARY KEY (vault, secret_name));";

        /// <summary>
        /// The audit trail: one row per change or resolution, written in the transaction of the change it records.
        /// <c>fields</c> holds, per field, the old and new reference or provenance, never a value; <c>context</c> the
        /// command, the PowerShell host, the outcome and the error id. No foreign key: an event outlives its source.
        /// One index besides the table, so an event costs two pages of a commit: ids grow with time (pruning keeps
        /// the newest row, so an id is never handed out again), and old events are found by id order. "user" is
        /// quoted in every statement (it is a reserved word in PostgreSQL).
        /// </summary>
        public const string CreateAuditEvents =
            "CREATE TABLE IF NOT EXISTS dc_audit_events (id INTEGER PRIMARY KEY, at_utc DATETIME NOT NULL, " +
            "\"user\" VARCHAR(255) NOT NULL, host VARCHAR(255) NOT NULL, process_id INTEGER NOT NULL, action VARCHAR(50) NOT NULL, " +
            "source_id INTEGER, source_name VARCHAR(255), fields JSON NOT NULL, context JSON NOT NULL);";

        public const string CreateAuditEventsSourceIndex =
            "CREATE INDEX IF NOT EXISTS ix_dc_audit_events_source ON dc_audit_events (source_name COLLATE NOCASE, id);";

        public const string SchemaVersionKey = "schema_version";

        /// <summary>
        /// Set in the transaction that replaces a secret value in place, cleared once the file is scrubbed: a run
        /// killed in between leaves it set, so the next run scrubs even when it has nothing else to do.
        /// </summary>
        public const string ScrubPendingKey = "scrub_pending";
    }
}

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// The catalog's tables on PostgreSQL: <c>data_sources</c> as SQLAlchemy creates the Python tool's model there
    /// (SERIAL id, json, boolean, timestamp without time zone), and DataCompass's <c>dc_</c> tables in the same types.
    /// Names are compared ignoring case through lower(), so the indexes are on lower().
    /// </summary>
    internal static class PostgresSchema
    {
        public static readonly string[] Statements =
        {
            "CREATE TABLE IF NOT EXISTS data_sources (id SERIAL NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), " +
            "source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, " +
            "last_scan_at TIMESTAMP WITHOUT TIME ZONE, last_scan_status VARCHAR(50), last_scan_message TEXT, " +
            "created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, PRIMARY KEY (id));",
            "CREATE UNIQUE INDEX IF NOT EXISTS ix_data_sources_name ON data_sources (name);",
            "CREATE INDEX IF NOT EXISTS ix_dc_data_sources_name_nocase ON data_sources (lower(name));",
            "CREATE TABLE IF NOT EXISTS dc_schema_info (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);",
            "CREATE TABLE IF NOT EXISTS dc_source_secrets (source_id INTEGER NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE, " +
            "field VARCHAR(255) NOT NULL, vault VARCHAR(255) NOT NULL, secret_name VARCHAR(255) NOT NULL, created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, " +
            "PRIMARY KEY (source_id, field));",
            "CREATE INDEX IF NOT EXISTS ix_dc_source_secrets_secret ON dc_source_secrets (lower(vault), lower(secret_name));",
            "CREATE TABLE IF NOT EXISTS dc_pending_secret_removals (vault VARCHAR(255) NOT NULL, secret_name VARCHAR(255) NOT NULL, " +
            "source_name VARCHAR(255) NOT NULL, field VARCHAR(255) NOT NULL, queued_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, PRIMARY KEY (vault, secret_name));",
            "CREATE TABLE IF NOT EXISTS dc_audit_events (id BIGSERIAL PRIMARY KEY, at_utc TIMESTAMP WITHOUT TIME ZONE NOT NULL, " +
            "\"user\" VARCHAR(255) NOT NULL, host VARCHAR(255) NOT NULL, process_id INTEGER NOT NULL, action VARCHAR(50) NOT NULL, " +
            "source_id INTEGER, source_name VARCHAR(255), fields JSON NOT NULL, context JSON NOT NULL);",
            "CREATE INDEX IF NOT EXISTS ix_dc_audit_events_source ON dc_audit_events (lower(source_name), id);",
        };
    }
}

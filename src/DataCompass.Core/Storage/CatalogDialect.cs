using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// What differs between the databases a catalog can live in: the SQL of case-insensitive names, upserts and
    /// new ids, how booleans, timestamps and JSON are bound, how a writer takes the catalog, and how the catalog's
    /// own tables are found. The statements themselves are shared (parameters as @name, which both accept).
    /// </summary>
    internal abstract class CatalogDialect
    {
        /// <summary>The database product, for messages.</summary>
        public abstract string Product { get; }

        /// <summary>A write transaction that holds the catalog's write lock from its start, so two writers queue instead of deadlocking.</summary>
        public abstract DbTransaction BeginWrite(DbConnection connection);

        /// <summary>An expression compared ignoring ASCII case, on both sides of an = or IN.</summary>
        public abstract string CaseFolded(string expression);

        /// <summary>An INSERT statement (no terminator) that also returns the new row's id as its scalar.</summary>
        public abstract string InsertReturningId(string insert);

        /// <summary>INSERT that replaces the row with the same <paramref name="key"/>; parameters are @column.</summary>
        public abstract string InsertOrReplace(string table, IReadOnlyList<string> columns, IReadOnlyList<string> key);

        /// <summary>INSERT that does nothing when a row with the same <paramref name="key"/> exists; parameters are @column.</summary>
        public abstract string InsertOrIgnore(string table, IReadOnlyList<string> columns, IReadOnlyList<string> key);

        public abstract object Boolean(bool value);

        /// <summary>A UTC time as the dialect stores it (SQLAlchemy's text in SQLite, a timestamp without zone elsewhere).</summary>
        public abstract object Timestamp(DateTime utc);

        /// <summary>Binds JSON text to a json column.</summary>
        public abstract void AddJson(DbCommand command, string name, string json);

        /// <summary>Whether GLOB narrows a name pattern in SQL (else every row is tested in memory).</summary>
        public abstract bool SupportsGlob { get; }

        /// <summary>A query of one scalar: how many of the tables named by @name exist.</summary>
        public abstract string TableExistsQuery { get; }

        /// <summary>A query of one scalar: how many tables and indexes of the given names exist.</summary>
        public abstract string ObjectCountQuery(IReadOnlyList<string> parameterNames);

        /// <summary>An ORDER BY term that sorts text by its code points, as SQLite's BINARY does, whatever the database's collation.</summary>
        public abstract string BinaryOrder(string expression);

        protected static string Parameters(IEnumerable<string> columns) => string.Join(", ", columns.Select(column => "@" + column));
    }

    internal sealed class SqliteDialect : CatalogDialect
    {
        public static readonly SqliteDialect Instance = new SqliteDialect();

        private SqliteDialect()
        {
        }

        public override string Product => "SQLite";

        // BEGIN IMMEDIATE takes SQLite's write lock up front.
        public override DbTransaction BeginWrite(DbConnection connection) =>
            ((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(deferred: false);

        // NOCASE folds ASCII only, as OrdinalIgnoreCase does for an ASCII name; ix_dc_data_sources_name_nocase serves it.
        public override string CaseFolded(string expression) => expression + " COLLATE NOCASE";

        // last_insert_rowid() rather than RETURNING: SQLite before 3.35 (SQLCipher 3.4 among them) has no RETURNING.
        public override string InsertReturningId(string insert) => insert + "; SELECT last_insert_rowid();";

        public override string InsertOrReplace(string table, IReadOnlyList<string> columns, IReadOnlyList<string> key) =>
            $"INSERT OR REPLACE INTO {table} ({string.Join(", ", columns)}) VALUES ({Parameters(columns)});";

        public override string InsertOrIgnore(string table, IReadOnlyList<string> columns, IReadOnlyList<string> key) =>
            $"INSERT OR IGNORE INTO {table} ({string.Join(", ", columns)}) VALUES ({Parameters(columns)});";

        public override object Boolean(bool value) => value ? 1L : 0L;

        public override object Timestamp(DateTime utc) => SqliteTimestamp.Format(utc);

        public override void AddJson(DbCommand command, string name, string json) => command.AddParameter(name, json);

        public override bool SupportsGlob => true;

        public override string TableExistsQuery => "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @name;";

        public override string ObjectCountQuery(IReadOnlyList<string> parameterNames) =>
            $"SELECT count(*) FROM sqlite_master WHERE name IN ({string.Join(", ", parameterNames)});";

        public override string BinaryOrder(string expression) => expression;
    }
}

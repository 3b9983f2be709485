using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Linq;
using Npgsql;
using NpgsqlTypes;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// A catalog on a PostgreSQL server, in the types SQLAlchemy gives the Python tool's models there (json, boolean,
    /// timestamp without time zone). Writers take transaction-scoped advisory locks: every change holds the catalog's
    /// write lock for its transaction, as SQLite's BEGIN IMMEDIATE does, so changes from several machines queue.
    /// </summary>
    internal sealed class PostgresDialect : CatalogDialect
    {
        public static readonly PostgresDialect Instance = new PostgresDialect();

        /// <summary>pg_advisory_xact_lock keys: the first word 'DCat' so that other applications' keys are unlikely to meet them.</summary>
        public const long WriteLockKey = 0x44436174_00000001;

        public const long SchemaLockKey = 0x44436174_00000002;

        /// <summary>The lock of one source ('DCas' and its id), held while a conversion works on it.</summary>
        public static long SourceLockKey(long sourceId) => unchecked((0x44436173L << 32) | (uint)sourceId);

        private PostgresDialect()
        {
        }

        public override string Product => "PostgreSQL";

        public override DbTransaction BeginWrite(DbConnection connection)
        {
            var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
            try
            {
                TakeLock(connection, transaction, WriteLockKey);
                return transaction;
            }
            catch
            {
                transaction.Dispose();
                throw;
            }
        }

        /// <summary>Waits for the advisory lock <paramref name="key"/>, held until <paramref name="transaction"/> ends.</summary>
        public static void TakeLock(DbConnection connection, DbTransaction transaction, long key)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT pg_advisory_xact_lock(@key);";
            command.AddParameter("@key", key);
            command.ExecuteNonQuery();
        }

        // lower() on both sides: the callers fold in SQL only names of ASCII text, where lower() and NOCASE agree.
        public override string CaseFolded(string expression) => "lower(" + expression + ")";

        public override string InsertReturningId(string insert) => insert + " RETURNING id;";

        public override string InsertOrReplace(string table, IReadOnlyList<string> columns, IReadOnlyList<string> key)
        {
            var updates = columns.Where(column => !key.Contains(column, StringComparer.Ordinal)).Select(column => $"{column} = EXCLUDED.{column}").ToList();
            var onConflict = updates.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates);
            return $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({Parameters(columns)}) ON CONFLICT ({string.Join(", ", key)}) {onConflict};";
        }

        public override string InsertOrIgnore(string table, IReadOnlyList<string> columns, IReadOnlyList<string> key) =>
            $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({Parameters(columns)}) ON CONFLICT ({string.Join(", ", key)}) DO NOTHING;";

        public override object Boolean(bool value) => value;

        // timestamp without time zone holds microseconds and takes a DateTime that names no zone.
        public override object Timestamp(DateTime utc)
        {
            var ticks = utc.ToUniversalTime().Ticks;
            return new DateTime(ticks - (ticks % 10), DateTimeKind.Unspecified);
        }

        public override void AddJson(DbCommand command, string name, string json) =>
            command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Json) { Value = json });

        public override bool SupportsGlob => false;

        public override string TableExistsQuery =>
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = @name;";

        public override string ObjectCountQuery(IReadOnlyList<string> parameterNames) =>
            "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " +
            $"WHERE n.nspname = current_schema() AND c.relname IN ({string.Join(", ", parameterNames)});";

        public override string BinaryOrder(string expression) => expression + " COLLATE \"C\"";
    }
}

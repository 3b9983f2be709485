using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Vaults;
using Npgsql;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// A catalog on a PostgreSQL server (see <see cref="CatalogAddress"/>): the connection, the schema, and the
    /// scrub, where they differ from a catalog file. Everything else is the same code through <see cref="PostgresDialect"/>.
    /// </summary>
    public sealed partial class SourceCatalog
    {
        private bool IsServer => _dialect is PostgresDialect;

        /// <summary>The address a catalog name stands for, when it names a server catalog; null for a file.</summary>
        public static CatalogAddress? AddressOf(string name, Func<string, string?> environment)
        {
            return CatalogAddress.IsAddress(name) ? CatalogAddress.FromName(name, environment) : null;
        }

        /// <summary>
        /// Runs <paramref name="work"/> while this process alone works on the source: on a server catalog, in a
        /// transaction that holds the source's advisory lock (another machine converting the same source waits, then
        /// finds it converted), and whose changes commit together at the end. A catalog file needs no such lock (its
        /// writers are on one machine and each change is a compare-and-swap): the work just runs.
        /// </summary>
        public T WithSourceLock<T>(long sourceId, Func<T> work)
        {
            if (!IsServer || _transaction != null)
            {
                return work();
            }

            return Run(() =>
            {
                using var transaction = _connection.BeginTransaction(System.Data.IsolationLevel.ReadCommitted);
                _transaction = transaction;
                try
                {
                    PostgresDialect.TakeLock(_connection, transaction, PostgresDialect.SourceLockKey(sourceId));
                    var result = work();
                    transaction.Commit();
                    return result;
                }
                finally
                {
                    _transaction = null;
                }
            });
        }

        /// <summary>The source with this id as it is now, or null when it is gone.</summary>
        public StoredSource? FindSource(long sourceId) => Run(() => FindSourceById(sourceId));

        private static SourceCatalog? OpenServerForRead(CatalogAddress address, ISecretBackend? secrets)
        {
            var catalog = OpenServer(address, secrets, writable: false);
            try
            {
                // A database without the catalog's table is no catalog: never read as an empty one.
                if (!catalog.TableExists("data_sources"))
                {
                    catalog.Dispose();
                    return null;
                }

                catalog.ReadSchemaVersion();
                return catalog;
            }
            catch
            {
                catalog.Dispose();
                throw;
            }
        }

        private static SourceCatalog OpenServerForWrite(CatalogAddress address, ISecretBackend? secrets)
        {
            var catalog = OpenServer(address, secrets, writable: true);
            try
            {
                catalog.EnsureServerSchema();
                return catalog;
            }
            catch
            {
                catalog.Dispose();
                throw;
            }
        }

        private static SourceCatalog OpenServer(CatalogAddress address, ISecretBackend? secrets, bool writable)
        {
            var password = ServerPassword.Resolve(address, Environment.GetEnvironmentVariable, secrets);
            var builder = new NpgsqlConnectionStringBuilder
            {
                Host = address.Host,
                Port = address.Port,
                Database = address.Database,
                Username = address.User,
                Password = password,
                SslMode = address.SslMode switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => SslMode.Prefer,
                },
                Timeout = address.ConnectTimeout,
                // As for Test-DcSource -Connect: the address's credentials and no one else's.
                Passfile = null,
                RequireAuth = "ScramSHA256,MD5,Password",
                GssEncryptionMode = GssEncryptionMode.Disable,
                // Pooled within the session: every cmdlet opens the catalog, and a new connection costs a TCP
                // and SCRAM handshake (bench/Measure-PostgresCatalog.ps1). Idle ones close after half a minute.
                Pooling = true,
                MaxPoolSize = 4,
                ConnectionIdleLifetime = 30,
                ApplicationName = "DataCompass",
                // A writer waits for another one's lock as long as SQLite's busy timeout, then gives up.
                Options = "-c lock_timeout=" + BusyTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture),
            };
            var connection = new NpgsqlConnection(builder.ConnectionString);
            var catalog = new SourceCatalog(address.Text, connection, writable, PostgresDialect.Instance);
            try
            {
                catalog.Run(() =>
                {
                    connection.Open();
                    return 0;
                });
                return catalog;
            }
            catch
            {
                catalog.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Creates what is missing, under the schema lock, so that two machines opening a new catalog at once
        /// create it once. A newer schema, or another application's data_sources, is refused first.
        /// </summary>
        private void EnsureServerSchema()
        {
            Run(() =>
            {
                using var transaction = _connection.BeginTransaction(System.Data.IsolationLevel.ReadCommitted);
                _transaction = transaction;
                try
                {
                    PostgresDialect.TakeLock(_connection, transaction, PostgresDialect.SchemaLockKey);
                    var version = ReadSchemaVersion();
                    CheckServerDataSourcesShape();
                    if (version != CatalogSchema.CurrentVersion || !HasEveryObject())
                    {
                        foreach (var statement in PostgresSchema.Statements)
                        {
                            Execute(statement);
                        }

                        RaiseSchemaVersion();
                    }

                    transaction.Commit();
                }
                finally
                {
                    _transaction = null;
                }

                return 0;
            });
            ReadSchemaVersion();
        }

        private void CheckServerDataSourcesShape()
        {
            if (!TableExistsCore("data_sources"))
            {
                return;
            }

            using var command = _connection.CreateCommand();
            command.CommandText =
                "SELECT c.column_name, c.data_type, (k.column_name IS NOT NULL) AS is_key FROM information_schema.columns c " +
                "LEFT JOIN information_schema.table_constraints t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.constraint_type = 'PRIMARY KEY' " +
                "LEFT JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema AND k.column_name = c.column_name " +
                "WHERE c.table_schema = current_schema() AND c.table_name = 'data_sources';";
            var columns = ReadRows(command, column => (
                Name: Convert.ToString(column("column_name"), CultureInfo.InvariantCulture) ?? string.Empty,
                Type: Convert.ToString(column("data_type"), CultureInfo.InvariantCulture) ?? string.Empty,
                Key: column("is_key") is bool key && key));
            var missing = CatalogSchema.WrittenDataSourcesColumns
                .Where(name => !columns.Any(column => string.Equals(column.Name, name, StringComparison.OrdinalIgnoreCase)))
                .ToList();
            var keys = columns.Where(column => column.Key).ToList();
            var problem = missing.Count > 0 ? $"lacks the column {string.Join(", ", missing)}"
                : keys.Count == 1 && keys[0].Name == "id" && (keys[0].Type == "integer" || keys[0].Type == "bigint") ? null
                : "does not have id as its integer primary key";
            if (problem != null)
            {
                throw new DataCompassException(
                    DcError.DatabaseInvalid,
                    $"The catalog database {Path} has a data_sources table that {problem}, so it is not a datacompass catalog (another application's table?). Nothing was changed; use another -Database.",
                    Path);
            }
        }

        /// <summary>
        /// Rewrites the tables that held replaced values, so that no dead row version in them keeps an old value.
        /// What the server keeps elsewhere (WAL, replicas, backups, freed disk blocks) is beyond a client's reach.
        /// </summary>
        private void ScrubServer(string? seen)
        {
            Execute("VACUUM FULL data_sources;");
            if (TableExistsCore("notification_channels"))
            {
                Execute("VACUUM FULL notification_channels;");
            }

            ClearScrubMarker(seen);
        }

        private DataCompassException ServerFailure(NpgsqlException exception)
        {
            var why = exception is PostgresException server ? $"{server.MessageText} (SQLSTATE {server.SqlState})" : exception.Message;
            return new DataCompassException(DcError.DatabaseUnavailable, $"The catalog database {Path} could not be used: {why}", Path, exception);
        }
    }
}

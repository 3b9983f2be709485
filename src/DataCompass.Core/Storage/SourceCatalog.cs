using System;
using System.Data.Common;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Vaults;
using Microsoft.Data.Sqlite;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// The catalog database: the <c>data_sources</c> table and DataCompass's own tables. Every write runs in
    /// an immediate transaction; WAL and a busy timeout let several processes write at once.
    /// </summary>
    public sealed partial class SourceCatalog : ICatalogLookup, IDisposable
    {
        private const int BusyTimeoutMilliseconds = 15000;

        private readonly DbConnection _connection;

        // Statements run once per record of a long pipeline (the name check and the insert of Add-DcSource), kept
        // prepared for the catalog's lifetime: SQLite parses each once, not once a record (bench/Measure-Catalog.ps1).
        private readonly Dictionary<string, DbCommand> _prepared = new Dictionary<string, DbCommand>(StringComparer.Ordinal);
        private DbTransaction? _transaction;

        private readonly CatalogDialect _dialect;

        private SourceCatalog(string path, DbConnection connection, bool writable, CatalogDialect dialect)
        {
            Path = path;
            _connection = connection;
            IsWritable = writable;
            _dialect = dialect;
        }

        /// <summary>The time now, as this catalog's database stores it.</summary>
        private object Now() => _dialect.Timestamp(DateTime.UtcNow);

        public string Path { get; }

        public bool IsWritable { get; }

        /// <summary>
        /// Opens an existing catalog for reading, without creating or changing anything.
        /// Returns null when there is no database at <paramref name="path"/> yet.
        /// </summary>
        /// <param name="secrets">Reads the password of a server catalog whose address refers to a vault secret.</param>
        public static SourceCatalog? OpenForRead(string path, ISecretBackend? secrets = null)
        {
            if (AddressOf(path, Environment.GetEnvironmentVariable) is { } address)
            {
                return OpenServerForRead(address, secrets);
            }

            if (Directory.Exists(path))
            {
                throw new DataCompassException(DcError.DatabaseInvalid, $"The catalog database '{path}' is a folder, not a file.", path);
            }

            if (!File.Exists(path))
            {
                return null;
            }

            var keys = new DatabaseKeySource(path, Environment.GetEnvironmentVariable, secrets);
            try
            {
                return OpenReadable(path, immutable: false, keys);
            }
            catch (DataCompassException exception) when (IsReadOnlyFailure(exception) && !HasWalContent(path))
            {
                // A WAL database needs its -shm file even to be read, and SQLite cannot create it in a folder this
                // process cannot write (a read-only mount, another user's folder). With no -wal beside it, the
                // main file is the whole catalog: it is read as immutable, which needs no -shm.
                try
                {
                    return OpenReadable(path, immutable: true, keys);
                }
                catch (DataCompassException)
                {
                    throw exception;
                }
            }
        }

        private static SourceCatalog OpenReadable(string path, bool immutable, DatabaseKeySource keys)
        {
            var catalog = Open(path, SqliteOpenMode.ReadOnly, writable: false, keys, immutable);
            try
            {
                catalog.ReadSchemaVersion();
                return catalog;
            }
            catch
            {
                catalog.Dispose();
                throw;
            }
        }

        private static bool IsReadOnlyFailure(DataCompassException exception) =>
            exception.InnerException is SqliteException sqlite && IsReadOnlyCode(sqlite.SqliteErrorCode);

        // SQLITE_READONLY and SQLITE_CANTOPEN: what a missing -shm file that cannot be created gives.
        private static bool IsReadOnlyCode(int code) => code == 8 || code == 14;

        private static bool HasWalContent(string path)
        {
            var wal = new FileInfo(path + "-wal");
            return wal.Exists && wal.Length > 0;
        }

        /// <summary>Whether this process can create a file in the folder (root ignores modes, not chattr +i or a read-only mount).</summary>
        private static bool CanCreateFilesIn(string? folder)
        {
            if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
            {
                return true;
            }

            var probe = System.IO.Path.Combine(folder, ".dc-write-probe-" + Guid.NewGuid().ToString("n"));
            try
            {
                using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
                {
                }

                return true;
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>
        /// Opens the catalog for writing, creating the folder (0700) and file (0600) if needed and the tables
        /// that are missing. A database written by a newer DataCompass is refused.
        /// </summary>
        public static SourceCatalog OpenForWrite(string path, ISecretBackend? secrets = null) => OpenForWrite(path, checkIntegrity: true, secrets);

        /// <summary>
        /// Opens a catalog to append audit events only (a resolution's), without SQLite's quick check of the whole
        /// file: that check guards changes to sources, costs a read of every page (the growing trail included), and
        /// an event is an insert of its own pages, which SQLite refuses (DcDatabaseInvalid) where they are damaged.
        /// </summary>
        public static SourceCatalog OpenForAudit(string path, ISecretBackend? secrets = null) => OpenForWrite(path, checkIntegrity: false, secrets);

        private static SourceCatalog OpenForWrite(string path, bool checkIntegrity, ISecretBackend? secrets)
        {
            if (AddressOf(path, Environment.GetEnvironmentVariable) is { } address)
            {
                return OpenServerForWrite(address, secrets);
            }

            if (Directory.Exists(path))
            {
                throw new DataCompassException(DcError.DatabaseInvalid, $"The catalog database '{path}' is a folder, not a file.", path);
            }

            CreateFileIfMissing(path);
            var catalog = Open(path, SqliteOpenMode.ReadWrite, writable: true, new DatabaseKeySource(path, Environment.GetEnvironmentVariable, secrets));
            try
            {
                catalog.EnsureSchema(checkIntegrity);
                return catalog;
            }
            catch
            {
                catalog.Dispose();
                throw;
            }
        }

        public IReadOnlyList<StoredSource> ListSources() => EnumerateSources().ToList();

        /// <summary>
        /// The sources in name order, read a row at a time while the caller enumerates (the catalog stays open till
        /// then). A row the filter drops is never parsed: its name and type are all that is read of it.
        /// </summary>
        public IEnumerable<StoredSource> EnumerateSources(SourceFilter? filter = null)
        {
            if (!TableExists("data_sources"))
            {
                return Array.Empty<StoredSource>();
            }

            if (filter?.NameGlob is { } glob && _dialect.SupportsGlob)
            {
                // A superset for names of printable ASCII; any other name is left to the filter's own test.
                return QuerySources(
                    " WHERE name GLOB @glob OR name GLOB '*[^ -~]*'", command => command.AddParameter("@glob", glob), filter);
            }

            return QuerySources(string.Empty, null, filter);
        }

        /// <summary>Finds a source by exact name, else by the one name that matches ignoring case.</summary>
        public StoredSource? FindSource(string name) => FindSource(name, null);

        /// <summary>
        /// As <see cref="FindSource(string)"/> among the sources whose type passes <paramref name="type"/>: a
        /// source of another type neither matches nor makes a caseless match ambiguous.
        /// </summary>
        public StoredSource? FindSource(string name, Func<string, bool>? type)
        {
            if (!TableExists("data_sources"))
            {
                return null;
            }

            return FindSourceCore(name, type);
        }
        /// <summary>
        /// Inserts a new source, and records the vault secrets created for it. Throws
        /// <see cref="DcError.SourceExists"/> when the name is taken (ignoring case).
        /// </summary>
        public StoredSource AddSource(NewSource source, IReadOnlyList<OwnedSecret>? ownedSecrets = null, AuditEntry? audit = null)
        {
            RequireWritable();
            return InTransaction(() =>
            {
                ThrowIfNameTaken(source.Name);

                var now = Now();
                var command = Prepared(_dialect.InsertReturningId(
                    "INSERT INTO data_sources (name, display_name, source_type, connection_info, sync_config, is_active, created_at, updated_at) " +
                    "VALUES (@name, @display_name, @source_type, @connection_info, @sync_config, @active, @now, @now)"));
                command.AddParameter("@name", source.Name);
                command.AddParameter("@display_name", (object?)source.DisplayName ?? DBNull.Value);
                command.AddParameter("@source_type", source.SourceType);
                _dialect.AddJson(command, "@connection_info", source.ConnectionInfoJson);
                _dialect.AddJson(command, "@sync_config", "null");
                command.AddParameter("@active", _dialect.Boolean(source.IsActive));
                command.AddParameter("@now", now);
                var id = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);

                // The row as written, built from what was inserted rather than read back: a second query and JSON
                // parse an add would otherwise cost (bench/Measure-Catalog.ps1).
                var at = SqliteTimestamp.Parse(now)!.Value;
                var stored = new StoredSource
                {
                    Id = id,
                    Name = source.Name,
                    DisplayName = source.DisplayName,
                    SourceType = source.SourceType,
                    ConnectionInfoJson = source.ConnectionInfoJson,
                    SyncConfig = "null",
                    IsActive = source.IsActive,
                    CreatedAt = at,
                    UpdatedAt = at,
                };
                foreach (var owned in ownedSecrets ?? Array.Empty<OwnedSecret>())
                {
                    RecordOwnedSecret(stored.Id, owned, now);
                }

                WriteAuditEvent(audit ?? new AuditEntry(AuditActions.Add), stored.Id, stored.Name, now);

                return stored;
            });
        }

        /// <summary>Throws <see cref="DcError.SourceExists"/> when a source of that name (ignoring case) is present.</summary>
        public void EnsureNameIsFree(string name)
        {
            if (TableExists("data_sources"))
            {
                ThrowIfNameTaken(name);
            }
        }

        private void ThrowIfNameTaken(string name)
        {
            var taken = TakenName(name);
            if (taken != null)
            {
                throw new DataCompassException(
                    DcError.SourceExists,
                    $"A source named '{taken}' already exists in '{Path}'. Remove it first or choose another name.",
                    name);
            }
        }

        /// <summary>
        /// The stored name equal to <paramref name="name"/> ignoring case (the exact one first), or null. Names only:
        /// an add asks this for every source it adds.
        /// </summary>
        private string? TakenName(string name)
        {
            if (!IsAscii(name))
            {
                return QuerySources(string.Empty, null, new SourceFilter { Name = stored => string.Equals(stored, name, StringComparison.OrdinalIgnoreCase) })
                    .Select(stored => stored.Name)
                    .OrderBy(stored => string.Equals(stored, name, StringComparison.Ordinal) ? 0 : 1)
                    .FirstOrDefault();
            }

            var command = Prepared($"SELECT name FROM data_sources WHERE {_dialect.CaseFolded("name")} = {_dialect.CaseFolded("@name")} ORDER BY name = @name DESC LIMIT 1;");
            command.AddParameter("@name", name);
            return Run(() => command.ExecuteScalar()) as string;
        }

        /// <summary>
        /// Replaces stored field values, and records the secret DataCompass now owns for a field (and the one it
        /// replaced, still to be removed), in one transaction. Returns the updated source.
        /// </summary>
        public StoredSource UpdateFields(long sourceId, IReadOnlyDictionary<string, object?> values, OwnedSecret? ownedSecret, OwnedSecret? replacedSecret = null, AuditEntry? audit = null)
        {
            RequireWritable();
            var updated = InTransaction(() =>
            {
                var source = FindSourceById(sourceId) ?? throw new DataCompassException(
                    DcError.SourceNotFound, $"The source with id {sourceId} is no longer in '{Path}'.", sourceId.ToString(CultureInfo.InvariantCulture));
                var info = source.ConnectionInfo;
                foreach (var value in values)
                {
                    info[value.Key] = value.Value;
                }

                var now = Now();
                WriteConnectionInfo(sourceId, info, now);

                foreach (var owned in new[] { ownedSecret, replacedSecret })
                {
                    if (owned != null)
                    {
                        RecordOwnedSecret(sourceId, owned, now);
                    }
                }

                WriteAuditEvent(audit ?? new AuditEntry(AuditActions.Set), sourceId, source.Name, now);

                return FindSourceById(sourceId)!;
            });
            CheckpointWal();
            return updated;
        }

        /// <summary>
        /// Set-DcSource's change of a row: connection_info, display name and active flag, the secret records and the
        /// audit event in one transaction, only if connection_info still is <paramref name="expected"/> (a change by
        /// another process meanwhile is DcSourceChanged, and nothing is written). The id, created_at and the rows of
        /// other tables that refer to the source are kept.
        /// </summary>
        public StoredSource UpdateSource(long sourceId, OrderedMap expected, SourceUpdate update, AuditEntry audit)
        {
            RequireWritable();
            return InTransaction(() =>
            {
                var source = FindSourceById(sourceId) ?? throw new DataCompassException(
                    DcError.SourceNotFound, $"The source with id {sourceId} is no longer in '{Path}'.", sourceId.ToString(CultureInfo.InvariantCulture));
                if (!string.Equals(ConnectionInfoJson.Serialize(source.ConnectionInfo), ConnectionInfoJson.Serialize(expected), StringComparison.Ordinal))
                {
                    throw new DataCompassException(
                        DcError.SourceChanged,
                        $"Source '{source.Name}' was changed by another process while this change was prepared; nothing was written. Run the command again.",
                        source.Name);
                }

                var now = Now();
                using (var command = _connection.CreateCommand())
                {
                    command.CommandText =
                        "UPDATE data_sources SET connection_info = @info, display_name = @display_name, is_active = @active, updated_at = @now WHERE id = @id;";
                    _dialect.AddJson(command, "@info", ConnectionInfoJson.Serialize(update.ConnectionInfo));
                    command.AddParameter("@display_name", (object?)update.DisplayName ?? DBNull.Value);
                    command.AddParameter("@active", _dialect.Boolean(update.IsActive));
                    command.AddParameter("@now", now);
                    command.AddParameter("@id", sourceId);
                    command.ExecuteNonQuery();
                }

                foreach (var replaced in update.Replaced)
                {
                    // The field's own record of the secret becomes its :replaced record.
                    using var command = _connection.CreateCommand();
                    command.CommandText =
                        $"DELETE FROM dc_source_secrets WHERE source_id = @id AND {_dialect.CaseFolded("vault")} = {_dialect.CaseFolded("@vault")} AND {_dialect.CaseFolded("secret_name")} = {_dialect.CaseFolded("@name")};";
                    command.AddParameter("@id", sourceId);
                    command.AddParameter("@vault", replaced.Vault);
                    command.AddParameter("@name", replaced.SecretName);
                    command.ExecuteNonQuery();
                    RecordOwnedSecret(sourceId, replaced, now);
                }

                foreach (var owned in update.Owned)
                {
                    RecordOwnedSecret(sourceId, owned, now);
                }

                if (update.OverwritesPlaintext)
                {
                    MarkScrubPending();
                }

                WriteAuditEvent(audit, sourceId, source.Name, now);
                return FindSourceById(sourceId)!;
            });
        }

        /// <summary>
        /// Replaces a field's value only if it still holds <paramref name="expected"/>, recording the secret
        /// DataCompass now owns for it, in one transaction. False when the value had changed (or the row is gone).
        /// </summary>
        public bool ReplaceField(long sourceId, string field, string expected, string replacement, OwnedSecret ownedSecret, AuditEntry? audit = null)
        {
            RequireWritable();
            var replaced = InTransaction(() =>
            {
                var source = FindSourceById(sourceId);
                if (source == null || !source.ConnectionInfo.TryGetValue(field, out var current) || !Equals(current, expected))
                {
                    return false;
                }

                source.ConnectionInfo[field] = replacement;
                var now = Now();
                WriteConnectionInfo(sourceId, source.ConnectionInfo, now);
                RecordOwnedSecret(sourceId, ownedSecret, now);
                MarkScrubPending();
                WriteAuditEvent(audit ?? new AuditEntry(AuditActions.Convert), sourceId, source.Name, now);
                return true;
            });

            // No checkpoint per field: Scrub runs once at the end of a conversion (and again on any rerun).
            return replaced;
        }

        /// <summary>
        /// Replaces several field values in one transaction, each only if its row still holds the expected
        /// value (compare-and-swap): a value changed by another process meanwhile is left alone. Returns, per
        /// replacement, whether it was applied.
        /// </summary>
        public IReadOnlyList<bool> ReplaceValues(IReadOnlyList<FieldReplacement> replacements, string action = AuditActions.RotateKey)
        {
            RequireWritable();
            return InTransaction(() =>
            {
                var applied = new bool[replacements.Count];
                var now = Now();
                foreach (var group in replacements.Select((replacement, index) => (replacement, index)).GroupBy(pair => pair.replacement.SourceId))
                {
                    var source = FindSourceById(group.Key);
                    if (source == null)
                    {
                        continue;
                    }

                    foreach (var (replacement, index) in group)
                    {
                        if (source.ConnectionInfo.TryGetValue(replacement.Field, out var current) && Equals(current, replacement.Expected))
                        {
                            source.ConnectionInfo[replacement.Field] = replacement.Replacement;
                            applied[index] = true;
                        }
                    }

                    if (group.Any(pair => applied[pair.index]))
                    {
                        WriteConnectionInfo(group.Key, source.ConnectionInfo, now);
                        MarkScrubPending();
                        var changes = group.Where(pair => applied[pair.index])
                            .Select(pair => pair.replacement.Change ?? new AuditFieldChange(pair.replacement.Field, null, null))
                            .ToList();
                        WriteAuditEvent(new AuditEntry(action, changes), group.Key, source.Name, now);
                    }
                }

                return (IReadOnlyList<bool>)applied;
            });
        }

        /// <summary>
        /// Leaves no byte of a replaced value anywhere in the files: secure_delete zeroed the freed cells, the
        /// checkpoint empties the WAL, and VACUUM rewrites the database without its free pages.
        /// </summary>
        public void Scrub()
        {
            RequireWritable();
            if (IsServer)
            {
                Run(() =>
                {
                    ScrubServer(ScrubMarker());
                    return 0;
                });
                return;
            }

            Run(() =>
            {
                var seen = ScrubMarker();
                Execute("PRAGMA wal_checkpoint(TRUNCATE);");
                Execute("VACUUM;");
                Execute("PRAGMA wal_checkpoint(TRUNCATE);");

                // Only once the clean pages are in the file itself is the marker removed (and that, too, checkpointed).
                ClearScrubMarker(seen);

                Execute("PRAGMA wal_checkpoint(TRUNCATE);");
                return 0;
            });
        }

        /// <summary>True when a value was replaced in place and the file has not been scrubbed since (a run was killed).</summary>
        public bool IsScrubPending => Run(() => ScrubMarker() != null);

        private string? ScrubMarker()
        {
            if (!TableExistsCore("dc_schema_info"))
            {
                return null;
            }

            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT value FROM dc_schema_info WHERE key = @key;";
            command.AddParameter("@key", CatalogSchema.ScrubPendingKey);
            return command.ExecuteScalar() as string;
        }

        /// <summary>Removes the scrub marker seen before the scrub began; one another process set meanwhile is a different one and stays.</summary>
        private void ClearScrubMarker(string? seen)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM dc_schema_info WHERE key = @key AND value = @seen;";
            command.AddParameter("@key", CatalogSchema.ScrubPendingKey);
            command.AddParameter("@seen", (object?)seen ?? DBNull.Value);
            command.ExecuteNonQuery();
        }

        private void WriteConnectionInfo(long sourceId, OrderedMap connectionInfo, object now)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE data_sources SET connection_info = @info, updated_at = @now WHERE id = @id;";
            _dialect.AddJson(command, "@info", ConnectionInfoJson.Serialize(connectionInfo));
            command.AddParameter("@now", now);
            command.AddParameter("@id", sourceId);
            command.ExecuteNonQuery();
        }

        /// <summary>Called inside the transaction that replaces a value: the old bytes now wait for <see cref="Scrub"/>.</summary>
        private void MarkScrubPending()
        {
            // A fresh value each time, so a scrub only clears the marker it saw before it started.
            using var command = _connection.CreateCommand();
            command.CommandText = _dialect.InsertOrReplace("dc_schema_info", new[] { "key", "value" }, new[] { "key" });
            command.AddParameter("@key", CatalogSchema.ScrubPendingKey);
            command.AddParameter("@value", Guid.NewGuid().ToString("n"));
            command.ExecuteNonQuery();
        }

        /// <summary>The vault secrets DataCompass created for a source.</summary>
        public IReadOnlyList<OwnedSecret> OwnedSecrets(long sourceId)
        {
            if (!TableExists("dc_source_secrets"))
            {
                return Array.Empty<OwnedSecret>();
            }

            return Run(() =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "SELECT field, vault, secret_name FROM dc_source_secrets WHERE source_id = @id ORDER BY field;";
                command.AddParameter("@id", sourceId);
                using var reader = command.ExecuteReader();
                var owned = new List<OwnedSecret>();
                while (reader.Read())
                {
                    owned.Add(new OwnedSecret(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
                }

                return (IReadOnlyList<OwnedSecret>)owned;
            });
        }

        /// <summary>Drops the record of a secret the source owned under <paramref name="field"/> (once it is gone from its vault).</summary>
        public void ForgetOwnedSecret(long sourceId, string field)
        {
            RequireWritable();
            InTransaction(() =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "DELETE FROM dc_source_secrets WHERE source_id = @id AND field = @field;";
                command.AddParameter("@id", sourceId);
                command.AddParameter("@field", field);
                return command.ExecuteNonQuery();
            });
        }

        /// <summary>Which source, if any, DataCompass created this vault secret for.</summary>
        public string? FindSecretOwner(string vault, string secretName)
        {
            if (!TableExists("dc_source_secrets"))
            {
                return null;
            }

            return Run(() =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText =
                    "SELECT d.name FROM dc_source_secrets s JOIN data_sources d ON d.id = s.source_id " +
                    $"WHERE {_dialect.CaseFolded("s.vault")} = {_dialect.CaseFolded("@vault")} AND {_dialect.CaseFolded("s.secret_name")} = {_dialect.CaseFolded("@name")} LIMIT 1;";
                command.AddParameter("@vault", vault);
                command.AddParameter("@name", secretName);
                return command.ExecuteScalar() as string;
            });
        }

        private void RecordOwnedSecret(long sourceId, OwnedSecret owned, object now)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = _dialect.InsertOrReplace(
                "dc_source_secrets", new[] { "source_id", "field", "vault", "secret_name", "created_at" }, new[] { "source_id", "field" });
            command.AddParameter("@source_id", sourceId);
            command.AddParameter("@field", owned.Field);
            command.AddParameter("@vault", owned.Vault);
            command.AddParameter("@secret_name", owned.SecretName);
            command.AddParameter("@created_at", now);
            command.ExecuteNonQuery();
        }

        private StoredSource? FindSourceById(long id)
        {
            var matches = QuerySources(" WHERE id = @id", command => command.AddParameter("@id", id), null).ToList();
            return matches.Count == 1 ? matches[0] : null;
        }

        /// <summary>
        /// Deletes a source by id; its catalog rows go with it (ON DELETE CASCADE). In the same transaction, the
        /// secrets in <paramref name="secretsToRemove"/> are queued for removal from their vault (see
        /// <see cref="PendingSecretRemovals"/>). Returns false if it was gone.
        /// </summary>
        public bool RemoveSource(long id, IReadOnlyList<OwnedSecret>? secretsToRemove = null, AuditEntry? audit = null)
        {
            RequireWritable();
            var removed = InTransaction(() =>
            {
                var source = FindSourceById(id);
                using var command = _connection.CreateCommand();
                command.CommandText = "DELETE FROM data_sources WHERE id = @id;";
                command.AddParameter("@id", id);
                if (command.ExecuteNonQuery() != 1)
                {
                    return false;
                }

                var now = Now();
                foreach (var secret in secretsToRemove ?? Array.Empty<OwnedSecret>())
                {
                    using var queue = _connection.CreateCommand();
                    QueueSecretRemoval(queue, secret, source?.Name ?? string.Empty, now);
                }

                WriteAuditEvent(audit ?? new AuditEntry(AuditActions.Remove), id, source?.Name, now);
                return true;
            });
            CheckpointWal();
            return removed;
        }

        private void QueueSecretRemoval(DbCommand command, OwnedSecret secret, string sourceName, object now)
        {
            command.CommandText = _dialect.InsertOrReplace(
                "dc_pending_secret_removals", new[] { "vault", "secret_name", "source_name", "field", "queued_at" }, new[] { "vault", "secret_name" });
            command.AddParameter("@vault", secret.Vault);
            command.AddParameter("@secret_name", secret.SecretName);
            command.AddParameter("@source_name", sourceName);
            command.AddParameter("@field", secret.Field);
            command.AddParameter("@queued_at", now);
            command.ExecuteNonQuery();
        }

        /// <summary>
        /// Secrets of removed sources that are still to be removed from their vault: those of a removal that was
        /// interrupted (killed, or a vault that failed) between deleting the row and removing the secret.
        /// </summary>
        public IReadOnlyList<OwnedSecret> PendingSecretRemovals()
        {
            if (!TableExists("dc_pending_secret_removals"))
            {
                return Array.Empty<OwnedSecret>();
            }

            return Run(() =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "SELECT field, vault, secret_name, source_name FROM dc_pending_secret_removals ORDER BY queued_at, vault, secret_name;";
                return (IReadOnlyList<OwnedSecret>)ReadRows(command, column => new OwnedSecret(
                    Convert.ToString(column("field"), CultureInfo.InvariantCulture) ?? string.Empty,
                    Convert.ToString(column("vault"), CultureInfo.InvariantCulture) ?? string.Empty,
                    Convert.ToString(column("secret_name"), CultureInfo.InvariantCulture) ?? string.Empty,
                    Convert.ToString(column("source_name"), CultureInfo.InvariantCulture)));
            });
        }

        /// <summary>Drops a queued removal once its vault no longer holds the secret (or a source uses it again).</summary>
        public void ForgetPendingSecretRemoval(string vault, string secretName)
        {
            RequireWritable();
            InTransaction(() =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "DELETE FROM dc_pending_secret_removals WHERE vault = @vault AND secret_name = @name;";
                command.AddParameter("@vault", vault);
                command.AddParameter("@name", secretName);
                return command.ExecuteNonQuery();
            });
        }

        /// <summary>
        /// Copies the WAL into the database and empties it, so a replaced value's old page does not linger in
        /// the -wal file. Best effort, and without waiting: a TRUNCATE checkpoint would otherwise sit out the whole
        /// busy timeout behind any reader (another process, or the command upstream in a pipeline) and then give up.
        /// </summary>
        private void CheckpointWal()
        {
            if (IsServer)
            {
                return;
            }

            try
            {
                Execute("PRAGMA busy_timeout = 0;");
                Execute("PRAGMA wal_checkpoint(TRUNCATE);");
            }
            catch (SqliteException)
            {
                // Busy: the next write's checkpoint or the last connection's close finishes the job.
            }
            finally
            {
                Execute($"PRAGMA busy_timeout = {BusyTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)};");
            }
        }

        public void Dispose()
        {
            foreach (var command in _prepared.Values)
            {
                command.Dispose();
            }

            _prepared.Clear();
            _connection.Dispose();
        }

        /// <summary>A kept command for <paramref name="sql"/>, its parameters cleared, in the current transaction (if any).</summary>
        private DbCommand Prepared(string sql)
        {
            if (!_prepared.TryGetValue(sql, out var command))
            {
                command = _connection.CreateCommand();
                command.CommandText = sql;
                _prepared[sql] = command;
            }

            command.Transaction = _transaction;
            command.Parameters.Clear();
            return command;
        }

        private static SourceCatalog Open(string path, SqliteOpenMode mode, bool writable, DatabaseKeySource keys, bool immutable = false, bool rawKey = true)
        {
            var passphrase = KeyToOpen(path, keys);
            var derived = passphrase != null && rawKey ? SqlCipherKeys.RawKeyFor(path, passphrase) : null;
            var key = derived ?? passphrase;
            var builder = new SqliteConnectionStringBuilder
            {
                // immutable=1 (a URI parameter) tells SQLite the file cannot change, so it takes no lock and needs no -shm.
                DataSource = immutable ? new Uri(System.IO.Path.GetFullPath(path)).AbsoluteUri + "?immutable=1" : path,
                Mode = mode,
                // Off on purpose. A command now opens its catalog once (Add-DcSource for its whole pipeline), so a
                // pool could save at most one open a command (not measured on its own; see bench/Measure-Catalog.ps1
                // for the per-command cost), while it would keep the file open after the command returned and leave
                // its WAL unmerged until the process exits. Closing the last connection checkpoints the WAL into
                // the file: once a command now, where it was once a record.
                Pooling = false,
                ForeignKeys = true,
                DefaultTimeout = BusyTimeoutMilliseconds / 1000,
            };
            if (key != null)
            {
                // PRAGMA key, run by Microsoft.Data.Sqlite as the connection opens (it quotes the value with SQLite's quote()).
                builder.Password = key;
            }

            var connection = new SqliteConnection(builder.ToString());
            var catalog = new SourceCatalog(path, connection, writable, SqliteDialect.Instance);
            try
            {
                catalog.Run(() =>
                {
                    if (key != null)
                    {
                        catalog.OpenWithKey(keys);
                    }
                    else
                    {
                        connection.Open();
                    }

                    catalog.Execute($"PRAGMA busy_timeout = {BusyTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)};");
                    if (writable)
                    {
                        // Freed row content is zeroed, so a replaced or removed value leaves no bytes behind.
                        catalog.Execute("PRAGMA secure_delete = ON;");
                    }

                    return 0;
                });
                return catalog;
            }
            catch (DataCompassException exception) when (derived != null && exception.Error == DcError.DatabaseKeyInvalid)
            {
                // Derived with defaults this library does not use (or the passphrase is wrong): the passphrase decides.
                connection.Dispose();
                SqlCipherKeys.Forget();
                return Open(path, mode, writable, keys, immutable, rawKey: false);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        private static void CreateFileIfMissing(string path)
        {
            var folder = System.IO.Path.GetDirectoryName(path);
            try
            {
                PrivateFiles.EnsureFolder(folder);
                if (File.Exists(path))
                {
                    return;
                }

                using (new FileStream(path, PrivateFiles.CreateNewOptions()))
                {
                }
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: fine.
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                throw new DataCompassException(
                    DcError.DatabaseUnavailable,
                    $"Cannot create the catalog database '{path}': {exception.Message}",
                    path);
            }
        }

        private void EnsureSchema(bool checkIntegrity)
        {
            // Refuse a newer schema, or another application's data_sources, before changing anything: the
            // journal mode (WAL is written into the file header) included.
            var version = ReadSchemaVersion();
            CheckDataSourcesShape();
            if (checkIntegrity)
            {
                CheckIntegrity();
            }

            Run(() =>
            {
                Execute("PRAGMA journal_mode = WAL;");
                return 0;
            });

            // A catalog already at this version with every object in place needs no write transaction (and no
            // fsync): only a new, a Python-written or an older DataCompass catalog is brought up to date.
            if (version == CatalogSchema.CurrentVersion && Run(HasEveryObject))
            {
                return;
            }

            InTransaction(() =>
            {
                Execute(CatalogSchema.CreateDataSources);
                Execute(CatalogSchema.CreateDataSourcesNameIndex);
                Execute(CatalogSchema.CreateDataSourcesNameNocaseIndex);
                Execute(CatalogSchema.CreateSchemaInfo);
                Execute(CatalogSchema.CreateSourceSecrets);
                Execute(CatalogSchema.CreateSourceSecretsIndex);
                Execute(CatalogSchema.CreatePendingSecretRemovals);
                Execute(CatalogSchema.CreateAuditEvents);
                Execute(CatalogSchema.CreateAuditEventsSourceIndex);
                RaiseSchemaVersion();
                return 0;
            });
            ReadSchemaVersion();
        }

        /// <summary>Inserted for a new catalog, raised for an older one; never lowered (run inside the schema's lock).</summary>
        private void RaiseSchemaVersion()
        {
            using var command = _connection.CreateCommand();
            command.CommandText =
                _dialect.InsertOrIgnore("dc_schema_info", new[] { "key", "value" }, new[] { "key" }) + " " +
                "UPDATE dc_schema_info SET value = @value WHERE key = @key AND CAST(value AS INTEGER) < @version;";
            command.AddParameter("@key", CatalogSchema.SchemaVersionKey);
            command.AddParameter("@value", CatalogSchema.CurrentVersion.ToString(CultureInfo.InvariantCulture));
            command.AddParameter("@version", CatalogSchema.CurrentVersion);
            command.ExecuteNonQuery();
        }

        private bool HasEveryObject()
        {
            using var command = _connection.CreateCommand();
            var names = CatalogSchema.Objects.Select((name, i) => "@o" + i.ToString(CultureInfo.InvariantCulture)).ToList();
            command.CommandText = _dialect.ObjectCountQuery(names);
            for (var i = 0; i < names.Count; i++)
            {
                command.AddParameter(names[i], CatalogSchema.Objects[i]);
            }

            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == CatalogSchema.Objects.Length;
        }

        /// <summary>Throws <see cref="DcError.DatabaseInvalid"/> when an existing data_sources table lacks a column DataCompass writes.</summary>
        private void CheckDataSourcesShape()
        {
            var problem = Run(() =>
            {
                if (!TableExistsCore("data_sources"))
                {
                    return null;
                }

                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA table_info(data_sources);";
                var columns = ReadRows(command, column => (
                    Name: Convert.ToString(column("name"), CultureInfo.InvariantCulture) ?? string.Empty,
                    Type: Convert.ToString(column("type"), CultureInfo.InvariantCulture) ?? string.Empty,
                    Key: Convert.ToInt64(column("pk") ?? 0L, CultureInfo.InvariantCulture)));
                var missing = CatalogSchema.WrittenDataSourcesColumns
                    .Where(name => !columns.Any(column => string.Equals(column.Name, name, StringComparison.OrdinalIgnoreCase)))
                    .ToList();
                if (missing.Count > 0)
                {
                    return $"lacks the column {string.Join(", ", missing)}";
                }

                // New rows get their id from SQLite: only an INTEGER primary key of its own does that.
                var keys = columns.Where(column => column.Key > 0).ToList();
                return keys.Count == 1 && string.Equals(keys[0].Name, "id", StringComparison.OrdinalIgnoreCase)
                    && string.Equals(keys[0].Type, "INTEGER", StringComparison.OrdinalIgnoreCase)
                    ? null
                    : "does not have id as its INTEGER primary key";
            });

            if (problem != null)
            {
                throw new DataCompassException(
                    DcError.DatabaseInvalid,
                    $"The catalog database '{Path}' has a data_sources table that {problem}, so it is not a datacompass catalog (another application's table?). Nothing was changed; use another -Database.",
                    Path);
            }
        }

        /// <summary>
        /// Throws <see cref="DcError.DatabaseInvalid"/> when SQLite's quick check finds damage anywhere in the file:
        /// a write would land in (and spread) a corruption that reads of other pages do not notice.
        /// </summary>
        private void CheckIntegrity()
        {
            var problems = Run(() =>
            {
                using var command = _connection.CreateCommand();
                // The pragma's one column: SQLite before 3.21 (SQLCipher 3.4 among them) names it integrity_check, later ones quick_check.
                command.CommandText = "PRAGMA quick_check(3);";
                return ReadRows(command, column => Convert.ToString(column("quick_check") ?? column("integrity_check"), CultureInfo.InvariantCulture) ?? string.Empty);
            });

            if (problems.Count != 1 || !string.Equals(problems[0], "ok", StringComparison.Ordinal))
            {
                throw new DataCompassException(
                    DcError.DatabaseInvalid,
                    $"The catalog database '{Path}' is damaged (SQLite's quick check: {string.Join("; ", problems).Replace('\n', ' ')}). Nothing was changed; restore it from a backup, or recover what is readable with the sqlite3 '.recover' command.",
                    Path);
            }
        }

        /// <summary>Reads dc_schema_info; throws when the database comes from a newer DataCompass and this one would write.</summary>
        private int ReadSchemaVersion()
        {
            var stored = Run<object?>(() =>
            {
                if (!TableExistsCore("dc_schema_info"))
                {
                    return null;
                }

                using var command = _connection.CreateCommand();
                command.CommandText = "SELECT value FROM dc_schema_info WHERE key = @key;";
                command.AddParameter("@key", CatalogSchema.SchemaVersionKey);
                return command.ExecuteScalar();
            });

            if (!TryParseSchemaVersion(stored, out var version))
            {
                throw new DataCompassException(
                    DcError.DatabaseInvalid,
                    $"The catalog database '{Path}' has a DataCompass schema_version of '{Shorten(Convert.ToString(stored, CultureInfo.InvariantCulture))}' in dc_schema_info, which is not a version number. " +
                    "It was changed by hand or by another application; nothing was read or changed. Restore the catalog from a backup, or set the value to 1 if it was written by this DataCompass.",
                    Path);
            }

            if (IsWritable && version > CatalogSchema.CurrentVersion)
            {
                throw new DataCompassException(
                    DcError.DatabaseVersionUnsupported,
                    $"The catalog database '{Path}' has DataCompass schema version {version}, newer than this module understands ({CatalogSchema.CurrentVersion}). Update DataCompass to change it; reading still works.",
                    Path);
            }

            return version;
        }

        /// <summary>No row (or a database without dc_schema_info: the Python tool's) is version 0; otherwise only plain digits.</summary>
        private static bool TryParseSchemaVersion(object? stored, out int version)
        {
            version = 0;
            if (stored == null || stored is DBNull)
            {
                return true;
            }

            return stored is string text && text.Length > 0 && text.All(character => character >= '0' && character <= '9')
                && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out version);
        }

        private static string Shorten(string? text) =>
            text == null ? string.Empty : text.Length <= 40 ? text : text.Substring(0, 40) + "...";

        private StoredSource? FindSourceCore(string name, Func<string, bool>? type = null)
        {
            var filter = type == null ? null : new SourceFilter { Type = type };
            // NOCASE folds ASCII only, as OrdinalIgnoreCase does for an ASCII name, and ix_dc_data_sources_name_nocase
            // serves it. A name with other letters (only the Python tool writes those) is compared here instead.
            var candidates = IsAscii(name)
                ? QuerySources($" WHERE {_dialect.CaseFolded("name")} = {_dialect.CaseFolded("@name")}", command => command.AddParameter("@name", name), filter)
                : QuerySources(string.Empty, null, new SourceFilter { Name = stored => string.Equals(stored, name, StringComparison.OrdinalIgnoreCase), Type = type });
            return SourceNameMatch.Find(candidates.ToList(), name);
        }

        private static bool IsAscii(string text)
        {
            foreach (var c in text)
            {
                if (c > 0x7F)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// Streams the rows of <c>SELECT * FROM data_sources</c> + <paramref name="where"/>, in name order. Columns
        /// are found by name once per query (another tool may order or extend them differently).
        /// </summary>
        private IEnumerable<StoredSource> QuerySources(string where, Action<DbCommand>? bind, SourceFilter? filter)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT * FROM data_sources" + where + $" ORDER BY {_dialect.BinaryOrder("name")};";
            bind?.Invoke(command);
            using var reader = Run(() => command.ExecuteReader());
            var columns = new SourceColumns(reader);
            while (Run(reader.Read))
            {
                var source = Run(() => columns.Read(reader, filter));
                if (source != null)
                {
                    yield return source;
                }
            }
        }

        /// <summary>The ordinals of the data_sources columns in one result, and a row read through them.</summary>
        private sealed class SourceColumns
        {
            private readonly int _id, _name, _displayName, _sourceType, _connectionInfo, _syncConfig, _isActive,
                _lastScanAt, _lastScanStatus, _lastScanMessage, _createdAt, _updatedAt;

            public SourceColumns(DbDataReader reader)
            {
                var ordinals = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    ordinals[reader.GetName(i)] = i;
                }

                int Of(string column) => ordinals.TryGetValue(column, out var ordinal) ? ordinal : -1;
                _id = Of("id");
                _name = Of("name");
                _displayName = Of("display_name");
                _sourceType = Of("source_type");
                _connectionInfo = Of("connection_info");
                _syncConfig = Of("sync_config");
                _isActive = Of("is_active");
                _lastScanAt = Of("last_scan_at");
                _lastScanStatus = Of("last_scan_status");
                _lastScanMessage = Of("last_scan_message");
                _createdAt = Of("created_at");
                _updatedAt = Of("updated_at");
            }

            /// <summary>The row as a source, or null when <paramref name="filter"/> drops it (then nothing else is read).</summary>
            public StoredSource? Read(DbDataReader reader, SourceFilter? filter)
            {
                var name = Convert.ToString(Value(reader, _name), CultureInfo.InvariantCulture) ?? string.Empty;
                if (filter?.Name != null && !filter.Name(name))
                {
                    return null;
                }

                var sourceType = Convert.ToString(Value(reader, _sourceType), CultureInfo.InvariantCulture) ?? string.Empty;
                if (filter?.Type != null && !filter.Type(sourceType))
                {
                    return null;
                }

                return new StoredSource
                {
                    Id = Integer(reader, _id) ?? 0L,
                    Name = name,
                    DisplayName = Value(reader, _displayName) as string,
                    SourceType = sourceType,
                    ConnectionInfoJson = Value(reader, _connectionInfo) as string,
                    SyncConfig = Value(reader, _syncConfig) as string,
                    IsActive = (Integer(reader, _isActive) ?? 1L) != 0,
                    LastScanAt = SqliteTimestamp.Parse(Value(reader, _lastScanAt)),
                    LastScanStatus = Value(reader, _lastScanStatus) as string,
                    LastScanMessage = Value(reader, _lastScanMessage) as string,
                    CreatedAt = SqliteTimestamp.Parse(Value(reader, _createdAt)) ?? DateTime.MinValue,
                    UpdatedAt = SqliteTimestamp.Parse(Value(reader, _updatedAt)) ?? DateTime.MinValue,
                };
            }

            // Text comes back as the string itself (nothing boxed); an integer column is read unboxed below.
            private static object? Value(DbDataReader reader, int ordinal) =>
                ordinal >= 0 && !reader.IsDBNull(ordinal) ? reader.GetValue(ordinal) : null;

            private static long? Integer(DbDataReader reader, int ordinal)
            {
                if (ordinal < 0 || reader.IsDBNull(ordinal))
                {
                    return null;
                }

                return reader.GetFieldType(ordinal) == typeof(long)
                    ? reader.GetInt64(ordinal)
                    : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
            }
        }

        /// <summary>
        /// Reads every row of a query by column name (a table another tool created may order or extend its
        /// columns differently); <paramref name="map"/> gets a lookup that returns null for NULL or a missing column.
        /// </summary>
        private static List<T> ReadRows<T>(DbCommand command, Func<Func<string, object?>, T> map)
        {
            var rows = new List<T>();
            using var reader = command.ExecuteReader();
            var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                columns[reader.GetName(i)] = i;
            }

            object? Column(string columnName) =>
                columns.TryGetValue(columnName, out var ordinal) && !reader.IsDBNull(ordinal) ? reader.GetValue(ordinal) : null;

            while (reader.Read())
            {
                rows.Add(map(Column));
            }

            return rows;
        }

        private bool TableExists(string table) => Run(() => TableExistsCore(table));

        private bool TableExistsCore(string table)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = _dialect.TableExistsQuery;
            command.AddParameter("@name", table);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
        }

        private void Execute(string sql)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        private void RequireWritable()
        {
            if (!IsWritable)
            {
                throw new InvalidOperationException("The catalog was opened for reading.");
            }
        }

        private T InTransaction<T>(Func<T> work) => Run(() =>
        {
            if (_transaction != null)
            {
                // Inside WithSourceLock's transaction (a server catalog): the change joins it, under the write lock.
                PostgresDialect.TakeLock(_connection, _transaction, PostgresDialect.WriteLockKey);
                return work();
            }

            // BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking.
            using var transaction = _dialect.BeginWrite(_connection);
            _transaction = transaction;
            try
            {
                var result = work();
                transaction.Commit();
                return result;
            }
            finally
            {
                _transaction = null;
            }
        });

        /// <summary>Maps SQLite failures to DataCompass errors; SQLite's messages never carry bound values.</summary>
        private T Run<T>(Func<T> work)
        {
            try
            {
                return work();
            }
            catch (Npgsql.NpgsqlException exception)
            {
                throw ServerFailure(exception);
            }
            catch (SqliteException exception) when (exception.SqliteErrorCode == 26 || exception.SqliteErrorCode == 11)
            {
                throw new DataCompassException(
                    DcError.DatabaseInvalid,
                    $"'{Path}' is not a usable SQLite catalog database: {exception.Message}",
                    Path,
                    exception);
            }
            catch (SqliteException exception)
            {
                var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
                var why = IsReadOnlyCode(exception.SqliteErrorCode) && !CanCreateFilesIn(folder)
                    ? $" Its folder '{folder}' cannot be written by this process, and SQLite must create the catalog's -wal and -shm files there " +
                      (IsWritable ? "to change it" : "to read the changes still in its -wal file") +
                      ". Make the folder writable for this user, or copy the catalog to a writable folder and use -Database."
                    : string.Empty;
                throw new DataCompassException(
                    DcError.DatabaseUnavailable,
                    $"The catalog database '{Path}' could not be used: {exception.Message}{why}",
                    Path,
                    exception);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using Microsoft.Data.Sqlite;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// Catalog files encrypted with SQLCipher (Option 4): which library and key a file is opened with, and the
    /// conversion of a file to and from its encrypted form through a verified copy.
    /// </summary>
    public sealed partial class SourceCatalog
    {
        private const string ConversionMarker = ".dc-convert-";

        /// <summary>
        /// Chooses the SQLite library for this file and returns the key to open it with (null for a plain file). A
        /// new catalog is created encrypted when a key is set; a plain file is read as it is, whatever is set.
        /// </summary>
        private static string? KeyToOpen(string path, DatabaseKeySource keys)
        {
            switch (CatalogFileFormats.Of(path))
            {
                case CatalogFileFormat.Plain:
                    // With a key set the session may go on to encrypt this file, so it takes SQLCipher where it can
                    // (SQLCipher reads plain files too); a plain file never needs it.
                    if (SqliteLibrary.Active == null && keys.IsConfigured)
                    {
                        SqliteLibrary.PreferSqlCipher($"open the catalog '{path}'");
                    }
                    else
                    {
                        SqliteLibrary.UsePlain();
                    }

                    return null;

                case CatalogFileFormat.Encrypted:
                    if (!keys.IsConfigured)
                    {
                        throw new DataCompassException(
                            DcError.DatabaseKeyInvalid,
                            $"The catalog database '{path}' is encrypted (or is not a database at all), and no database key is set: {DatabaseKeySource.HowToSet}. Nothing was read or changed.",
                            path);
                    }

                    SqliteLibrary.UseSqlCipher($"open the encrypted catalog '{path}'");
                    return keys.Resolve($"open the encrypted catalog '{path}'");

                case CatalogFileFormat.New:
                    if (!keys.IsConfigured)
                    {
                        SqliteLibrary.UsePlain();
                        return null;
                    }

                    SqliteLibrary.UseSqlCipher($"create the catalog '{path}' encrypted, as the database key set by {keys.Origin} asks");
                    return keys.Resolve($"create the encrypted catalog '{path}'");

                default:
                    // Not a database SQLite can read. With a key set (and SQLCipher here) it may be an encrypted catalog of
                    // an unusual page size; otherwise SQLite's own refusal (DcDatabaseInvalid) says what it is.
                    if (!keys.IsConfigured || (SqliteLibrary.Active != SqliteLibraryKind.SqlCipher && !SqliteLibrary.IsSqlCipherInstalled()))
                    {
                        SqliteLibrary.UsePlain();
                        return null;
                    }

                    SqliteLibrary.UseSqlCipher($"open the catalog '{path}'");
                    return keys.Resolve($"open the catalog '{path}'");
            }
        }

        /// <summary>Opens the connection and reads the schema through its key, so a wrong key is told apart from a damaged file.</summary>
        private void OpenWithKey(DatabaseKeySource keys)
        {
            try
            {
                _connection.Open();
                Execute("SELECT count(*) FROM sqlite_master;");
            }
            catch (SqliteException exception) when (exception.SqliteErrorCode == 26)
            {
                throw WrongKey(Path, keys, exception);
            }
        }

        private static DataCompassException WrongKey(string path, DatabaseKeySource keys, Exception? inner = null) =>
            new DataCompassException(
                DcError.DatabaseKeyInvalid,
                $"The database key from {keys.Origin} does not open the catalog database '{path}': the key is wrong, or the file is not a catalog. Nothing was read or changed.",
                path,
                inner);

        /// <summary>
        /// Encrypts a plain catalog file with the database key (<paramref name="encrypt"/>), or decrypts an encrypted
        /// one. The catalog is held exclusively throughout; the other form is written to a private file beside it,
        /// checked (integrity, and every row of every table against the original), and only then renamed over the
        /// original. A run killed at any moment leaves the original as it was, or the verified copy in its place.
        /// </summary>
        public static CatalogConversion ConvertFile(string path, DatabaseKeySource keys, bool encrypt)
        {
            var what = encrypt ? $"encrypt the catalog '{path}'" : $"decrypt the catalog '{path}'";
            SqliteLibrary.UseSqlCipher(what);
            var key = keys.Resolve(what);
            var format = CatalogFileFormats.Of(path);
            var isEncrypted = format != CatalogFileFormat.Plain;
            if (format == CatalogFileFormat.New)
            {
                throw new DataCompassException(DcError.CatalogNotFound, $"There is no catalog database at '{path}' to {(encrypt ? "encrypt" : "decrypt")}.", path);
            }

            using var connection = OpenExclusive(path, isEncrypted ? key : null, keys);
            var tables = TableNames(connection, "main");
            if (isEncrypted == encrypt)
            {
                return new CatalogConversion(path, changed: false, encrypted: isEncrypted, CountSources(connection, tables), CountRows(connection, "main", tables));
            }

            RemoveStaleCopies(path);
            var copy = path + ConversionMarker + Guid.NewGuid().ToString("n") + ".tmp";
            try
            {
                using (new FileStream(copy, PrivateFiles.CreateNewOptions()))
                {
                }

                var copyKey = encrypt ? key : string.Empty;
                Attach(connection, copy, copyKey);
                ExecuteOn(connection, "SELECT sqlcipher_export('converted');");
                ExecuteOn(connection, "DETACH DATABASE converted;");

                var rows = Verify(connection, copy, copyKey, tables, path);
                if (CatalogFileFormats.Of(copy) != (encrypt ? CatalogFileFormat.Encrypted : CatalogFileFormat.Plain))
                {
                    throw new DataCompassException(
                        DcError.DatabaseInvalid, $"The {(encrypt ? "encrypted" : "decrypted")} copy of '{path}' did not come out in that form; the catalog was left as it was.", path);
                }

                var sources = CountSources(connection, tables);
                using var original = OperatingSystem.IsWindows() ? null : new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                Replace(path, copy, connection);

                // From here the catalog is the converted file: a failure is a warning, never "left as it was".
                var warning = original == null ? null : WipeReplaced(original, encrypt);
                return new CatalogConversion(path, changed: true, encrypted: encrypt, sources, rows) { Warning = warning };
            }
            catch (Exception exception) when (exception is SqliteException || exception is IOException || exception is UnauthorizedAccessException)
            {
                throw new DataCompassException(
                    DcError.DatabaseUnavailable, $"Could not {what}: {exception.Message} The catalog was left as it was.", path, exception);
            }
            finally
            {
                foreach (var leftover in new[] { copy, copy + "-journal" })
                {
                    if (File.Exists(leftover))
                    {
                        File.Delete(leftover);
                    }
                }
            }
        }

        /// <summary>
        /// Opens the file and takes it for this connection alone until it closes: the WAL is merged into the file and
        /// switched off (refused while another connection has the catalog open), so no write can land during the copy.
        /// </summary>
        private static SqliteConnection OpenExclusive(string path, string? key, DatabaseKeySource keys)
        {
            var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
            if (key != null)
            {
                builder.Password = key;
            }

            var connection = new SqliteConnection(builder.ToString());
            try
            {
                try
                {
                    connection.Open();
                    ExecuteOn(connection, "SELECT count(*) FROM sqlite_master;");
                }
                catch (SqliteException exception) when (exception.SqliteErrorCode == 26)
                {
                    throw key == null
                        ? new DataCompassException(DcError.DatabaseInvalid, $"'{path}' is not a usable SQLite catalog database: {exception.Message}", path, exception)
                        : WrongKey(path, keys, exception);
                }

                ExecuteOn(connection, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)};");
                ExecuteOn(connection, "PRAGMA locking_mode = EXCLUSIVE;");
                ExecuteOn(connection, "PRAGMA journal_mode = DELETE;");
                ExecuteOn(connection, "BEGIN EXCLUSIVE; COMMIT;");
                var problems = QueryTexts(connection, "PRAGMA quick_check(3);");
                if (problems.Count != 1 || problems[0] != "ok")
                {
                    throw new DataCompassException(
                        DcError.DatabaseInvalid,
                        $"The catalog database '{path}' is damaged (SQLite's quick check: {string.Join("; ", problems).Replace('\n', ' ')}); it was left as it was. Restore it from a backup first.",
                        path);
                }

                return connection;
            }
            catch (SqliteException exception) when (exception.SqliteErrorCode == 5 || exception.SqliteErrorCode == 6)
            {
                connection.Dispose();
                throw new DataCompassException(
                    DcError.DatabaseUnavailable,
                    $"The catalog database '{path}' is in use by another process, and converting it needs it alone: run the command again when nothing else uses the catalog. It was left as it was.",
                    path,
                    exception);
            }
            catch (SqliteException exception)
            {
                connection.Dispose();
                throw new DataCompassException(DcError.DatabaseUnavailable, $"The catalog database '{path}' could not be used: {exception.Message}", path, exception);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        private static void Attach(SqliteConnection connection, string file, string key)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "ATTACH DATABASE @file AS converted KEY @key;";
            command.Parameters.AddWithValue("@file", file);
            command.Parameters.AddWithValue("@key", key);
            command.ExecuteNonQuery();
        }

        /// <summary>Checks the copy against the original: integrity, the schema, and every row of every table. Returns the rows compared.</summary>
        private static long Verify(SqliteConnection connection, string copy, string copyKey, IReadOnlyList<string> tables, string path)
        {
            Attach(connection, copy, copyKey);
            try
            {
                var integrity = QueryTexts(connection, "PRAGMA converted.integrity_check(3);");
                var problem = integrity.Count == 1 && integrity[0] == "ok" ? null : "it fails SQLite's integrity check";
                const string Schema = "SELECT type, name, tbl_name, sql FROM {0}.sqlite_master";
                problem ??= Count(connection, $"SELECT count(*) FROM ({string.Format(CultureInfo.InvariantCulture, Schema, "main")} EXCEPT {string.Format(CultureInfo.InvariantCulture, Schema, "converted")});") != 0
                    || Count(connection, "SELECT count(*) FROM main.sqlite_master;") != Count(connection, "SELECT count(*) FROM converted.sqlite_master;")
                    ? "its schema differs" : null;

                long rows = 0;
                foreach (var table in tables)
                {
                    if (problem != null)
                    {
                        break;
                    }

                    var quoted = "\"" + table.Replace("\"", "\"\"") + "\"";
                    var count = Count(connection, $"SELECT count(*) FROM main.{quoted};");
                    if (count != Count(connection, $"SELECT count(*) FROM converted.{quoted};")
                        || Count(connection, $"SELECT count(*) FROM (SELECT * FROM main.{quoted} EXCEPT SELECT * FROM converted.{quoted});") != 0
                        || Count(connection, $"SELECT count(*) FROM (SELECT * FROM converted.{quoted} EXCEPT SELECT * FROM main.{quoted});") != 0)
                    {
                        problem = $"its table {table} differs";
                    }

                    rows += count;
                }

                if (problem != null)
                {
                    throw new DataCompassException(DcError.DatabaseInvalid, $"The converted copy of '{path}' was not used: {problem}. The catalog was left as it was.", path);
                }

                return rows;
            }
            finally
            {
                ExecuteOn(connection, "DETACH DATABASE converted;");
            }
        }

        /// <summary>
        /// Renames the verified copy over the original while the original is still held, so no other process can
        /// write to the file that is being replaced, and makes the rename durable (the folder is synced).
        /// </summary>
        private static void Replace(string path, string copy, SqliteConnection connection)
        {
            if (OperatingSystem.IsWindows())
            {
                // Windows cannot rename over a file SQLite holds open: the lock is given up first, and a write another
                // process makes in that moment is lost (see about_DataCompass_Security).
                connection.Close();
                File.Move(copy, path, overwrite: true);
                return;
            }

            File.Move(copy, path, overwrite: true);
            SyncFolder(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        }

        /// <summary>
        /// Overwrites the replaced file through a handle opened before the rename. A process that opened it and waits
        /// for it then reads zeros, which SQLite refuses, so nothing is written to a file that is no longer the
        /// catalog; and a replaced plain file leaves no bytes behind in it. Returns a warning when it could not.
        /// </summary>
        private static string? WipeReplaced(FileStream original, bool wasPlain)
        {
            try
            {
                var zeros = new byte[64 * 1024];
                for (var left = original.Length; left > 0; left -= zeros.Length)
                {
                    original.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
                }

                original.Flush(flushToDisk: true);
                return null;
            }
            catch (IOException exception)
            {
                return $"The catalog was converted, but the {(wasPlain ? "plain" : "encrypted")} file it replaced could not be overwritten ({exception.Message}); its disk blocks may still hold it.";
            }
        }

        private static void SyncFolder(string folder)
        {
            var descriptor = open(folder, 0);
            if (descriptor >= 0)
            {
                _ = fsync(descriptor);
                _ = close(descriptor);
            }
        }

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        private static extern int open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        private static extern int fsync(int descriptor);

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        private static extern int close(int descriptor);

        private static void RemoveStaleCopies(string path)
        {
            // Called with the catalog held alone: a copy beside it is what a killed conversion left.
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
            // The copy and its rollback journal (name.dc-convert-id.tmp-journal).
            foreach (var stale in Directory.EnumerateFiles(folder, System.IO.Path.GetFileName(path) + ConversionMarker + "*"))
            {
                File.Delete(stale);
            }
        }

        private static IReadOnlyList<string> TableNames(SqliteConnection connection, string schema) =>
            QueryTexts(connection, $"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%' ORDER BY name;");

        private static long CountRows(SqliteConnection connection, string schema, IReadOnlyList<string> tables) =>
            tables.Sum(table => Count(connection, $"SELECT count(*) FROM {schema}.\"{table.Replace("\"", "\"\"")}\";"));

        private static long CountSources(SqliteConnection connection, IReadOnlyList<string> tables) =>
            tables.Contains("data_sources", StringComparer.OrdinalIgnoreCase) ? Count(connection, "SELECT count(*) FROM main.data_sources;") : 0;

        private static long Count(SqliteConnection connection, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        private static List<string> QueryTexts(SqliteConnection connection, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var texts = new List<string>();
            while (reader.Read())
            {
                texts.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture) ?? string.Empty);
            }

            return texts;
        }

        private static void ExecuteOn(SqliteConnection connection, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>What a conversion of a catalog file did: the file's form after it, and the rows it holds.</summary>
    public sealed class CatalogConversion
    {
        public CatalogConversion(string path, bool changed, bool encrypted, long sources, long rows)
        {
            Path = path;
            Changed = changed;
            Encrypted = encrypted;
            Sources = sources;
            Rows = rows;
        }

        public string Path { get; }

        /// <summary>False when the file was in the asked-for form already.</summary>
        public bool Changed { get; }

        public bool Encrypted { get; }

        /// <summary>The rows of data_sources.</summary>
        public long Sources { get; }

        /// <summary>Set when the conversion succeeded but the replaced file could not be overwritten.</summary>
        public string? Warning { get; init; }

        /// <summary>Rows in all the catalog's tables, each compared with the original before the copy replaced it.</summary>
        public long Rows { get; }
    }
}

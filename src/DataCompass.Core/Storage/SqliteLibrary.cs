using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DataCompass.Core.Errors;
using Microsoft.Data.Sqlite;

namespace DataCompass.Core.Storage
{
    /// <summary>The SQLite library that catalog files are opened with.</summary>
    public enum SqliteLibraryKind
    {
        /// <summary>The SQLite that ships with DataCompass: plain files only.</summary>
        Bundled,

        /// <summary>A SQLCipher library installed on the machine: plain and encrypted files.</summary>
        SqlCipher,
    }

    /// <summary>
    /// Which SQLite library this process uses, chosen once, when the first catalog file is opened. SQLitePCLRaw
    /// holds one provider for the whole process, and a connection opened with one library cannot be moved to the
    /// other, so the choice never changes afterwards: SQLCipher reads plain files too, but once the bundled
    /// library is in use, an encrypted catalog needs a new session.
    /// </summary>
    public static class SqliteLibrary
    {
        /// <summary>Names the SQLCipher library's path, for a library that is not where the platform's loader looks.</summary>
        public const string LibraryVariable = "DATACOMPASS_SQLCIPHER_LIBRARY";

        private static readonly object Gate = new object();
        private static SqliteLibraryKind? s_active;
        private static string? s_description;
        private static string? s_cipherVersion;

        // Why SQLCipher could not be switched to, once it failed after the point of no return (the import resolver).
        private static string? s_failure;

        /// <summary>The library in use, or null before the first catalog file was opened.</summary>
        public static SqliteLibraryKind? Active
        {
            get
            {
                lock (Gate)
                {
                    return s_active;
                }
            }
        }

        /// <summary>The library in use, as "SQLCipher 3.4.1 (SQLite 3.15.2)" or "SQLite 3.50.4"; null before the first open.</summary>
        public static string? Description
        {
            get
            {
                lock (Gate)
                {
                    return s_description;
                }
            }
        }

        /// <summary>The SQLCipher version in use ("3.4.1"), or null.</summary>
        internal static string? CipherVersion
        {
            get
            {
                lock (Gate)
                {
                    return s_cipherVersion;
                }
            }
        }

        /// <summary>How to install SQLCipher, for the messages of the commands that need it.</summary>
        public static string InstallHint =>
            "Install SQLCipher (Debian 12: 'sudo apt-get install libsqlcipher0', libsqlcipher1 on later Debian and Ubuntu releases; Fedora: 'sudo dnf install sqlcipher'; " +
            $"macOS: 'brew install sqlcipher'), or set $env:{LibraryVariable} to the path of its library, then start a new session.";

        /// <summary>Whether a SQLCipher library can be found on this machine (it is not loaded).</summary>
        public static bool IsSqlCipherInstalled() => FindSqlCipher(Environment.GetEnvironmentVariable) != null;

        /// <summary>
        /// Opens catalog files with the bundled library, unless a library was chosen already (either reads a plain file).
        /// </summary>
        public static void UsePlain()
        {
            lock (Gate)
            {
                if (s_active != null)
                {
                    return;
                }

                s_description = "SQLite " + ProbeVersion(out _);
                s_active = SqliteLibraryKind.Bundled;
            }
        }

        /// <summary>
        /// Opens catalog files with SQLCipher from now on. Throws <see cref="DcError.SqlCipherNotInstalled"/> when it
        /// cannot be found, and <see cref="DcError.SqliteLibraryInUse"/> when this process already uses the bundled library.
        /// </summary>
        /// <param name="why">What needs it, completing "SQLCipher is needed to ...".</param>
        public static void UseSqlCipher(string why)
        {
            lock (Gate)
            {
                if (s_active == SqliteLibraryKind.SqlCipher)
                {
                    return;
                }

                if (s_active == SqliteLibraryKind.Bundled)
                {
                    throw new DataCompassException(
                        DcError.SqliteLibraryInUse,
                        $"SQLCipher is needed to {why}, but this session has already opened a catalog with DataCompass's bundled SQLite, and one process can use only one SQLite library. " +
                        "Start a new PowerShell session and run the command there, with the database key set ($env:DATACOMPASS_DATABASE_KEY or Set-DcConfig -DatabaseKeyRef) before the first DataCompass command.",
                        why);
                }

                if (s_failure != null)
                {
                    throw new DataCompassException(DcError.SqlCipherNotInstalled, $"SQLCipher is needed to {why}, and it could not be loaded in this session: {s_failure} {InstallHint}", why);
                }

                var path = FindSqlCipher(Environment.GetEnvironmentVariable) ?? throw new DataCompassException(
                    DcError.SqlCipherNotInstalled, $"SQLCipher is needed to {why}, and it is not installed. {InstallHint}", why);
                if (!NativeLibrary.TryLoad(path, out var handle))
                {
                    throw new DataCompassException(DcError.SqlCipherNotInstalled, $"SQLCipher is needed to {why}, and '{path}' cannot be loaded by this process. {InstallHint}", why);
                }

                if (!NativeLibrary.TryGetExport(handle, "sqlite3_key", out _))
                {
                    NativeLibrary.Free(handle);
                    throw new DataCompassException(
                        DcError.SqlCipherNotInstalled, $"SQLCipher is needed to {why}, and '{path}' is not a SQLCipher library (it has no sqlite3_key). {InstallHint}", why);
                }

                try
                {
                    // Microsoft.Data.Sqlite installs the bundled provider in its static constructor: that runs first, so
                    // it cannot replace this one when the first connection is made.
                    RuntimeHelpers.RunClassConstructor(typeof(SqliteConnection).TypeHandle);
                    NativeLibrary.SetDllImportResolver(
                        typeof(SQLitePCL.SQLite3Provider_sqlite3).Assembly,
                        (name, assembly, searchPath) => name == "sqlite3" ? handle : IntPtr.Zero);
                    SQLitePCL.raw.SetProvider(new SQLitePCL.SQLite3Provider_sqlite3());
                    var sqlite = ProbeVersion(out var cipher);
                    s_description = $"SQLCipher {cipher} (SQLite {sqlite})";
                    s_cipherVersion = cipher;
                    s_active = SqliteLibraryKind.SqlCipher;
                }
                catch (Exception exception) when (!(exception is DataCompassException))
                {
                    // The resolver cannot be set twice: the bundled provider comes back, and SQLCipher stays out for this session.
                    SQLitePCL.raw.SetProvider(new SQLitePCL.SQLite3Provider_e_sqlite3());
                    s_failure = $"'{path}' failed as it was set up ({exception.Message}).";
                    throw new DataCompassException(DcError.SqlCipherNotInstalled, $"SQLCipher is needed to {why}, and {s_failure} {InstallHint}", why, exception);
                }
            }
        }

        /// <summary>
        /// For a plain file while a key is set: SQLCipher when nothing was chosen yet and it loads (the session may go on
        /// to encrypt), else whatever is in use, the bundled library by default. Never fails for want of SQLCipher.
        /// </summary>
        public static void PreferSqlCipher(string why)
        {
            lock (Gate)
            {
                if (s_active == null && FindSqlCipher(Environment.GetEnvironmentVariable) != null)
                {
                    try
                    {
                        UseSqlCipher(why);
                    }
                    catch (DataCompassException exception) when (exception.Error == DcError.SqlCipherNotInstalled)
                    {
                    }
                }

                UsePlain();
            }
        }

        /// <summary>The SQLCipher library to load: $env:DATACOMPASS_SQLCIPHER_LIBRARY, else the first the platform's loader finds.</summary>
        internal static string? FindSqlCipher(Func<string, string?> environment)
        {
            var named = environment(LibraryVariable);
            if (!string.IsNullOrWhiteSpace(named))
            {
                return File.Exists(named) ? Path.GetFullPath(named!) : null;
            }

            foreach (var candidate in Candidates())
            {
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    // Only probed here: UseSqlCipher loads it again by the same name.
                    NativeLibrary.Free(handle);
                    return candidate;
                }
            }

            return null;
        }

        private static IEnumerable<string> Candidates()
        {
            if (OperatingSystem.IsWindows())
            {
                return new[] { "sqlcipher.dll", "libsqlcipher.dll" };
            }

            if (OperatingSystem.IsMacOS())
            {
                return new[] { "libsqlcipher.dylib", "libsqlcipher.0.dylib", "/opt/homebrew/lib/libsqlcipher.dylib", "/usr/local/lib/libsqlcipher.dylib" };
            }

            return new[] { "libsqlcipher.so.0", "libsqlcipher.so.1", "libsqlcipher.so" };
        }

        private static string ProbeVersion(out string? cipherVersion)
        {
            using var connection = new SqliteConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT sqlite_version();";
            var version = Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "?";
            command.CommandText = "PRAGMA cipher_version;";
            cipherVersion = Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            return version;
        }
    }
}

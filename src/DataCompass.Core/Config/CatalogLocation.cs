using System;
using System.IO;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Config
{
    /// <summary>
    /// Where the catalog database lives: an explicit path or server address (-Database), else the server address in
    /// <c>$DATACOMPASS_DATABASE_URL</c>, else <c>$DATACOMPASS_DATA_DIR/datacompass.db</c>, else
    /// <c>~/.datacompass/datacompass.db</c> (the Python tool's order). A server catalog is named by its
    /// <see cref="CatalogAddress.Text"/>; its config and key files live in the local data folder.
    /// </summary>
    public static class CatalogLocation
    {
        public const string DataDirectoryVariable = "DATACOMPASS_DATA_DIR";
        public const string DatabaseFileName = "datacompass.db";
        public const string DefaultFolderName = ".datacompass";

        /// <summary>SQLAlchemy's URL of a SQLite file, as the Python tool's DATACOMPASS_DATABASE_URL may hold it.</summary>
        public const string SqliteUrlPrefix = "sqlite:///";

        /// <param name="explicitPath">A full path given by the caller (already resolved), or null.</param>
        /// <param name="environment">Reads an environment variable.</param>
        /// <param name="homeDirectory">The user's home folder.</param>
        public static string Resolve(string? explicitPath, Func<string, string?> environment, string homeDirectory) =>
            Locate(explicitPath, environment, homeDirectory).Path;

        /// <summary>The catalog's path and where that path came from, for messages about it.</summary>
        public static CatalogPath Locate(string? explicitPath, Func<string, string?> environment, string homeDirectory)
        {
            if (!string.IsNullOrEmpty(explicitPath))
            {
                if (!CatalogAddress.IsAddress(explicitPath))
                {
                    return new CatalogPath(Path.GetFullPath(explicitPath), "-Database");
                }

                // The masked name of the catalog in $env:DATACOMPASS_DATABASE_URL (a piped source's Database) is that catalog.
                var address = CatalogAddress.FromName(explicitPath!, environment);
                return new CatalogPath(address.Text, address.PasswordIsReference ? "-Database" : "$env:" + CatalogAddress.UrlVariable);
            }

            var url = environment(CatalogAddress.UrlVariable);
            if (!string.IsNullOrEmpty(url))
            {
                var origin = "$env:" + CatalogAddress.UrlVariable;
                if (url!.StartsWith(SqliteUrlPrefix, StringComparison.OrdinalIgnoreCase) && url.Length > SqliteUrlPrefix.Length)
                {
                    // The Python tool's SQLAlchemy form of a catalog file: sqlite:///relative.db or sqlite:////absolute.db.
                    return new CatalogPath(Path.GetFullPath(Uri.UnescapeDataString(url.Substring(SqliteUrlPrefix.Length))), origin);
                }

                if (!CatalogAddress.IsAddress(url))
                {
                    throw new DataCompassException(
                        DcError.DatabaseUrlInvalid,
                        $"{origin} is set but names neither a PostgreSQL catalog (postgresql://user:${{PASSWORD_VARIABLE}}@host:5432/database) nor a catalog file (sqlite:////path/to/datacompass.db); correct it, or clear it to use $env:{DataDirectoryVariable}.",
                        origin);
                }

                return new CatalogPath(CatalogAddress.Parse(url!, origin, allowLiteralPassword: true).Text, origin);
            }

            var dataDirectory = environment(DataDirectoryVariable);
            if (!string.IsNullOrEmpty(dataDirectory))
            {
                return new CatalogPath(Path.GetFullPath(Path.Combine(dataDirectory, DatabaseFileName)), $"$env:{DataDirectoryVariable} = '{dataDirectory}'");
            }

            return new CatalogPath(
                Path.Combine(homeDirectory, DefaultFolderName, DatabaseFileName),
                $"the default location; -Database or $env:{DataDirectoryVariable} choose another");
        }

        /// <summary>The data folder: the database's folder, where the config file and key file also live.</summary>
        public static string DataDirectoryOf(string databasePath)
        {
            if (CatalogAddress.IsAddress(databasePath))
            {
                // A server catalog's local files (config, key file) are in this machine's data folder.
                var dataDirectory = Environment.GetEnvironmentVariable(DataDirectoryVariable);
                return !string.IsNullOrEmpty(dataDirectory)
                    ? Path.GetFullPath(dataDirectory)
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), DefaultFolderName);
            }

            return Path.GetDirectoryName(Path.GetFullPath(databasePath)) ?? throw new ArgumentException("The database path has no folder.", nameof(databasePath));
        }

        /// <summary>Whether the catalog is on a database server (and so has no file).</summary>
        public static bool IsServer(string databasePath) => CatalogAddress.IsAddress(databasePath);

        /// <summary>
        /// The error of a command that reads a catalog that is not there: a mistyped path must never read as an
        /// empty, healthy catalog.
        /// </summary>
        public static DataCompassException NotFound(string databasePath, string origin) => new DataCompassException(
            DcError.CatalogNotFound,
            $"There is no catalog database at '{databasePath}' (from {origin}). Check the path; Add-DcSource creates the catalog when it adds the first source.",
            databasePath);
    }

    /// <summary>A catalog database path, and where it came from (-Database, the environment, the default).</summary>
    public sealed class CatalogPath
    {
        public CatalogPath(string path, string origin)
        {
            Path = path;
            Origin = origin;
        }

        public string Path { get; }

        public string Origin { get; }
    }
}

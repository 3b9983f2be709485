using System;
using System.IO;

namespace DataCompass.Core.Config
{
    /// <summary>
    /// Where the catalog database lives: an explicit path, else <c>$DATACOMPASS_DATA_DIR/datacompass.db</c>,
    /// else <c>~/.datacompass/datacompass.db</c> (the Python tool's default).
    /// </summary>
    public static class CatalogLocation
    {
        public const string DataDirectoryVariable = "DATACOMPASS_DATA_DIR";
        public const string DatabaseFileName = "datacompass.db";
        public const string DefaultFolderName = ".datacompass";

        /// <param name="explicitPath">A full path given by the caller (already resolved), or null.</param>
        /// <param name="environment">Reads an environment variable.</param>
        /// <param name="homeDirectory">The user's home folder.</param>
        public static string Resolve(string? explicitPath, Func<string, string?> environment, string homeDirectory)
        {
            if (!string.IsNullOrEmpty(explicitPath))
            {
                return Path.GetFullPath(explicitPath);
            }

            var dataDirectory = environment(DataDirectoryVariable);
            if (!string.IsNullOrEmpty(dataDirectory))
            {
                return Path.GetFullPath(Path.Combine(dataDirectory, DatabaseFileName));
            }

            return Path.Combine(homeDirectory, DefaultFolderName, DatabaseFileName);
        }

        /// <summary>The data folder: the database's folder, where the config file and key file also live.</summary>
        public static string DataDirectoryOf(string databasePath) =>
            Path.GetDirectoryName(Path.GetFullPath(databasePath)) ?? throw new ArgumentException("The database path has no folder.", nameof(databasePath));
    }
}

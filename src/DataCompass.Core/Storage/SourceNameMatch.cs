using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// How a name finds a source: the exact name first, else the one source whose name matches ignoring case
    /// (a database written by another tool may hold names that differ only in case; then only exact works).
    /// </summary>
    public static class SourceNameMatch
    {
        public static StoredSource? Find(IEnumerable<StoredSource> sources, string name)
        {
            StoredSource? onlyCaseless = null;
            var caseless = 0;
            foreach (var source in sources)
            {
                if (string.Equals(source.Name, name, StringComparison.Ordinal))
                {
                    return source;
                }

                if (string.Equals(source.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    onlyCaseless = source;
                    caseless++;
                }
            }

            return caseless == 1 ? onlyCaseless : null;
        }

        /// <summary>The one wording of "no such source", for every cmdlet that takes a name.</summary>
        public static DataCompassException NotFound(string name, string databasePath) =>
            new DataCompassException(DcError.SourceNotFound, $"No source named '{name}' is in the catalog '{databasePath}'.", name);
    }
}

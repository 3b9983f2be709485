using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
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
        /// <param name="knownNames">The catalog's names, for a "did you mean" when one is within two edits.</param>
        public static DataCompassException NotFound(string name, string databasePath, IEnumerable<string>? knownNames = null)
        {
            var suggestion = knownNames == null ? null : NameSuggestion.Closest(name, knownNames);
            return new DataCompassException(
                DcError.SourceNotFound,
                $"No source named '{name}' is in the catalog '{databasePath}'{(suggestion == null ? string.Empty : $" (did you mean '{suggestion}'?)")}.",
                name);
        }

        /// <summary>A source that is there, but of a type the command's -Type leaves out: said so, not "no source".</summary>
        public static DataCompassException OtherType(StoredSource source, string databasePath, IEnumerable<string> types) =>
            new DataCompassException(
                DcError.SourceNotFound,
                $"Source '{source.Name}' in the catalog '{databasePath}' is a {source.SourceType} source, which -Type {string.Join(", ", types)} leaves out.",
                source.Name);

        /// <summary>Every name in the catalog, read without parsing a row (for the error path only).</summary>
        public static IReadOnlyList<string> NamesIn(SourceCatalog catalog)
        {
            var names = new List<string>();
            foreach (var _ in catalog.EnumerateSources(new SourceFilter { Name = stored => { names.Add(stored); return false; } }))
            {
            }

            return names;
        }
    }
}

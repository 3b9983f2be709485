using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>
    /// Picks sources by name the way Get-Item does: wildcards filter silently, an exact name that matches
    /// nothing is a DcSourceNotFound error.
    /// </summary>
    internal static class SourceSelection
    {
        /// <returns>The chosen sources; <paramref name="missing"/> counts exact names that matched nothing.</returns>
        public static IEnumerable<StoredSource> Select(DataCompassCmdlet cmdlet, string databasePath, IEnumerable<StoredSource> sources, string[]? names) =>
            Select(cmdlet, databasePath, sources, names, out _);

        public static IEnumerable<StoredSource> Select(DataCompassCmdlet cmdlet, string databasePath, IEnumerable<StoredSource> sources, string[]? names, out int missing)
        {
            missing = 0;
            var all = sources.ToList();
            if (names == null || names.Length == 0)
            {
                return all;
            }

            var chosen = new List<StoredSource>();
            foreach (var name in names)
            {
                var matched = false;
                if (WildcardPattern.ContainsWildcardCharacters(name))
                {
                    var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                    foreach (var source in all.Where(source => pattern.IsMatch(source.Name)))
                    {
                        matched = true;
                        Add(chosen, source);
                    }

                    continue;
                }

                var exact = SourceNameMatch.Find(all, name);
                if (exact != null)
                {
                    Add(chosen, exact);
                    matched = true;
                }

                if (!matched)
                {
                    missing++;
                    cmdlet.WriteDcError(SourceNameMatch.NotFound(name, databasePath));
                }
            }

            return chosen;
        }

        private static void Add(List<StoredSource> chosen, StoredSource source)
        {
            if (!chosen.Any(existing => existing.Id == source.Id))
            {
                chosen.Add(source);
            }
        }
    }
}

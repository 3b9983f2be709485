using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>
    /// Picks sources by name the way Get-Item does: wildcards filter silently, an exact name that matches
    /// nothing is a DcSourceNotFound error. No names (null) means every source; an empty list means none.
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
            if (names == null)
            {
                return all;
            }

            var index = new SourceIndex(all);
            var chosen = new List<StoredSource>();
            var seen = new HashSet<long>();
            foreach (var name in names)
            {
                if (WildcardPattern.ContainsWildcardCharacters(name))
                {
                    var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                    chosen.AddRange(all.Where(source => pattern.IsMatch(source.Name) && seen.Add(source.Id)));
                    continue;
                }

                var exact = index.Find(name);
                if (exact == null)
                {
                    missing++;
                    cmdlet.WriteDcError(SourceNameMatch.NotFound(name, databasePath, all.Select(source => source.Name)));
                }
                else if (seen.Add(exact.Id))
                {
                    chosen.Add(exact);
                }
            }

            return chosen;
        }
    }
}

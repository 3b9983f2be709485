using System;
using System.Collections.Generic;
using System.Linq;

namespace DataCompass.Commands
{
    /// <summary>
    /// The sources a command that acts once, at the end, was asked for: names (wildcards allowed) per catalog,
    /// from -Name or from piped sources. Nothing asked means nothing done: an empty pipeline
    /// (<c>Get-DcSource nomatch* | Update-DcEncryptionKey</c>) must never read as "every source".
    /// </summary>
    internal sealed class SourceRequests
    {
        private readonly List<string> _databases = new List<string>();
        private readonly Dictionary<string, List<string>> _names = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        public void Add(string databasePath, IEnumerable<string> names)
        {
            if (!_names.TryGetValue(databasePath, out var list))
            {
                list = new List<string>();
                _names[databasePath] = list;
                _databases.Add(databasePath);
            }

            list.AddRange(names);
        }

        /// <summary>
        /// What one pipeline record asks for: piped sources, each in its own catalog (unless -Database names
        /// another), else the -Name patterns (every source when there are none) in the command's catalog.
        /// </summary>
        public void AddRecord(DataCompassCmdlet cmdlet, bool piped, IEnumerable<DcSource> input, string[]? names)
        {
            if (piped)
            {
                foreach (var source in input)
                {
                    Add(cmdlet.DatabaseOf(source), new[] { source.Name });
                }
            }
            else
            {
                Add(cmdlet.ResolveDatabasePath(), names ?? new[] { "*" });
            }
        }

        /// <summary>Each catalog in the order first asked for, with its distinct names.</summary>
        public IEnumerable<(string DatabasePath, string[] Names)> ByDatabase =>
            _databases.Select(database => (database, _names[database].Distinct(StringComparer.OrdinalIgnoreCase).ToArray()));
    }
}

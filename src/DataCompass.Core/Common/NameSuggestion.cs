using System;
using System.Collections.Generic;

namespace DataCompass.Core.Common
{
    /// <summary>"Did you mean": the known name closest to a mistyped one, within two edits, ignoring case.</summary>
    public static class NameSuggestion
    {
        public static string? Closest(string name, IEnumerable<string> known, int maxEdits = 2)
        {
            string? best = null;
            var bestDistance = maxEdits + 1;
            var wanted = name.ToLowerInvariant();
            foreach (var candidate in known)
            {
                if (string.Equals(candidate, name, StringComparison.Ordinal))
                {
                    continue;
                }

                var distance = EditDistance(wanted, candidate.ToLowerInvariant());
                if (distance < bestDistance)
                {
                    best = candidate;
                    bestDistance = distance;
                }
            }

            return best;
        }

        public static int EditDistance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++)
            {
                previous[j] = j;
            }

            for (var i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                }

                var swap = previous;
                previous = current;
                current = swap;
            }

            return previous[b.Length];
        }
    }
}

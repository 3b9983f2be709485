using System;
using System.Collections.Generic;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// Sources read once, looked up by name in constant time with <see cref="SourceNameMatch"/>'s rule: the
    /// exact name first, else the one source whose name matches ignoring case.
    /// </summary>
    public sealed class SourceIndex
    {
        private readonly Dictionary<string, StoredSource> _exact = new Dictionary<string, StoredSource>(StringComparer.Ordinal);
        private readonly Dictionary<string, StoredSource?> _caseless = new Dictionary<string, StoredSource?>(StringComparer.OrdinalIgnoreCase);

        public SourceIndex(IEnumerable<StoredSource> sources)
        {
            foreach (var source in sources)
            {
                _exact[source.Name] = source;
                // Two names that differ only in case make the caseless lookup ambiguous: only exact works then.
                _caseless[source.Name] = _caseless.ContainsKey(source.Name) ? null : source;
            }
        }

        public StoredSource? Find(string name) =>
            _exact.TryGetValue(name, out var exact) ? exact : _caseless.TryGetValue(name, out var caseless) ? caseless : null;
    }
}

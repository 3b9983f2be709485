using System;
using System.Collections;
using System.Collections.Generic;

namespace DataCompass.Core.Common
{
    /// <summary>
    /// An insertion-ordered mapping with string keys: the shape of a YAML source config and of a stored
    /// connection_info object. Field order matters because connection_info is stored in declaration order.
    /// Keys compare ordinally; adding a key twice is an error, never a silent overwrite.
    /// </summary>
    public sealed class OrderedMap : IEnumerable<KeyValuePair<string, object?>>
    {
        private readonly List<KeyValuePair<string, object?>> _entries = new List<KeyValuePair<string, object?>>();
        private readonly Dictionary<string, int> _index;
        private readonly StringComparer _keyComparer;

        public OrderedMap()
            : this(StringComparer.Ordinal)
        {
        }

        public OrderedMap(StringComparer keyComparer)
        {
            _keyComparer = keyComparer;
            _index = new Dictionary<string, int>(keyComparer);
        }

        public int Count => _entries.Count;

        public IEnumerable<string> Keys
        {
            get
            {
                foreach (var entry in _entries)
                {
                    yield return entry.Key;
                }
            }
        }

        public object? this[string key]
        {
            get => _entries[_index[key]].Value;
            set
            {
                if (_index.TryGetValue(key, out var position))
                {
                    _entries[position] = new KeyValuePair<string, object?>(_entries[position].Key, value);
                }
                else
                {
                    Add(key, value);
                }
            }
        }

        /// <summary>Adds a new key; throws <see cref="ArgumentException"/> if the key is already present.</summary>
        public void Add(string key, object? value)
        {
            if (key == null)
            {
                throw new ArgumentNullException(nameof(key));
            }

            if (_index.ContainsKey(key))
            {
                throw new ArgumentException($"The key '{key}' is already present.", nameof(key));
            }

            _index.Add(key, _entries.Count);
            _entries.Add(new KeyValuePair<string, object?>(key, value));
        }

        public bool ContainsKey(string key) => _index.ContainsKey(key);

        public bool TryGetValue(string key, out object? value)
        {
            if (_index.TryGetValue(key, out var position))
            {
                value = _entries[position].Value;
                return true;
            }

            value = null;
            return false;
        }

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _entries.GetEnumerator();

        /// <summary>A deep copy: nested maps and lists are copied too, so changing one never changes the other.</summary>
        public OrderedMap Copy()
        {
            var copy = new OrderedMap(_keyComparer);
            foreach (var entry in _entries)
            {
                copy.Add(entry.Key, CopyValue(entry.Value));
            }

            return copy;
        }

        private static object? CopyValue(object? value) => value switch
        {
            OrderedMap map => map.Copy(),
            List<object?> list => list.ConvertAll(CopyValue),
            _ => value,
        };

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

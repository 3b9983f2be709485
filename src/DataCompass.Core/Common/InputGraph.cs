using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Common
{
    /// <summary>
    /// Copies an object graph a caller built (the -Connection hashtable of Add-DcSource, later Set-DcSource) into
    /// the core's shape: <see cref="OrderedMap"/> for dictionaries, <see cref="List{T}"/> for other enumerables,
    /// everything else as it is. Such a graph may be cyclic, deep or huge, so it is held to the YAML reader's
    /// limits (<see cref="InputLimits"/>): the walk uses an explicit stack (depth costs heap, not call stack),
    /// detects a container that contains itself, and counts every key, value and item as it goes, so it stops
    /// at the limit without copying a list of ten million items first.
    /// </summary>
    public static class InputGraph
    {
        /// <param name="context">Names the input in errors, e.g. "Source 'prod': the -Connection value".</param>
        /// <param name="unwrap">Turns a caller's wrapper into a plain value (a PSObject into its base object, a SecureString
        /// into text). It must not recurse: nested values come back through it one at a time.</param>
        public static OrderedMap ToOrderedMap(IDictionary root, string context, string target, Func<object?, object?>? unwrap = null)
        {
            var walk = new Walk(context, target, unwrap ?? (value => value));
            return walk.Run(root);
        }

        private sealed class Frame
        {
            public Frame(object source, IEnumerator items, OrderedMap? map, List<object?>? list)
            {
                Source = source;
                Items = items;
                Map = map;
                List = list;
            }

            public object Source { get; }

            public IEnumerator Items { get; }

            public OrderedMap? Map { get; }

            public List<object?>? List { get; }
        }

        private sealed class Walk
        {
            private readonly string _context;
            private readonly string _target;
            private readonly Func<object?, object?> _unwrap;
            private readonly Stack<Frame> _frames = new Stack<Frame>();

            // Only the containers on the current path: the same list under two fields is no cycle.
            private readonly HashSet<object> _onPath = new HashSet<object>(ReferenceEqualityComparer.Instance);
            private int _nodes;
            private long _textBytes;

            public Walk(string context, string target, Func<object?, object?> unwrap)
            {
                _context = context;
                _target = target;
                _unwrap = unwrap;
            }

            public OrderedMap Run(IDictionary root)
            {
                var result = new OrderedMap();
                CountNode();
                Open(root, root.GetEnumerator(), result, null);
                try
                {
                    Fill();
                }
                finally
                {
                    // A refused input leaves frames behind; a lazy sequence's enumerator may hold resources.
                    foreach (var frame in _frames)
                    {
                        (frame.Items as IDisposable)?.Dispose();
                    }
                }

                return result;
            }

            private void Fill()
            {
                while (_frames.Count > 0)
                {
                    var frame = _frames.Peek();
                    if (!frame.Items.MoveNext())
                    {
                        _onPath.Remove(frame.Source);
                        (_frames.Pop().Items as IDisposable)?.Dispose();
                        continue;
                    }

                    if (frame.Map != null)
                    {
                        var entry = ((IDictionaryEnumerator)frame.Items).Entry;
                        CountNode();
                        var key = Convert.ToString(_unwrap(entry.Key), CultureInfo.InvariantCulture) ?? string.Empty;
                        CountText(key);
                        if (frame.Map.ContainsKey(key))
                        {
                            throw new DataCompassException(DcError.SourceInvalid, $"{_context} has two keys that read as the same text.", _target);
                        }

                        frame.Map.Add(key, Copy(entry.Value));
                    }
                    else
                    {
                        frame.List!.Add(Copy(frame.Items.Current));
                    }
                }
            }

            /// <summary>A scalar as it is; a container empty, to be filled when its frame comes up.</summary>
            private object? Copy(object? raw)
            {
                CountNode();
                var value = _unwrap(raw);
                switch (value)
                {
                    case string text:
                        CountText(text);
                        return text;
                    case IDictionary nested:
                        var map = new OrderedMap();
                        Open(nested, nested.GetEnumerator(), map, null);
                        return map;
                    case IEnumerable items:
                        var list = new List<object?>();
                        Open(items, items.GetEnumerator(), null, list);
                        return list;
                    default:
                        return value;
                }
            }

            private void Open(object source, IEnumerator items, OrderedMap? map, List<object?>? list)
            {
                if (!_onPath.Add(source))
                {
                    throw new DataCompassException(
                        DcError.ConnectionTooDeep, $"{_context} contains itself (a hashtable or list that holds itself), so it has no end.", _target);
                }

                if (_frames.Count + 1 > InputLimits.MaxDepth)
                {
                    throw new DataCompassException(
                        DcError.ConnectionTooDeep,
                        string.Format(CultureInfo.InvariantCulture, "{0} nests hashtables and lists deeper than the limit of {1} levels.", _context, InputLimits.MaxDepth),
                        _target);
                }

                _frames.Push(new Frame(source, items, map, list));
            }

            private void CountNode()
            {
                if (++_nodes > InputLimits.MaxNodes)
                {
                    throw new DataCompassException(
                        DcError.ConnectionTooLarge,
                        string.Format(CultureInfo.InvariantCulture, "{0} has more than the limit of {1} keys, values and list items.", _context, InputLimits.MaxNodes),
                        _target);
                }
            }

            private void CountText(string text)
            {
                // Every char is at least one UTF-8 byte, so a string over the limit is refused before it is measured.
                var remaining = InputLimits.MaxTextBytes - _textBytes;
                _textBytes += text.Length > remaining ? text.Length : Encoding.UTF8.GetByteCount(text);
                if (_textBytes > InputLimits.MaxTextBytes)
                {
                    throw new DataCompassException(
                        DcError.ConnectionTooLarge,
                        string.Format(CultureInfo.InvariantCulture, "{0} holds more than the limit of {1} bytes (1 MiB) of text.", _context, InputLimits.MaxTextBytes),
                        _target);
                }
            }
        }
    }
}

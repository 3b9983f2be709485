using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DataCompass.Core.Common
{
    /// <summary>
    /// Writes an <see cref="OrderedMap"/> (the value model of <see cref="ConnectionInfoJson"/>) as a YAML block
    /// mapping that <see cref="YamlReader"/>, and any YAML 1.1 or 1.2 reader, reads back as the same values.
    /// </summary>
    /// <remarks>
    /// A string is written plain only when no reader could take it for anything else (a null, a boolean such as
    /// <c>yes</c> or <c>off</c>, a number such as <c>010</c>, an indicator such as a leading <c>@</c> or <c>*</c>,
    /// <c>": "</c> inside); every other string is double-quoted with escapes, so any text round-trips exactly.
    /// Numbers and booleans are written plain. Collections inside a sequence are written in flow style.
    /// </remarks>
    public static class YamlWriter
    {
        private const string Indent = "  ";

        private static readonly Regex SafePlain = new Regex(@"^[A-Za-z/][A-Za-z0-9_./-]*\z", RegexOptions.CultureInvariant);

        // Words some YAML reader takes for a boolean or null (YAML 1.1 knows y/n/yes/no/on/off).
        private static readonly HashSet<string> Keywords = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "y", "n", "yes", "no", "on", "off", "true", "false", "null",
        };

        public static string Write(OrderedMap map)
        {
            if (map == null)
            {
                throw new ArgumentNullException(nameof(map));
            }

            var builder = new StringBuilder();
            WriteMapping(builder, map, string.Empty);
            return builder.ToString();
        }

        /// <summary>A scalar as YAML: plain when that is unambiguous, else double-quoted.</summary>
        public static string Scalar(object? value) => value switch
        {
            null => "null",
            string text => IsSafePlain(text) ? text : Quote(text),
            bool flag => flag ? "true" : "false",
            long or int or short or sbyte or ulong or uint or ushort or byte => ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture),
            double real => Real(real),
            float real => Real(real),
            decimal number => number.ToString(CultureInfo.InvariantCulture),
            _ => throw new ArgumentException("YAML cannot hold a value of type " + value.GetType().FullName + ".", nameof(value)),
        };

        public static bool IsSafePlain(string text) => SafePlain.IsMatch(text) && !Keywords.Contains(text);

        private static void WriteMapping(StringBuilder builder, OrderedMap map, string indent)
        {
            foreach (var entry in map)
            {
                builder.Append(indent).Append(Scalar(entry.Key)).Append(':');
                switch (entry.Value)
                {
                    case OrderedMap nested when nested.Count > 0:
                        builder.Append('\n');
                        WriteMapping(builder, nested, indent + Indent);
                        break;
                    case IEnumerable items when !(entry.Value is string) && !(entry.Value is OrderedMap) && HasItems(items):
                        builder.Append('\n');
                        foreach (var item in items)
                        {
                            builder.Append(indent).Append(Indent).Append("- ").Append(Flow(item)).Append('\n');
                        }

                        break;
                    default:
                        builder.Append(' ').Append(Flow(entry.Value)).Append('\n');
                        break;
                }
            }
        }

        // A value on one line: a scalar, or a collection in flow style ([a, b], {k: v}).
        private static string Flow(object? value)
        {
            switch (value)
            {
                case OrderedMap map:
                    var pairs = new List<string>();
                    foreach (var entry in map)
                    {
                        pairs.Add(Scalar(entry.Key) + ": " + Flow(entry.Value));
                    }

                    return "{" + string.Join(", ", pairs) + "}";
                case IDictionary _:
                    throw new ArgumentException("YAML maps must be OrderedMap instances; found " + value.GetType().FullName + ".", nameof(value));
                case IEnumerable items when !(value is string):
                    var written = new List<string>();
                    foreach (var item in items)
                    {
                        written.Add(Flow(item));
                    }

                    return "[" + string.Join(", ", written) + "]";
                default:
                    return Scalar(value);
            }
        }

        private static bool HasItems(IEnumerable items)
        {
            var enumerator = items.GetEnumerator();
            return enumerator.MoveNext();
        }

        private static string Real(double value)
        {
            if (double.IsNaN(value))
            {
                return ".nan";
            }

            if (double.IsInfinity(value))
            {
                return value > 0 ? ".inf" : "-.inf";
            }

            return ConnectionInfoJson.FormatDouble(value);
        }

        private static string Quote(string text)
        {
            var builder = new StringBuilder(text.Length + 2).Append('"');
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                switch (c)
                {
                    case '"': builder.Append("\\\""); break;
                    case '\\': builder.Append("\\\\"); break;
                    case '\0': builder.Append("\\0"); break;
                    case '\t': builder.Append("\\t"); break;
                    case '\n': builder.Append("\\n"); break;
                    case '\r': builder.Append("\\r"); break;
                    case '\u0085': builder.Append("\\N"); break;
                    case '\u2028': builder.Append("\\L"); break;
                    case '\u2029': builder.Append("\\P"); break;
                    default:
                        // Control characters, DEL, the BOM and a surrogate without its pair are not printable YAML.
                        var paired = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
                        if (paired)
                        {
                            builder.Append(c).Append(text[++i]);
                        }
                        else if (c < ' ' || (c >= '\u007f' && c < '\u00a0') || c == '\ufeff' || c == '\ufffe' || c == '\uffff' || char.IsSurrogate(c))
                        {
                            builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            builder.Append(c);
                        }

                        break;
                }
            }

            return builder.Append('"').ToString();
        }
    }
}

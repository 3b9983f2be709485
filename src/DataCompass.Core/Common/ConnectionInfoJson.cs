using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Common
{
    /// <summary>
    /// Reads and writes <c>data_sources.connection_info</c> exactly as the Python tool does: the text is what
    /// <c>json.dumps(obj)</c> produces with default arguments (separators <c>", "</c> and <c>": "</c>,
    /// <c>ensure_ascii=True</c>, NaN/Infinity allowed), and anything <c>json.loads</c> accepts can be read.
    /// </summary>
    /// <remarks>
    /// Value model: <c>null</c>, <see cref="string"/>, <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>,
    /// <see cref="List{T}"/> of <c>object?</c> and nested <see cref="OrderedMap"/>. On write, other integral types,
    /// <see cref="float"/> and any non-string, non-map <see cref="IEnumerable"/> are accepted too.
    /// </remarks>
    public static class ConnectionInfoJson
    {
        private const int MaxDepth = 64;

        /// <summary>Serializes <paramref name="value"/> byte-for-byte like Python's <c>json.dumps(dict)</c>.</summary>
        /// <exception cref="ArgumentException">A value has a type outside the value model, or nesting is too deep (or circular).</exception>
        public static string Serialize(OrderedMap value)
        {
            if (value == null)
            {
                throw new ArgumentNullException(nameof(value));
            }

            var builder = new StringBuilder();
            WriteMap(builder, value, 0);
            return builder.ToString();
        }

        /// <summary>Parses stored connection_info text; the top level must be a JSON object.</summary>
        /// <exception cref="DataCompassException"><see cref="DcError.ConnectionInfoInvalid"/> when the text is not a JSON object.</exception>
        public static OrderedMap Deserialize(string json, string sourceName)
        {
            if (sourceName == null)
            {
                throw new ArgumentNullException(nameof(sourceName));
            }

            return Deserialize(json, sourceName, $"The stored connection_info of source '{sourceName}'", DcError.ConnectionInfoInvalid);
        }

        /// <summary>
        /// Parses other stored JSON object text the Python tool wrote the same way (e.g. a notification channel's
        /// config). A failure is <paramref name="error"/>, its message starting with <paramref name="subject"/>.
        /// </summary>
        internal static OrderedMap Deserialize(string json, string target, string subject, DcError error)
        {
            if (json == null)
            {
                throw Invalid(subject, target, error, "it is missing");
            }

            byte[] utf8 = Encoding.UTF8.GetBytes(json);
            Dictionary<long, double>? specials = ReplaceNonFiniteTokens(utf8);
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });

            try
            {
                if (!reader.Read())
                {
                    throw Invalid(subject, target, error, "it is empty");
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw Invalid(subject, target, error, "its top level is " + DescribeToken(reader.TokenType));
                }

                OrderedMap result = ReadObject(ref reader, specials);

                // Trailing content (another value, garbage) makes Read throw; only whitespace may follow.
                if (reader.Read())
                {
                    throw Invalid(subject, target, error, "it has content after the top-level object");
                }

                return result;
            }
            catch (JsonException ex)
            {
                string where = ex.LineNumber.HasValue && ex.BytePositionInLine.HasValue
                    ? string.Format(CultureInfo.InvariantCulture, " (line {0}, byte {1})", ex.LineNumber.Value + 1, ex.BytePositionInLine.Value + 1)
                    : string.Empty;
                throw Invalid(subject, target, error, "it is not valid JSON" + where);
            }
            catch (InvalidOperationException)
            {
                throw Invalid(subject, target, error, "it is not valid JSON");
            }
            catch (FormatException)
            {
                throw Invalid(subject, target, error, "it is not valid JSON");
            }
        }

        // The message never quotes the JSON text or any value from it: the text may hold secrets.
        private static DataCompassException Invalid(string subject, string target, DcError error, string reason) =>
            new DataCompassException(error, $"{subject} is not a JSON object: {reason}.", target);

        private static string DescribeToken(JsonTokenType tokenType)
        {
            switch (tokenType)
            {
                case JsonTokenType.StartArray: return "an array";
                case JsonTokenType.String: return "a string";
                case JsonTokenType.Number: return "a number";
                case JsonTokenType.True:
                case JsonTokenType.False: return "a boolean";
                case JsonTokenType.Null: return "null";
                default: return "not an object";
            }
        }

        #region Writing

        private static void WriteValue(StringBuilder builder, object? value, int depth)
        {
            switch (value)
            {
                case null:
                    builder.Append("null");
                    return;
                case string text:
                    WriteString(builder, text);
                    return;
                case bool flag:
                    builder.Append(flag ? "true" : "false");
                    return;
                case long or int or short or sbyte or ulong or uint or ushort or byte:
                    builder.Append(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                    return;
                case double real:
                    builder.Append(FormatDouble(real));
                    return;
                case float real:
                    builder.Append(FormatDouble(real));
                    return;
                case OrderedMap map:
                    WriteMap(builder, map, depth + 1);
                    return;
                case IDictionary _:
                    throw new ArgumentException("connection_info maps must be OrderedMap instances; found " + value.GetType().FullName + ".", nameof(value));
                case IEnumerable items:
                    WriteList(builder, items, depth + 1);
                    return;
                default:
                    throw new ArgumentException("connection_info cannot hold a value of type " + value.GetType().FullName + ".", nameof(value));
            }
        }

        private static void CheckDepth(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new ArgumentException("connection_info is nested more than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels deep (or is circular).", "value");
            }
        }

        private static void WriteMap(StringBuilder builder, OrderedMap map, int depth)
        {
            CheckDepth(depth);
            builder.Append('{');
            bool first = true;
            foreach (var entry in map)
            {
                if (!first)
                {
                    builder.Append(", ");
                }

                first = false;
                WriteString(builder, entry.Key);
                builder.Append(": ");
                WriteValue(builder, entry.Value, depth);
            }

            builder.Append('}');
        }

        private static void WriteList(StringBuilder builder, IEnumerable items, int depth)
        {
            CheckDepth(depth);
            builder.Append('[');
            bool first = true;
            foreach (object? item in items)
            {
                if (!first)
                {
                    builder.Append(", ");
                }

                first = false;
                WriteValue(builder, item, depth);
            }

            builder.Append(']');
        }

        private const string HexDigits = "0123456789abcdef";

        // ensure_ascii: only printable ASCII 0x20..0x7e passes through; everything else (DEL included) becomes
        // \uXXXX per UTF-16 code unit, which splits astral characters into surrogate pairs as Python does.
        private static void WriteString(StringBuilder builder, string text)
        {
            builder.Append('"');
            foreach (char c in text)
            {
                switch (c)
                {
                    case '"': builder.Append("\\\""); break;
                    case '\\': builder.Append("\\\\"); break;
                    case '\n': builder.Append("\\n"); break;
                    case '\r': builder.Append("\\r"); break;
                    case '\t': builder.Append("\\t"); break;
                    case '\b': builder.Append("\\b"); break;
                    case '\f': builder.Append("\\f"); break;
                    default:
                        if (c >= ' ' && c <= '~')
                        {
                            builder.Append(c);
                        }
                        else
                        {
                            builder.Append("\\u")
                                .Append(HexDigits[(c >> 12) & 0xF])
                                .Append(HexDigits[(c >> 8) & 0xF])
                                .Append(HexDigits[(c >> 4) & 0xF])
                                .Append(HexDigits[c & 0xF]);
                        }

                        break;
                }
            }

            builder.Append('"');
        }

        /// <summary>Python's <c>float.__repr__</c>, plus json's NaN/Infinity/-Infinity spellings.</summary>
        internal static string FormatDouble(double value)
        {
            if (double.IsNaN(value))
            {
                return "NaN";
            }

            if (double.IsPositiveInfinity(value))
            {
                return "Infinity";
            }

            if (double.IsNegativeInfinity(value))
            {
                return "-Infinity";
            }

            bool negative = BitConverter.DoubleToInt64Bits(value) < 0;
            if (value == 0)
            {
                return negative ? "-0.0" : "0.0";
            }

            // "R" yields the shortest round-trip digits (on .NET Core 3.0+), as Python's repr does; only the
            // layout differs, so extract digits and decimal-point position and lay them out Python's way.
            string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
            int exponent = 0;
            int ePosition = shortest.IndexOfAny(new[] { 'E', 'e' });
            string mantissa = shortest;
            if (ePosition >= 0)
            {
                exponent = int.Parse(shortest.Substring(ePosition + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                mantissa = shortest.Substring(0, ePosition);
            }

            int dot = mantissa.IndexOf('.');
            string digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;

            // decimalPoint = number of digits before the decimal point: value = 0.DIGITS * 10^decimalPoint.
            int decimalPoint = (dot >= 0 ? dot : mantissa.Length) + exponent;
            int leadingZeros = 0;
            while (leadingZeros < digits.Length - 1 && digits[leadingZeros] == '0')
            {
                leadingZeros++;
            }

            digits = digits.Substring(leadingZeros).TrimEnd('0');
            decimalPoint -= leadingZeros;

            var result = new StringBuilder(32);
            if (negative)
            {
                result.Append('-');
            }

            // CPython (pystrtod.c, repr mode) switches to exponent notation below 1e-4 and from 1e16 upwards.
            if (decimalPoint <= -4 || decimalPoint > 16)
            {
                result.Append(digits[0]);
                if (digits.Length > 1)
                {
                    result.Append('.').Append(digits, 1, digits.Length - 1);
                }

                int shown = decimalPoint - 1;
                result.Append('e').Append(shown < 0 ? '-' : '+');
                result.Append(Math.Abs(shown).ToString("00", CultureInfo.InvariantCulture));
            }
            else if (decimalPoint <= 0)
            {
                result.Append("0.").Append('0', -decimalPoint).Append(digits);
            }
            else if (decimalPoint >= digits.Length)
            {
                result.Append(digits).Append('0', decimalPoint - digits.Length).Append(".0");
            }
            else
            {
                result.Append(digits, 0, decimalPoint).Append('.').Append(digits, decimalPoint, digits.Length - decimalPoint);
            }

            return result.ToString();
        }

        #endregion

        #region Reading

        private static OrderedMap ReadObject(ref Utf8JsonReader reader, Dictionary<long, double>? specials)
        {
            var map = new OrderedMap();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string key = ReadString(ref reader);
                reader.Read();

                // Duplicate keys: the last value wins but the key keeps its first position, as in a Python dict.
                map[key] = ReadValue(ref reader, specials);
            }

            return map;
        }

        private static List<object?> ReadArray(ref Utf8JsonReader reader, Dictionary<long, double>? specials)
        {
            var list = new List<object?>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                list.Add(ReadValue(ref reader, specials));
            }

            return list;
        }

        private static object? ReadValue(ref Utf8JsonReader reader, Dictionary<long, double>? specials)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    return ReadObject(ref reader, specials);
                case JsonTokenType.StartArray:
                    return ReadArray(ref reader, specials);
                case JsonTokenType.String:
                    return ReadString(ref reader);
                case JsonTokenType.Number:
                    return ReadNumber(ref reader, specials);
                case JsonTokenType.True:
                    return true;
                case JsonTokenType.False:
                    return false;
                case JsonTokenType.Null:
                    return null;
                default:
                    throw new InvalidOperationException("Unexpected JSON token.");
            }
        }

        private static object ReadNumber(ref Utf8JsonReader reader, Dictionary<long, double>? specials)
        {
            if (specials != null && specials.TryGetValue(reader.TokenStartIndex, out double special))
            {
                return special;
            }

            ReadOnlySpan<byte> raw = reader.ValueSpan;
            bool isInteger = raw.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
            if (isInteger && reader.TryGetInt64(out long whole))
            {
                return whole;
            }

            // Fractions, exponents and integers beyond long. Out-of-range magnitudes become +/-Infinity, as in Python.
            return double.Parse(Encoding.ASCII.GetString(raw.ToArray()), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        private static string ReadString(ref Utf8JsonReader reader)
        {
            ReadOnlySpan<byte> raw = reader.ValueSpan;
            return raw.IndexOf((byte)'\\') < 0 ? reader.GetString()! : Unescape(raw);
        }

        // Decodes an escaped string token. Unlike Utf8JsonReader.GetString this keeps unpaired surrogate escapes
        // (e.g. "\ud800") as lone UTF-16 code units, which Python both writes and reads. The reader has already
        // validated the escape syntax.
        private static string Unescape(ReadOnlySpan<byte> raw)
        {
            var builder = new StringBuilder(raw.Length);
            int runStart = 0;
            int i = 0;
            while (i < raw.Length)
            {
                if (raw[i] != (byte)'\\')
                {
                    i++;
                    continue;
                }

                AppendUtf8(builder, raw.Slice(runStart, i - runStart));
                byte kind = raw[i + 1];
                switch (kind)
                {
                    case (byte)'b': builder.Append('\b'); break;
                    case (byte)'f': builder.Append('\f'); break;
                    case (byte)'n': builder.Append('\n'); break;
                    case (byte)'r': builder.Append('\r'); break;
                    case (byte)'t': builder.Append('\t'); break;
                    case (byte)'u':
                        builder.Append((char)int.Parse(Encoding.ASCII.GetString(raw.Slice(i + 2, 4).ToArray()), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: builder.Append((char)kind); break; // '"', '\\', '/'
                }

                i += 2;
                runStart = i;
            }

            AppendUtf8(builder, raw.Slice(runStart));
            return builder.ToString();
        }

        private static void AppendUtf8(StringBuilder builder, ReadOnlySpan<byte> utf8)
        {
            if (!utf8.IsEmpty)
            {
                builder.Append(Encoding.UTF8.GetString(utf8.ToArray()));
            }
        }

        /// <summary>
        /// Python writes non-finite floats as the bare tokens NaN, Infinity and -Infinity, which System.Text.Json
        /// rejects. Outside strings, each such token that stands as a whole value is overwritten in place with a
        /// same-length number ("0" padded with spaces) so byte offsets are unchanged; the returned map tells which
        /// number tokens (by start offset) stand for which value. Tokens not delimited like a value are left alone
        /// so that the parser still rejects them.
        /// </summary>
        private static Dictionary<long, double>? ReplaceNonFiniteTokens(byte[] utf8)
        {
            Dictionary<long, double>? specials = null;
            bool inString = false;
            for (int i = 0; i < utf8.Length; i++)
            {
                byte b = utf8[i];
                if (inString)
                {
                    if (b == (byte)'\\')
                    {
                        i++;
                    }
                    else if (b == (byte)'"')
                    {
                        inString = false;
                    }

                    continue;
                }

                if (b == (byte)'"')
                {
                    inString = true;
                    continue;
                }

                double value;
                int length;
                if (Matches(utf8, i, "NaN"))
                {
                    value = double.NaN;
                    length = 3;
                }
                else if (Matches(utf8, i, "Infinity"))
                {
                    value = double.PositiveInfinity;
                    length = 8;
                }
                else if (Matches(utf8, i, "-Infinity"))
                {
                    value = double.NegativeInfinity;
                    length = 9;
                }
                else
                {
                    continue;
                }

                bool startsValue = i == 0 || IsValueStartBoundary(utf8[i - 1]);
                bool endsValue = i + length == utf8.Length || IsValueEndBoundary(utf8[i + length]);
                if (startsValue && endsValue)
                {
                    utf8[i] = (byte)'0';
                    for (int j = 1; j < length; j++)
                    {
                        utf8[i + j] = (byte)' ';
                    }

                    specials ??= new Dictionary<long, double>();
                    specials[i] = value;
                }

                i += length - 1;
            }

            return specials;
        }

        private static bool Matches(byte[] utf8, int start, string token)
        {
            if (start + token.Length > utf8.Length)
            {
                return false;
            }

            for (int j = 0; j < token.Length; j++)
            {
                if (utf8[start + j] != (byte)token[j])
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsWhitespace(byte b) => b == (byte)' ' || b == (byte)'\t' || b == (byte)'\n' || b == (byte)'\r';

        private static bool IsValueStartBoundary(byte b) => IsWhitespace(b) || b == (byte)'[' || b == (byte)',' || b == (byte)':';

        private static bool IsValueEndBoundary(byte b) => IsWhitespace(b) || b == (byte)']' || b == (byte)',' || b == (byte)'}';

        #endregion
    }
}

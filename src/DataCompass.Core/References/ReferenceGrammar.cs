using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.References
{
    /// <summary>
    /// The grammar of a field value. Environment placeholders follow the Python datacompass tool exactly:
    /// <c>${VAR}</c> and <c>${VAR:-default}</c>, one left-to-right pass, replacements never re-scanned,
    /// a set-but-empty variable beats the default, and <c>$VAR</c> or <c>${VAR-d}</c> stay literal.
    /// <c>${secret:...}</c> adds SecretManagement references to that grammar.
    /// </summary>
    public static partial class ReferenceGrammar
    {
        // The secret alternative comes first but may not start with '-': "${secret:-x}" is the environment
        // variable "secret" with default "x", as it always was for the Python tool.
        // Source-generated: it is matched against every stored value a read describes.
        [GeneratedRegex(@"\$\{(?:secret:(?<secret>(?!-)[^}]*)|(?<var>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<default>[^}]*))?)\}", RegexOptions.CultureInvariant)]
        private static partial Regex PlaceholderPattern();

        private static readonly Regex Placeholder = PlaceholderPattern();

        // Shapes that are almost never a real secret but often a placeholder gone wrong. Kept narrow on purpose,
        // since a real password may well contain '$' or '{': only the whole value counts as $NAME or {NAME}.
        private static readonly Regex ShellVariable = new Regex(@"^\$[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);
        private static readonly Regex BracedName = new Regex(@"^\{[A-Za-z_][A-Za-z0-9_]*\}$", RegexOptions.CultureInvariant);

        /// <summary>
        /// Why a value looks like a broken placeholder, or null when it does not: exactly <c>$NAME</c> (shell
        /// syntax, which is never expanded here), exactly <c>{NAME}</c> (the '$' lost), or a '${' with no '}'
        /// after it. The reason describes the shape only, never the text. A malformed <c>${secret:...}</c> is
        /// refused by <see cref="Parse"/> itself.
        /// </summary>
        public static string? DescribeBrokenPlaceholder(string value)
        {
            if (ShellVariable.IsMatch(value))
            {
                return "has the shape $NAME, a shell-style variable that DataCompass never expands";
            }

            if (BracedName.IsMatch(value))
            {
                return "has the shape {NAME}, a placeholder without its '$'";
            }

            var open = value.LastIndexOf("${", StringComparison.Ordinal);
            return open >= 0 && value.IndexOf('}', open) < 0 ? "has a '${' with no closing '}'" : null;
        }

        /// <summary>Splits a value into literal text and placeholders. Throws on a malformed secret placeholder.</summary>
        /// <param name="context">Names the value in errors, e.g. "source 'prod', field 'password'".</param>
        public static IReadOnlyList<ValueSegment> Parse(string value, string context)
        {
            if (value.IndexOf("${", StringComparison.Ordinal) < 0)
            {
                // Most stored values (hosts, ports, names) hold no placeholder: no regex, one segment at most.
                return value.Length == 0 ? Array.Empty<ValueSegment>() : new[] { ValueSegment.Literal(value) };
            }

            var segments = new List<ValueSegment>();
            var position = 0;
            foreach (Match match in Placeholder.Matches(value))
            {
                if (match.Index > position)
                {
                    segments.Add(ValueSegment.Literal(value.Substring(position, match.Index - position)));
                }

                segments.Add(ToSegment(match, context));
                position = match.Index + match.Length;
            }

            if (position < value.Length)
            {
                segments.Add(ValueSegment.Literal(value.Substring(position)));
            }

            return segments;
        }

        /// <summary>True when the value holds at least one placeholder of either kind.</summary>
        public static bool HasPlaceholder(string value) => value.IndexOf("${", StringComparison.Ordinal) >= 0 && Placeholder.IsMatch(value);

        /// <summary>
        /// The value of one environment placeholder: the variable when it is set (even to ""), else the default,
        /// else null. The Python tool's rule, in one place for every caller.
        /// </summary>
        public static string? EnvironmentValue(ValueSegment placeholder, Func<string, string?> lookup) =>
            lookup(placeholder.Variable!) ?? placeholder.DefaultValue;

        /// <summary>
        /// Replaces every environment placeholder in one pass; a replacement is never scanned again. Secret
        /// placeholders are left as written. Every variable that is unset and has no default is reported through
        /// <paramref name="missing"/>, and its placeholder is kept in the result.
        /// </summary>
        public static string ExpandEnvironment(string value, Func<string, string?> lookup, ICollection<string> missing)
        {
            if (value.IndexOf("${", StringComparison.Ordinal) < 0)
            {
                return value;
            }

            var result = new StringBuilder(value.Length);
            foreach (var segment in Parse(value, "value"))
            {
                if (segment.Kind != SegmentKind.Environment)
                {
                    result.Append(segment.Text);
                    continue;
                }

                var current = EnvironmentValue(segment, lookup);
                if (current == null)
                {
                    missing.Add(segment.Variable!);
                }

                result.Append(current ?? segment.Text);
            }

            return result.ToString();
        }

        /// <summary>
        /// Expands environment placeholders in a value of any shape: strings are expanded, lists and maps are
        /// walked, everything else is returned unchanged (the Python tool's resolve_env_vars; the -ResolveNow path).
        /// </summary>
        public static object? ExpandEnvironmentDeep(object? value, Func<string, string?> lookup, ICollection<string> missing)
        {
            switch (value)
            {
                case string text:
                    return ExpandEnvironment(text, lookup, missing);
                case OrderedMap map:
                    var expandedMap = new OrderedMap();
                    foreach (var entry in map)
                    {
                        expandedMap.Add(entry.Key, ExpandEnvironmentDeep(entry.Value, lookup, missing));
                    }

                    return expandedMap;
                case IList<object?> list:
                    var expandedList = new List<object?>(list.Count);
                    foreach (var item in list)
                    {
                        expandedList.Add(ExpandEnvironmentDeep(item, lookup, missing));
                    }

                    return expandedList;
                default:
                    return value;
            }
        }

        /// <summary>Writes the value with every literal part replaced by <paramref name="mask"/> (placeholders kept).</summary>
        public static string MaskLiterals(IReadOnlyList<ValueSegment> segments, string mask)
        {
            var builder = new StringBuilder();
            foreach (var segment in segments)
            {
                switch (segment.Kind)
                {
                    case SegmentKind.Literal:
                        builder.Append(mask);
                        break;
                    case SegmentKind.Environment when !string.IsNullOrEmpty(segment.DefaultValue):
                        builder.Append("${").Append(segment.Variable).Append(":-").Append(mask).Append('}');
                        break;
                    default:
                        builder.Append(segment.Text);
                        break;
                }
            }

            return builder.ToString();
        }

        /// <summary>True when any segment carries literal text: text outside placeholders or a non-empty default.</summary>
        public static bool HasLiteralText(IReadOnlyList<ValueSegment> segments)
        {
            foreach (var segment in segments)
            {
                if (segment.Kind == SegmentKind.Literal && segment.Text.Length > 0)
                {
                    return true;
                }

                if (segment.Kind == SegmentKind.Environment && !string.IsNullOrEmpty(segment.DefaultValue))
                {
                    return true;
                }
            }

            return false;
        }

        private static ValueSegment ToSegment(Match match, string context)
        {
            var secret = match.Groups["secret"];
            if (secret.Success)
            {
                var reference = SecretReference.TryParseBody(secret.Value, out var problem);
                if (reference == null)
                {
                    throw new DataCompassException(
                        DcError.ReferenceInvalid,
                        $"{context}: the reference '{match.Value}' {problem}. Write ${{secret:Name}} or ${{secret:Vault/Name}}.",
                        context);
                }

                return ValueSegment.SecretPlaceholder(match.Value, reference);
            }

            var fallback = match.Groups["default"];
            return ValueSegment.Environment(match.Value, match.Groups["var"].Value, fallback.Success ? fallback.Value : null);
        }
    }
}

using System.Globalization;
using System.Text;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// A PowerShell wildcard pattern (matched ignoring case) as an SQLite GLOB that lets through at least every name
    /// of printable ASCII the pattern matches, so SQLite skips the other rows without handing them over. It is a
    /// prefilter: the catalog lets every other name through too, and the pattern itself decides on each row.
    /// </summary>
    /// <remarks>
    /// For printable ASCII, PowerShell's IgnoreCase matching is ASCII case folding, char for char, in the invariant
    /// and English cultures: a letter becomes <c>[xX]</c>, <c>?</c> one character, <c>*</c> any run, and an escaped
    /// (backtick) <c>*</c>, <c>?</c> or <c>[</c> a one-character class. Anything less certain gives no prefilter
    /// (null), and the pattern is tested on every row: a bracket expression, a character outside printable ASCII, a
    /// trailing backtick, or a current culture whose comparisons could equate other ASCII strings (contractions).
    /// </remarks>
    public static class SourceNameGlob
    {
        public static string? TryTranslate(string pattern) => TryTranslate(pattern, CultureInfo.CurrentCulture);

        public static string? TryTranslate(string pattern, CultureInfo culture)
        {
            if (!(culture.Name.Length == 0 || culture.TwoLetterISOLanguageName == "en"))
            {
                return null;
            }

            var glob = new StringBuilder(pattern.Length * 4);
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (c < ' ' || c > '~' || c == '[' || c == ']')
                {
                    return null;
                }

                if (c == '*' || c == '?')
                {
                    glob.Append(c);
                    continue;
                }

                if (c == '`')
                {
                    if (++i == pattern.Length)
                    {
                        return null;
                    }

                    c = pattern[i];
                    if (c < ' ' || c > '~')
                    {
                        return null;
                    }
                }

                AppendLiteral(glob, c);
            }

            return glob.ToString();
        }

        private static void AppendLiteral(StringBuilder glob, char c)
        {
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
            {
                glob.Append('[').Append(char.ToLowerInvariant(c)).Append(char.ToUpperInvariant(c)).Append(']');
            }
            else if (c == '*' || c == '?' || c == '[')
            {
                glob.Append('[').Append(c).Append(']');
            }
            else
            {
                glob.Append(c);
            }
        }
    }
}

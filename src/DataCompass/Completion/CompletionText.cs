using System.Management.Automation;

namespace DataCompass.Completion
{
    internal static class CompletionText
    {
        /// <summary>A prefix pattern from what the user typed, with any quotes they started stripped.</summary>
        public static WildcardPattern Pattern(string? wordToComplete)
        {
            var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
        }

        /// <summary>Quotes a completion when it would not survive the parser as a bare word.</summary>
        public static string Quote(string value) =>
            value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '|', '@', '#' }) >= 0
                ? "'" + value.Replace("'", "''") + "'"
                : value;
    }
}

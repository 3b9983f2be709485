using System.Text.RegularExpressions;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// The names a new source may take: letters, digits, '.', '_' and '-', starting with a letter or digit,
    /// at most 64 characters. Such names are safe in file names, vault secret names and messages.
    /// </summary>
    public static class SourceNames
    {
        public const int MaxLength = 64;
        private static readonly Regex Allowed = new Regex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant);

        public static void Validate(string? name)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new DataCompassException(DcError.SourceNameInvalid, "A source name cannot be empty.", name);
            }

            if (name!.Length > MaxLength || !Allowed.IsMatch(name))
            {
                // The name is echoed only when it is short and printable, so odd input cannot garble the message.
                var shown = name.Length <= MaxLength && IsPrintable(name) ? $"'{name}'" : "given";
                throw new DataCompassException(
                    DcError.SourceNameInvalid,
                    $"The source name {shown} is not valid: use 1 to {MaxLength} letters, digits, '.', '_' or '-', starting with a letter or digit.",
                    name.Length <= MaxLength ? name : name.Substring(0, MaxLength));
            }
        }

        private static bool IsPrintable(string text)
        {
            foreach (var character in text)
            {
                if (char.IsControl(character))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

using System;
using System.Security.Cryptography;
using System.Text;

namespace DataCompass.Core.References
{
    /// <summary>
    /// Names the vault secret that holds one source field. The result is portable across vault extensions:
    /// letters, digits and '-' only, at most 127 characters, and unique per source and field even when
    /// the names had to be changed to fit.
    /// </summary>
    public static class SecretNameTemplate
    {
        public const int MaxLength = 127;
        public const string SourceToken = "{source}";
        public const string FieldToken = "{field}";
        private const int HashLength = 8;

        /// <summary>Null when the template is usable, else what is wrong with it.</summary>
        public static string? Check(string template)
        {
            if (template.IndexOf(SourceToken, StringComparison.Ordinal) < 0 || template.IndexOf(FieldToken, StringComparison.Ordinal) < 0)
            {
                return $"must contain both {SourceToken} and {FieldToken}, so each source field gets its own secret";
            }

            var rest = template.Replace(SourceToken, string.Empty).Replace(FieldToken, string.Empty);
            foreach (var character in rest)
            {
                if (!IsPortable(character))
                {
                    return "may hold only letters, digits and '-' besides {source} and {field}";
                }
            }

            return null;
        }

        public static string Apply(string template, string source, string field)
        {
            var raw = template.Replace(SourceToken, source).Replace(FieldToken, field);
            var portable = new StringBuilder(raw.Length);
            foreach (var character in raw)
            {
                portable.Append(IsPortable(character) ? character : '-');
            }

            var name = portable.ToString();
            if (name == raw && name.Length <= MaxLength)
            {
                return name;
            }

            // Replaced characters or truncation could make two fields share a name: a hash of the exact
            // source and field keeps them apart.
            var suffix = "-" + Hash(source + "\n" + field);
            if (name.Length + suffix.Length > MaxLength)
            {
                name = name.Substring(0, MaxLength - suffix.Length);
            }

            return name + suffix;
        }

        private static bool IsPortable(char character) =>
            (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') || (character >= '0' && character <= '9') || character == '-';

        private static string Hash(string text)
        {
            using var sha = SHA256.Create();
            var bytes = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
            var builder = new StringBuilder();
            for (var i = 0; i < HashLength / 2; i++)
            {
                builder.Append(bytes[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }

            return builder.ToString();
        }
    }
}

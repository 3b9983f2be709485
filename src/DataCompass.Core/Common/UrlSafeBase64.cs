using System;

namespace DataCompass.Core.Common
{
    /// <summary>
    /// Base64 with '-' and '_' (RFC 4648 section 5), padded on output. On input, padding is optional and the
    /// standard '+' and '/' are accepted too, as Python's urlsafe_b64decode accepts them.
    /// </summary>
    internal static class UrlSafeBase64
    {
        public static string Encode(ReadOnlySpan<byte> bytes) =>
            Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

        /// <summary>The decoded bytes, or null when the text is not URL-safe base64.</summary>
        public static byte[]? TryDecode(string text)
        {
            var standard = text.Replace('-', '+').Replace('_', '/');
            switch (standard.Length % 4)
            {
                case 2:
                    standard += "==";
                    break;
                case 3:
                    standard += "=";
                    break;
                case 1:
                    return null;
            }

            try
            {
                return Convert.FromBase64String(standard);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}

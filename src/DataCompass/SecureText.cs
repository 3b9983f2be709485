using System.Net;
using System.Security;

namespace DataCompass
{
    /// <summary>Converts between text and SecureString at the PowerShell edge; the core works with text.</summary>
    internal static class SecureText
    {
        public static SecureString Protect(string text)
        {
            var secure = new SecureString();
            foreach (var character in text)
            {
                secure.AppendChar(character);
            }

            secure.MakeReadOnly();
            return secure;
        }

        public static string Reveal(SecureString secure) => new NetworkCredential(string.Empty, secure).Password;
    }
}

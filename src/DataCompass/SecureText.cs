using System.Net;
using System.Security;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass
{
    /// <summary>Converts between text and SecureString at the PowerShell edge; the core works with text.</summary>
    internal static class SecureText
    {
        public static SecureString Protect(string text)
        {
            // SecureString throws ArgumentOutOfRangeException past this length; callers expect a Dc error.
            if (text.Length > InputLimits.MaxSecretLength)
            {
                throw new DataCompassException(
                    DcError.SecretTooLong, $"A secret value is longer than the {InputLimits.MaxSecretLength} characters a SecureString can hold.");
            }

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

using System;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.References
{
    /// <summary>
    /// The config's encryption_key_ref: the vault secret that holds the key ring, written <c>Vault/Name</c>,
    /// <c>vault://Vault/Name</c> or <c>${secret:Vault/Name}</c>. The vault is required.
    /// </summary>
    public static class KeyReference
    {
        // A Fernet key is 32 bytes; a value that decodes to that many was most likely pasted in place of a reference.
        private const int FernetKeyBytes = 32;

        /// <summary>Reads the reference; the message starts with <paramref name="context"/> and never repeats the text.</summary>
        public static SecretReference Parse(string text, string context) =>
            TryParse(text, out var problem) ?? throw new DataCompassException(DcError.ConfigInvalid, $"{context}: {problem}.", context);

        /// <summary>What is wrong with the text (for a message about it), or null when it is a reference.</summary>
        public static string? Check(string text)
        {
            TryParse(text, out var problem);
            return problem;
        }

        private static SecretReference? TryParse(string text, out string? problem)
        {
            var body = text.Trim();
            if (body.StartsWith(SecretReference.UriScheme, StringComparison.OrdinalIgnoreCase))
            {
                body = body.Substring(SecretReference.UriScheme.Length);
            }

            if (body.StartsWith("${secret:", StringComparison.Ordinal) && body.EndsWith("}", StringComparison.Ordinal))
            {
                body = body.Substring("${secret:".Length, body.Length - "${secret:".Length - 1);
            }

            var reference = SecretReference.TryParseBody(body, out var bodyProblem);
            if (reference?.Vault != null)
            {
                problem = null;
                return reference;
            }

            var hint = UrlSafeBase64.TryDecode(text.Trim())?.Length == FernetKeyBytes
                ? ". It looks like a Fernet key: keep the key in a vault secret and name that secret here"
                : string.Empty;
            problem = $"the value {bodyProblem ?? "names no vault"}; write Vault/Name (or vault://Vault/Name){hint}";
            return null;
        }
    }
}

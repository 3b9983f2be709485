using System;

namespace DataCompass.Core.Encryption
{
    /// <summary>
    /// The stored form of an encrypted field value: <c>enc:v1:&lt;keyId&gt;:&lt;token&gt;</c>, where the token is
    /// a standard Fernet token and the key id names the key that made it.
    /// </summary>
    public static class EncryptedValue
    {
        public const string Prefix = "enc:v1:";
        private const int KeyIdLength = 8;

        /// <summary>
        /// True for any value that claims to be encrypted, well-formed or not: a damaged one must be reported as
        /// undecryptable, never taken for plaintext.
        /// </summary>
        public static bool IsEncrypted(object? value) => value is string text && text.StartsWith(Prefix, StringComparison.Ordinal);

        public static string Format(string keyId, string token) => Prefix + keyId + ":" + token;

        /// <summary>Splits a stored value into key id and token; false when it is not of that form.</summary>
        public static bool TryParse(string text, out string keyId, out string token)
        {
            keyId = string.Empty;
            token = string.Empty;
            if (!IsEncrypted(text) || text.Length <= Prefix.Length + KeyIdLength + 1 || text[Prefix.Length + KeyIdLength] != ':')
            {
                return false;
            }

            var id = text.Substring(Prefix.Length, KeyIdLength);
            foreach (var character in id)
            {
                if (!Uri.IsHexDigit(character))
                {
                    return false;
                }
            }

            keyId = id.ToLowerInvariant();
            token = text.Substring(Prefix.Length + KeyIdLength + 1);
            return true;
        }

        /// <summary>The key id of a stored value, or null when the value is damaged.</summary>
        public static string? KeyIdOf(string text) => TryParse(text, out var keyId, out _) ? keyId : null;
    }
}

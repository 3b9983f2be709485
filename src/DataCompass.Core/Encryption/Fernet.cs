using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Encryption
{
    /// <summary>
    /// Fernet tokens (version 0x80, AES-128-CBC with PKCS7, HMAC-SHA256) on .NET's own primitives, so that any
    /// Fernet implementation with the same key (Python's cryptography, Airflow) reads what DataCompass writes and
    /// the other way round. Layout: version (1) | timestamp (8, big-endian seconds) | IV (16) | ciphertext | HMAC (32).
    /// </summary>
    public static class Fernet
    {
        private const byte Version = 0x80;
        private const int HeaderBytes = 1 + 8 + 16;
        private const int HmacBytes = 32;
        private const int BlockBytes = 16;

        public static string Encrypt(FernetKey key, ReadOnlySpan<byte> plaintext) =>
            Encrypt(key, plaintext, DateTimeOffset.UtcNow, RandomNumberGenerator.GetBytes(BlockBytes));

        /// <summary>With a given time and IV: for the specification's test vectors only.</summary>
        internal static string Encrypt(FernetKey key, ReadOnlySpan<byte> plaintext, DateTimeOffset now, byte[] iv)
        {
            using var aes = Aes.Create();
            aes.Key = key.EncryptionKey.ToArray();
            var ciphertext = aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);

            var token = new byte[HeaderBytes + ciphertext.Length + HmacBytes];
            token[0] = Version;
            BinaryPrimitives.WriteInt64BigEndian(token.AsSpan(1, 8), now.ToUnixTimeSeconds());
            iv.CopyTo(token, 9);
            ciphertext.CopyTo(token, HeaderBytes);
            HMACSHA256.HashData(key.SigningKey, token.AsSpan(0, HeaderBytes + ciphertext.Length), token.AsSpan(HeaderBytes + ciphertext.Length));
            return UrlSafeBase64.Encode(token);
        }

        /// <summary>
        /// Verifies and decrypts a token. Any failure (malformed, tampered, truncated, another key) is one
        /// <see cref="DcError.DecryptionFailed"/> whose message names <paramref name="context"/>, never the value.
        /// </summary>
        public static byte[] Decrypt(FernetKey key, string token, string context)
        {
            var bytes = UrlSafeBase64.TryDecode(token ?? string.Empty);
            if (bytes == null || bytes.Length < HeaderBytes + BlockBytes + HmacBytes || bytes[0] != Version
                || (bytes.Length - HeaderBytes - HmacBytes) % BlockBytes != 0)
            {
                throw Failed(context, key, "it is not a Fernet token");
            }

            var signed = bytes.AsSpan(0, bytes.Length - HmacBytes);
            Span<byte> expected = stackalloc byte[HmacBytes];
            HMACSHA256.HashData(key.SigningKey, signed, expected);
            if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(bytes.Length - HmacBytes)))
            {
                throw Failed(context, key, "its signature does not match: it was changed, or made with another key");
            }

            try
            {
                using var aes = Aes.Create();
                aes.Key = key.EncryptionKey.ToArray();
                return aes.DecryptCbc(bytes.AsSpan(HeaderBytes, bytes.Length - HeaderBytes - HmacBytes), bytes.AsSpan(9, BlockBytes), PaddingMode.PKCS7);
            }
            catch (CryptographicException)
            {
                throw Failed(context, key, "its content does not decrypt");
            }
        }

        private static DataCompassException Failed(string context, FernetKey key, string reason) =>
            new DataCompassException(DcError.DecryptionFailed, $"{context}: the encrypted value cannot be decrypted with key {key.Id}: {reason}.", context);
    }
}

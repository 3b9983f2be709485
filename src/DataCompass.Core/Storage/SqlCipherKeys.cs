using System;
using System.Collections.Concurrent;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// SQLCipher derives a file's page key from the passphrase and the file's salt (its first 16 bytes) with PBKDF2 on
    /// every open: 64,000 rounds of SHA-1 in SQLCipher 3, about 60 ms, paid by each command. The same derivation is
    /// done here once a process and file, and the result passed as a raw key (x'...'), which SQLCipher uses as it is.
    /// A raw key that does not open the file is forgotten and the passphrase used instead, so a library whose
    /// defaults differ costs time, never a catalog.
    /// </summary>
    internal static class SqlCipherKeys
    {
        private const int SaltLength = 16;
        private const int KeyLength = 32;

        // Keyed by a hash of the passphrase, the salt and the library version: the passphrase itself is kept nowhere.
        private static readonly ConcurrentDictionary<string, string> Derived = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        // Set once a derived key did not open its file: this library's defaults differ, and the passphrase is used from then on.
        private static volatile bool s_disabled;

        /// <summary>The raw key for an existing encrypted file, or null where it cannot be derived here.</summary>
        public static string? RawKeyFor(string path, string passphrase)
        {
            if (s_disabled)
            {
                return null;
            }

            var version = SqliteLibrary.CipherVersion;
            var (hash, rounds) = version switch
            {
                { } v when v.StartsWith("3.", StringComparison.Ordinal) => (HashAlgorithmName.SHA1, 64000),
                { } v when v.StartsWith("4.", StringComparison.Ordinal) => (HashAlgorithmName.SHA512, 256000),
                _ => (default(HashAlgorithmName), 0),
            };
            var salt = rounds == 0 ? null : ReadSalt(path);
            if (salt == null)
            {
                return null;
            }

            var secret = Encoding.UTF8.GetBytes(passphrase);
            var id = Convert.ToHexString(SHA256.HashData(secret)) + ":" + Convert.ToHexString(salt) + ":" + version;
            return Derived.GetOrAdd(id, _ => "x'" + Convert.ToHexString(Rfc2898DeriveBytes.Pbkdf2(secret, salt, rounds, hash, KeyLength)) + "'");
        }

        /// <summary>Drops every derived key and derives none again in this process: one did not open its file.</summary>
        public static void Forget()
        {
            s_disabled = true;
            Derived.Clear();
        }

        private static byte[]? ReadSalt(string path)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var salt = new byte[SaltLength];
                return stream.Read(salt, 0, SaltLength) == SaltLength ? salt : null;
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}

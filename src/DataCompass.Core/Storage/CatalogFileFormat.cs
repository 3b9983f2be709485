using System;
using System.IO;
using System.Linq;

namespace DataCompass.Core.Storage
{
    /// <summary>What a catalog file holds, told from its first bytes before SQLite opens it.</summary>
    public enum CatalogFileFormat
    {
        /// <summary>No file, or an empty one: a catalog yet to be created.</summary>
        New,

        /// <summary>A plain SQLite database ("SQLite format 3" header).</summary>
        Plain,

        /// <summary>Bytes indistinguishable from random, in whole pages: a SQLCipher file (its header is encrypted too).</summary>
        Encrypted,

        /// <summary>Anything else: not a database SQLite can read.</summary>
        Other,
    }

    public static class CatalogFileFormats
    {
        private static readonly byte[] SqliteHeader = System.Text.Encoding.ASCII.GetBytes("SQLite format 3\0");

        // SQLCipher pages are at least 512 bytes; a page of random bytes holds about 220 of the 256 values in its first
        // 512 and 251 in 1,024, text or a damaged SQLite header far fewer.
        private const int SmallestPage = 512;
        private const int RandomLooking = 180;

        public static CatalogFileFormat Of(string path)
        {
            byte[] start;
            long length;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                length = stream.Length;
                start = new byte[(int)Math.Min(length, 1024)];
                var read = 0;
                while (read < start.Length)
                {
                    var count = stream.Read(start, read, start.Length - read);
                    if (count == 0)
                    {
                        break;
                    }

                    read += count;
                }

                if (read < start.Length)
                {
                    Array.Resize(ref start, read);
                }
            }
            catch (FileNotFoundException)
            {
                return CatalogFileFormat.New;
            }
            catch (DirectoryNotFoundException)
            {
                return CatalogFileFormat.New;
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                // Unreadable here: SQLite's own open reports why, as for any catalog file.
                return CatalogFileFormat.Plain;
            }

            return Classify(start, length);
        }

        internal static CatalogFileFormat Classify(byte[] start, long length)
        {
            if (length == 0)
            {
                return CatalogFileFormat.New;
            }

            if (start.Length >= SqliteHeader.Length && start.Take(SqliteHeader.Length).SequenceEqual(SqliteHeader))
            {
                return CatalogFileFormat.Plain;
            }

            return length >= SmallestPage && length % SmallestPage == 0 && start.Distinct().Count() >= RandomLooking
                ? CatalogFileFormat.Encrypted
                : CatalogFileFormat.Other;
        }
    }
}

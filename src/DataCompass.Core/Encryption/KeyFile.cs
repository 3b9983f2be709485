using System;
using System.IO;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Encryption
{
    /// <summary>
    /// The key file in the data folder (<c>~/.datacompass/key</c> by default): the key ring's text form, created
    /// 0600. A key file that a group or other users can read is refused, as ssh refuses such a private key.
    /// </summary>
    public static class KeyFile
    {
        public const string FileName = "key";

        public static string PathFor(string databasePath) => Path.Combine(CatalogLocation.DataDirectoryOf(databasePath), FileName);

        /// <summary>The ring in the file, or null when there is no file.</summary>
        public static KeyRing? Read(string path)
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var origin = $"the key file '{path}'";
            if (PrivateFiles.IsOpenToOthers(path))
            {
                throw new DataCompassException(
                    DcError.EncryptionKeyFileUnprotected,
                    $"The key file '{path}' can be read or changed by other users, so DataCompass will not use it. Run 'chmod 600 {path}' and replace the key if others may have read it.",
                    path);
            }

            try
            {
                return KeyRing.Parse(File.ReadAllText(path), origin);
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                throw new DataCompassException(DcError.EncryptionKeyInvalid, $"Cannot read the key file '{path}': {exception.Message}", path);
            }
        }

        public static void Write(string path, KeyRing ring)
        {
            try
            {
                PrivateFiles.WriteAtomically(path, ring.ToText() + "\n");
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                throw new DataCompassException(DcError.EncryptionKeyInvalid, $"Cannot write the key file '{path}': {exception.Message}", path);
            }
        }
    }
}

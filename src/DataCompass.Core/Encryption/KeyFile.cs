using System;
using System.IO;
using System.Threading;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;

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
                throw new DataCompassException(DcError.EncryptionKeyFileUnavailable, $"Cannot read the key file '{path}': {exception.Message}", path);
            }
        }

        /// <summary>
        /// Reads the ring in the file, lets <paramref name="change"/> make the new one from it, and writes that,
        /// all under an exclusive lock: two processes adding a key at once both keep their key.
        /// </summary>
        public static KeyRing Update(string path, Func<KeyRing?, KeyRing> change)
        {
            using (AcquireLock(path))
            {
                var ring = change(Read(path));
                Write(path, ring);
                return ring;
            }
        }

        /// <summary>
        /// The key ring's exclusive lock (the file key.lock beside <paramref name="path"/>), for a change that must
        /// read, check and write without another process changing the ring in between. A ring kept in a vault is
        /// changed under the lock of the catalog's key file path too.
        /// </summary>
        public static IDisposable Lock(string path) => AcquireLock(path);

        /// <summary>Writes the ring; callers hold the file's lock (see <see cref="Update"/>).</summary>
        public static void Write(string path, KeyRing ring)
        {
            try
            {
                PrivateFiles.WriteAtomically(path, ring.ToText() + "\n", staleAfter: TimeSpan.Zero);
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                throw new DataCompassException(DcError.EncryptionKeyFileUnavailable, $"Cannot write the key file '{path}': {exception.Message}", path);
            }
        }

        private static FileStream AcquireLock(string path)
        {
            try
            {
                PrivateFiles.EnsureFolder(Path.GetDirectoryName(path));
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                // A data folder path that is a file, or a parent DataCompass may not write to.
                throw new DataCompassException(DcError.EncryptionKeyFileUnavailable, $"Cannot create the folder of the key file '{path}': {exception.Message}", path);
            }

            var lockPath = path + ".lock";
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (true)
            {
                try
                {
                    var options = PrivateFiles.CreateNewOptions();
                    options.Mode = FileMode.OpenOrCreate;
                    options.Access = FileAccess.ReadWrite;
                    options.Share = FileShare.None;
                    return new FileStream(lockPath, options);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(25);
                }
                catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
                {
                    throw new DataCompassException(DcError.EncryptionKeyFileUnavailable, $"Cannot lock the key file '{path}' for writing: {exception.Message}", path);
                }
            }
        }
    }
}

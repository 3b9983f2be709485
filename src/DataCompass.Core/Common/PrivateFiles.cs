using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace DataCompass.Core.Common
{
    /// <summary>
    /// Files only their owner may read: the catalog, the config and the key file are created 0600 in a 0700
    /// folder on Unix, from the first byte (never created readable and narrowed afterwards).
    /// </summary>
    public static class PrivateFiles
    {
        private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        private const UnixFileMode OwnerOnlyFolder = OwnerOnlyFile | UnixFileMode.UserExecute;
        private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

        /// <summary>Creates the folder and any missing parents (each 0700) when it does not exist; existing folders are left as they are.</summary>
        public static void EnsureFolder(string? folder)
        {
            if (string.IsNullOrEmpty(folder) || Directory.Exists(folder))
            {
                return;
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
                return;
            }

            // Directory.CreateDirectory(path, mode) gives the mode to the last folder only; the parents it makes
            // follow the umask (0777 under umask 000). So each missing folder is created on its own, top down.
            var missing = new Stack<string>();
            for (var current = Path.GetFullPath(folder); !string.IsNullOrEmpty(current) && !Directory.Exists(current); current = Path.GetDirectoryName(current))
            {
                missing.Push(current);
            }

            foreach (var path in missing)
            {
                Directory.CreateDirectory(path, OwnerOnlyFolder);
            }
        }

        /// <summary>Options that create a new file readable by its owner only.</summary>
        public static FileStreamOptions CreateNewOptions()
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile;
            }

            return options;
        }

        /// <summary>
        /// Replaces <paramref name="path"/> with <paramref name="text"/> through a private temporary file and a
        /// rename, so a reader sees the old file or the new one, never half of either. IO errors propagate.
        /// Temporary copies that a killed writer left beside the file (they hold what it was writing: a key ring,
        /// say) are deleted first once older than <paramref name="staleAfter"/>: a caller that holds the file's
        /// lock passes zero, since no other writer can be busy with one.
        /// With <paramref name="overwrite"/> false, a file already at <paramref name="path"/> (even one made while
        /// this was writing) is left as it was and the call throws <see cref="IOException"/>.
        /// </summary>
        public static void WriteAtomically(string path, string text, TimeSpan? staleAfter = null, bool overwrite = true)
        {
            EnsureFolder(Path.GetDirectoryName(path));
            RemoveStaleCopies(path, staleAfter ?? TimeSpan.FromMinutes(1));
            var temporary = path + ".tmp-" + Guid.NewGuid().ToString("n");
            try
            {
                using (var stream = new FileStream(temporary, CreateNewOptions()))
                {
                    var bytes = new UTF8Encoding(false).GetBytes(text);
                    stream.Write(bytes);

                    // On disk before the rename: after a power cut the file is the old one or the whole new one,
                    // never an empty key file next to a catalog already encrypted with its key.
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, path, overwrite);
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                File.Delete(temporary);
                throw;
            }
        }

        private static void RemoveStaleCopies(string path, TimeSpan staleAfter)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var cutoff = DateTime.UtcNow - staleAfter;
            foreach (var copy in Directory.EnumerateFiles(folder, Path.GetFileName(path) + ".tmp-*"))
            {
                try
                {
                    if (File.GetLastWriteTimeUtc(copy) <= cutoff)
                    {
                        File.Delete(copy);
                    }
                }
                catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
                {
                    // Another writer's, or already gone: the write itself does not depend on it.
                }
            }
        }

        /// <summary>True when a group or other users may read, write or run the file (never on Windows, which has ACLs instead).</summary>
        public static bool IsOpenToOthers(string path) => !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOther) != 0;
    }
}

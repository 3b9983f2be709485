using System;
using System.IO;
using System.Runtime.InteropServices;

namespace DataCompass.Core.Common
{
    /// <summary>
    /// Tells a regular file from a FIFO, a device or a socket without opening it. Opening a FIFO blocks until a
    /// writer comes, and reading a device may never end, yet .NET reports all of them as "Normal" files.
    /// </summary>
    internal static class FileKind
    {
        private const int FileTypeMask = 0xF000;

        /// <summary>
        /// What the path is when it is not a regular file ("a FIFO (named pipe)", ...), else null: also when it
        /// does not exist or cannot be examined, so that opening it reports the usual error.
        /// </summary>
        public static string? DescribeIrregular(string path)
        {
            if (OperatingSystem.IsWindows())
            {
                try
                {
                    return (File.GetAttributes(path) & FileAttributes.Device) != 0 ? "a device" : null;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
                {
                    return null;
                }
            }

            // The runtime's own native shim (shipped with every .NET on Unix) normalises struct stat for .NET;
            // its FileStatus starts with two int32s, Flags and Mode, on every platform. The buffer is generous.
            var status = new byte[256];
            try
            {
                if (Stat(path, status) != 0)
                {
                    return null;
                }
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                return null;
            }

            return (BitConverter.ToInt32(status, 4) & FileTypeMask) switch
            {
                0x8000 => null,
                0x1000 => "a FIFO (named pipe)",
                0x2000 => "a character device",
                0x6000 => "a block device",
                0xC000 => "a socket",
                0x4000 => "a directory",
                _ => "not a regular file",
            };
        }

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat")]
        private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] output);
    }
}

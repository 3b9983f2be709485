using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace DataCompass.Loading
{
    /// <summary>
    /// The module's private load context: DataCompass.Core and its NuGet dependencies (YamlDotNet,
    /// Microsoft.Data.Sqlite, SQLitePCLRaw) load from the module's deps folder here, so another module's copy
    /// of YamlDotNet in the session can never clash with ours. Native SQLite comes from the same folder.
    /// </summary>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private readonly string _dependencyFolder;

        public DependencyLoadContext(string dependencyFolder)
            : base("DataCompass.Dependencies", isCollectible: false)
        {
            _dependencyFolder = dependencyFolder;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // Only what ships in deps/ loads here; the framework and PowerShell come from the default context.
            var path = Path.Combine(_dependencyFolder, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            if (!unmanagedDllName.Equals("e_sqlite3", StringComparison.Ordinal)
                && !unmanagedDllName.Equals("libe_sqlite3", StringComparison.Ordinal))
            {
                return IntPtr.Zero;
            }

            var path = Path.Combine(_dependencyFolder, "runtimes", RuntimeIdentifier(), "native", NativeSqliteFileName());
            if (!File.Exists(path))
            {
                throw new DllNotFoundException(
                    $"DataCompass ships no SQLite library for {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}); expected '{path}'.");
            }

            return LoadUnmanagedDllFromPath(path);
        }

        private static string RuntimeIdentifier()
        {
            var os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx"
                : "linux";
            var architecture = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                var other => other.ToString().ToLowerInvariant(),
            };
            return os + "-" + architecture;
        }

        private static string NativeSqliteFileName() =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "e_sqlite3.dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libe_sqlite3.dylib"
            : "libe_sqlite3.so";
    }
}

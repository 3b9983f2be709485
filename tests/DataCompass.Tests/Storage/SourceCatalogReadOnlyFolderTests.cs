using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;
using Microsoft.Data.Sqlite;

namespace DataCompass.Tests
{
    /// <summary>
    /// A catalog in a folder the reader cannot write to (a read-only mount, a shared folder owned by someone else).
    /// Root ignores permissions, so as root the folder is made immutable with chattr +i instead.
    /// </summary>
    public sealed class SourceCatalogReadOnlyFolderTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-rofolder-" + Guid.NewGuid().ToString("n"));
        private bool _locked;

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            Unlock();
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static NewSource Source(string name) =>
            TestSources.Plan(name, "postgresql", null, new OrderedMap
            {
                { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", "${DB_PASSWORD}" },
            }, allowPlaintext: false).Source;

        /// <summary>Makes the folder unwritable for this process; false where that cannot be done here.</summary>
        private bool Lock()
        {
            if (OperatingSystem.IsWindows())
            {
                return false;
            }

            if (Environment.UserName != "root")
            {
                File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
                _locked = true;
                return true;
            }

            _locked = Chattr("+i");
            return _locked;
        }

        private void Unlock()
        {
            if (!_locked || OperatingSystem.IsWindows())
            {
                return;
            }

            if (Environment.UserName == "root")
            {
                Chattr("-i");
            }
            else
            {
                File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            _locked = false;
        }

        private bool Chattr(string flag)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo("chattr", $"{flag} {_folder}") { RedirectStandardError = true, UseShellExecute = false })!;
                process.WaitForExit();
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }

        private void CreateCatalog()
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            catalog.AddSource(Source("prod"));
            catalog.AddSource(Source("dev"));
        }

        [Fact]
        public void A_wal_catalog_in_a_folder_that_cannot_be_written_is_read()
        {
            CreateCatalog();
            Assert.False(File.Exists(DatabasePath + "-wal"));
            var before = File.ReadAllBytes(DatabasePath);
            if (!Lock())
            {
                Console.WriteLine("SKIPPED: the folder cannot be made read-only here (no chattr, or Windows).");
                return;
            }

            using (var catalog = SourceCatalog.OpenForRead(DatabasePath)!)
            {
                Assert.False(catalog.IsWritable);
                Assert.Equal(new[] { "dev", "prod" }, catalog.ListSources().Select(source => source.Name));
                Assert.Equal("prod", catalog.FindSource("PROD")!.Name);
            }

            Assert.Equal(before, File.ReadAllBytes(DatabasePath));
            Assert.False(File.Exists(DatabasePath + "-shm"));
        }

        [Fact]
        public void A_write_in_a_folder_that_cannot_be_written_names_the_folder()
        {
            CreateCatalog();
            if (!Lock())
            {
                Console.WriteLine("SKIPPED: the folder cannot be made read-only here (no chattr, or Windows).");
                return;
            }

            var error = Assert.Throws<DataCompassException>(() =>
            {
                using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
                catalog.AddSource(Source("test"));
            });
            Assert.Same(DcError.DatabaseUnavailable, error.Error);
            Assert.Contains($"'{_folder}'", error.Message);
        }

        [Fact]
        public void Changes_still_in_the_wal_are_read_in_a_folder_that_cannot_be_written()
        {
            CreateCatalog();

            // A writer that still has the catalog open: its -wal holds a change the main file does not have yet.
            using var writer = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
            writer.Open();
            using (var command = writer.CreateCommand())
            {
                command.CommandText = "PRAGMA wal_autocheckpoint = 0; UPDATE data_sources SET display_name = 'changed' WHERE name = 'prod';";
                command.ExecuteNonQuery();
            }

            Assert.True(new FileInfo(DatabasePath + "-wal").Length > 0);
            File.Delete(DatabasePath + "-shm");
            if (!Lock())
            {
                Console.WriteLine("SKIPPED: the folder cannot be made read-only here (no chattr, or Windows).");
                return;
            }

            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Equal("changed", catalog.FindSource("prod")!.DisplayName);
        }
    }
}

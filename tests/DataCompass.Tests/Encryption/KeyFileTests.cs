using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;

namespace DataCompass.Tests
{
    /// <summary>
    /// The key file's Unix permissions. CI runs on Linux; these tests assert file modes and are not meant to
    /// pass on Windows, where the key file is protected by ACLs instead.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public sealed class KeyFileTests : IDisposable
    {
        private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        private const UnixFileMode OwnerOnlyFolder = OwnerReadWrite | UnixFileMode.UserExecute;
        private static readonly FernetKey Primary = FernetKey.Generate();
        private static readonly FernetKey Secondary = FernetKey.Generate();
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-keyfile-" + Guid.NewGuid().ToString("n"));

        private string DataFolder => Path.Combine(_folder, "data");

        private string KeyPath => Path.Combine(DataFolder, KeyFile.FileName);

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        [Fact]
        public void The_key_file_lives_beside_the_database()
        {
            var database = Path.Combine(DataFolder, "datacompass.db");
            Assert.Equal(KeyPath, KeyFile.PathFor(database));
        }

        [Fact]
        public void Write_creates_an_owner_only_file_in_a_new_owner_only_folder()
        {
            Directory.CreateDirectory(_folder);
            KeyFile.Write(KeyPath, TestKeys.Ring(Primary, Secondary));
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(KeyPath));
            Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(DataFolder));
            Assert.False(PrivateFiles.IsOpenToOthers(KeyPath));
            Assert.Equal(Primary.ToText() + "," + Secondary.ToText() + "\n", File.ReadAllText(KeyPath));
            Assert.Equal(new[] { KeyFile.FileName }, Directory.GetFiles(DataFolder).Select(Path.GetFileName));
        }

        [Fact]
        public void Write_then_Read_gives_the_same_ring()
        {
            KeyFile.Write(KeyPath, TestKeys.Ring(Primary, Secondary));
            var ring = KeyFile.Read(KeyPath)!;
            Assert.Equal(new[] { Primary.Id, Secondary.Id }, ring.Keys.Select(key => key.Id));
            Assert.Contains(KeyPath, ring.Origin);
        }

        [Fact]
        public void Update_deletes_the_copy_of_a_ring_that_a_killed_writer_left_beside_the_file()
        {
            KeyFile.Write(KeyPath, new KeyRing(new[] { Secondary }, "test"));
            var leftover = KeyPath + ".tmp-" + Guid.NewGuid().ToString("n");
            File.WriteAllText(leftover, Primary.ToText());

            KeyFile.Update(KeyPath, current => new KeyRing(new[] { Primary, Secondary }, "test"));

            Assert.False(File.Exists(leftover));
            Assert.Equal(new[] { KeyFile.FileName }, Directory.GetFiles(DataFolder).Select(Path.GetFileName).Where(name => !name!.EndsWith(".lock", StringComparison.Ordinal)));
        }

        [Fact]
        public void Write_replaces_a_file_that_others_could_read_with_an_owner_only_one()
        {
            Directory.CreateDirectory(DataFolder);
            File.WriteAllText(KeyPath, "old");
            File.SetUnixFileMode(KeyPath, OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            KeyFile.Write(KeyPath, TestKeys.Ring(Primary));
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(KeyPath));
            Assert.Equal(Primary.Id, KeyFile.Read(KeyPath)!.Primary.Id);
        }

        [Fact]
        public void An_existing_folder_keeps_its_mode()
        {
            Directory.CreateDirectory(DataFolder);
            File.SetUnixFileMode(DataFolder, OwnerOnlyFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            KeyFile.Write(KeyPath, TestKeys.Ring(Primary));
            Assert.Equal(OwnerOnlyFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(DataFolder));
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(KeyPath));
        }

        [Theory]
        [InlineData(UnixFileMode.GroupRead)]                         // 0640
        [InlineData(UnixFileMode.OtherRead)]                         // 0604
        [InlineData(UnixFileMode.GroupWrite)]                        // 0620
        [InlineData(UnixFileMode.OtherWrite)]                        // 0602
        [InlineData(UnixFileMode.GroupExecute)]                      // 0610
        [InlineData(UnixFileMode.GroupRead | UnixFileMode.OtherRead)] // 0644
        public void A_key_file_others_can_reach_is_refused(UnixFileMode extra)
        {
            KeyFile.Write(KeyPath, TestKeys.Ring(Primary));
            File.SetUnixFileMode(KeyPath, OwnerReadWrite | extra);
            var error = Assert.Throws<DataCompassException>(() => KeyFile.Read(KeyPath));
            Assert.Same(DcError.EncryptionKeyFileUnprotected, error.Error);
            Assert.Equal(KeyPath, error.Target);
            Assert.Contains(KeyPath, error.Message);
            Assert.Contains("chmod 600", error.Message);
            TestKeys.AssertNoCanary(error, Primary.ToText());
        }

        [Theory]
        [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite)] // 0600
        [InlineData(UnixFileMode.UserRead)]                          // 0400
        public void An_owner_only_key_file_is_read(UnixFileMode mode)
        {
            KeyFile.Write(KeyPath, TestKeys.Ring(Primary));
            File.SetUnixFileMode(KeyPath, mode);
            Assert.Equal(Primary.Id, KeyFile.Read(KeyPath)!.Primary.Id);
        }

        [Fact]
        public void A_missing_key_file_is_no_ring_and_creates_nothing()
        {
            Assert.Null(KeyFile.Read(KeyPath));
            Assert.False(Directory.Exists(DataFolder));
        }

        [Fact]
        public void A_protected_key_file_with_bad_content_is_invalid_without_showing_it()
        {
            Directory.CreateDirectory(DataFolder);
            File.WriteAllText(KeyPath, "canary-key-file-garbage\n");
            File.SetUnixFileMode(KeyPath, OwnerReadWrite);
            var error = Assert.Throws<DataCompassException>(() => KeyFile.Read(KeyPath));
            Assert.Same(DcError.EncryptionKeyInvalid, error.Error);
            Assert.Contains(KeyPath, error.Message);
            TestKeys.AssertNoCanary(error, "canary-key-file-garbage");
        }

        [Fact]
        public void WriteAtomically_leaves_no_temporary_file_and_replaces_the_whole_text()
        {
            var path = Path.Combine(DataFolder, "config.yaml");
            PrivateFiles.WriteAtomically(path, "first version, rather long\n");
            PrivateFiles.WriteAtomically(path, "second\n");
            Assert.Equal("second\n", File.ReadAllText(path));
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
            Assert.Equal(new[] { "config.yaml" }, Directory.GetFiles(DataFolder).Select(Path.GetFileName));
        }

        [Fact]
        public void CreateNewOptions_create_an_owner_only_file_and_never_open_an_existing_one()
        {
            Directory.CreateDirectory(DataFolder);
            var path = Path.Combine(DataFolder, "new.db");
            using (new FileStream(path, PrivateFiles.CreateNewOptions()))
            {
            }

            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
            Assert.Throws<IOException>(() => new FileStream(path, PrivateFiles.CreateNewOptions()));
        }
    }
}

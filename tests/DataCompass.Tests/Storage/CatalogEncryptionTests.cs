using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    /// <summary>
    /// The parts of encrypted catalog files that need no SQLCipher: telling a file's form from its first bytes, and
    /// where the database key comes from. The conversions themselves are tested through the module (SqlCipher.Tests.ps1),
    /// each in a process of its own, since loading SQLCipher changes the SQLite library of the whole process.
    /// </summary>
    public sealed class CatalogEncryptionTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-dbkey-" + Guid.NewGuid().ToString("n"));

        public CatalogEncryptionTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string CatalogPath => Path.Combine(_folder, "datacompass.db");

        [Fact]
        public void A_plain_sqlite_header_is_plain_whatever_follows()
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes("SQLite format 3\0").Concat(new byte[4080]).ToArray();
            Assert.Equal(CatalogFileFormat.Plain, CatalogFileFormats.Classify(bytes.Take(1024).ToArray(), bytes.Length));
        }

        [Fact]
        public void Random_looking_whole_pages_are_encrypted()
        {
            var random = new Random(7);
            foreach (var length in new[] { 1024, 4096, 8192 })
            {
                var bytes = new byte[length];
                random.NextBytes(bytes);
                Assert.Equal(CatalogFileFormat.Encrypted, CatalogFileFormats.Classify(bytes.Take(1024).ToArray(), length));
            }
        }

        [Fact]
        public void Text_a_torn_page_and_an_empty_file_are_not_taken_for_encrypted()
        {
            var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("this is not a database at all. ", 40)));
            Assert.Equal(CatalogFileFormat.Other, CatalogFileFormats.Classify(text.Take(1024).ToArray(), 1024));

            var random = new byte[1000];
            new Random(3).NextBytes(random);
            Assert.Equal(CatalogFileFormat.Other, CatalogFileFormats.Classify(random, 1000));

            Assert.Equal(CatalogFileFormat.New, CatalogFileFormats.Classify(Array.Empty<byte>(), 0));
        }

        [Fact]
        public void A_missing_file_is_a_new_catalog()
        {
            Assert.Equal(CatalogFileFormat.New, CatalogFileFormats.Of(CatalogPath));
            Assert.Equal(CatalogFileFormat.New, CatalogFileFormats.Of(Path.Combine(_folder, "no", "such", "folder.db")));
        }

        [Fact]
        public void The_environment_key_comes_before_the_config_reference()
        {
            ConfigFile.Write(ConfigFile.PathFor(CatalogPath), new DcConfig { DatabaseKeyRef = "Store/db-key" });
            var backend = new InMemorySecretBackend("Store");
            backend.SetText("Store", "db-key", "from-vault");
            backend.Calls.Clear();
            var environment = new Dictionary<string, string?> { [DatabaseKeySource.EnvironmentVariable] = "from-env" };

            var keys = new DatabaseKeySource(CatalogPath, name => environment.GetValueOrDefault(name), backend);
            Assert.True(keys.IsConfigured);
            Assert.Equal("from-env", keys.Resolve("open it"));
            Assert.Equal("$env:DATACOMPASS_DATABASE_KEY", keys.Origin);
            Assert.Empty(backend.Calls);

            environment.Clear();
            keys = new DatabaseKeySource(CatalogPath, name => environment.GetValueOrDefault(name), backend);
            Assert.Equal("from-vault", keys.Resolve("open it"));
            Assert.Equal("the vault secret vault://Store/db-key (config database_key_ref)", keys.Origin);
        }

        [Fact]
        public void No_key_and_a_missing_secret_are_DcDatabaseKeyInvalid_naming_the_reference_not_a_value()
        {
            var none = new DatabaseKeySource(CatalogPath, _ => null, new InMemorySecretBackend("Store"));
            Assert.False(none.IsConfigured);
            var missing = Assert.Throws<DataCompassException>(() => none.Resolve("decrypt the catalog"));
            Assert.Equal(DcError.DatabaseKeyInvalid, missing.Error);
            Assert.Contains("DATACOMPASS_DATABASE_KEY", missing.Message);

            ConfigFile.Write(ConfigFile.PathFor(CatalogPath), new DcConfig { DatabaseKeyRef = "Store/gone" });
            var gone = Assert.Throws<DataCompassException>(() => new DatabaseKeySource(CatalogPath, _ => null, new InMemorySecretBackend("Store")).Resolve("open it"));
            Assert.Equal(DcError.DatabaseKeyInvalid, gone.Error);
            Assert.Contains("vault://Store/gone, which does not exist", gone.Message);
        }

        [Fact]
        public void A_secret_that_holds_no_text_is_refused()
        {
            ConfigFile.Write(ConfigFile.PathFor(CatalogPath), new DcConfig { DatabaseKeyRef = "Store/map" });
            var backend = new InMemorySecretBackend("Store");
            backend.SetMap("Store", "map", new Dictionary<string, string?> { ["password"] = "p" });
            var error = Assert.Throws<DataCompassException>(() => new DatabaseKeySource(CatalogPath, _ => null, backend).Resolve("open it"));
            Assert.Equal(DcError.DatabaseKeyInvalid, error.Error);
            Assert.Contains("Hashtable", error.Message);
        }

        [Fact]
        public void The_config_keeps_database_key_ref_and_refuses_one_without_a_vault()
        {
            var path = ConfigFile.PathFor(CatalogPath);
            ConfigFile.Write(path, new DcConfig { DatabaseKeyRef = "vault://Store/db-key" });
            Assert.Equal("vault://Store/db-key", ConfigFile.Read(path).DatabaseKeyRef);
            Assert.Contains(File.ReadAllLines(path), line => line.StartsWith("database_key_ref:", StringComparison.Ordinal) && line.Contains("vault://Store/db-key"));

            var error = Assert.Throws<DataCompassException>(() => ConfigFile.Write(path, new DcConfig { DatabaseKeyRef = "db-key" }));
            Assert.Equal(DcError.ConfigInvalid, error.Error);

            File.WriteAllText(path, "database_key_ref: just-a-name\n");
            Assert.Equal(DcError.ConfigInvalid, Assert.Throws<DataCompassException>(() => ConfigFile.Read(path)).Error);

            // A config that cannot be read sets no key for opening a plain catalog; the commands that read it report it.
            Assert.False(new DatabaseKeySource(CatalogPath, _ => null, null).IsConfigured);
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Text;
using DataCompass.Core.Sources;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Operations.Convert;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Tests
{
    public sealed class SecretConverterTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-convert-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private void AddPlaintext(string name, string password)
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var fields = new OrderedMap { { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", password } };

            // The legacy mask only ever comes from an older tool's catalog: Add-DcSource refuses it.
            var plan = password == LiteralSecrets.LegacyMask
                ? TestSources.AsStored(name, "postgresql", fields)
                : TestSources.Plan(name, "postgresql", null, fields, allowPlaintext: true);
            SourceAdder.Add(plan, new InMemorySecretBackend(), catalog);
        }

        private (SourceCatalog Catalog, System.Collections.Generic.IReadOnlyList<ConversionItem> Items) Plan()
        {
            var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            return (catalog, SecretConverter.Plan(catalog.ListSources(), "Store", new DcConfig()));
        }

        private static System.Collections.Generic.ISet<string> Names(InMemorySecretBackend backend) =>
            new System.Collections.Generic.HashSet<string>(backend.GetSecretNames("Store"), StringComparer.OrdinalIgnoreCase);

        private bool AnyFileHolds(string text) =>
            Directory.GetFiles(_folder).Any(file => Encoding.Latin1.GetString(File.ReadAllBytes(file)).Contains(text, StringComparison.Ordinal));

        [Fact]
        public void A_row_that_cannot_be_read_is_reported_not_passed_over()
        {
            AddPlaintext("good", "canary-readable");
            AddPlaintext("bad", "canary-unreadable");
            using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "UPDATE data_sources SET connection_info = substr(connection_info, 1, 40) WHERE name = 'bad';";
                command.ExecuteNonQuery();
            }

            var (catalog, items) = Plan();
            using (catalog)
            {
                var bad = Assert.Single(items, item => item.Source == "bad");
                Assert.Equal(ConversionStatus.Failed, bad.Status);
                Assert.Same(DcError.ConnectionInfoInvalid, bad.Problem!.Error);
                Assert.Contains(items, item => item.Source == "good" && item.Status == ConversionStatus.Planned);
            }
        }

        [Fact]
        public void Converts_plaintext_into_the_vault_and_leaves_no_byte_of_it()
        {
            AddPlaintext("prod", "canary-convert-1");
            AddPlaintext("dev", "canary-convert-2");
            Assert.True(AnyFileHolds("canary-convert-1"));
            var backend = new InMemorySecretBackend("Store");
            var (catalog, items) = Plan();
            using (catalog)
            {
                Assert.All(items, item => Assert.Equal(ConversionStatus.Planned, item.Status));
                foreach (var item in items)
                {
                    SecretConverter.Convert(item, backend, catalog, Names(backend));
                }

                catalog.Scrub();
                Assert.All(items, item => Assert.Equal(ConversionStatus.Converted, item.Status));
                Assert.Equal("${secret:Store/DataCompass-prod-password}", catalog.FindSource("prod")!.ConnectionInfo["password"]);
                Assert.Equal("canary-convert-1", backend.Peek("Store", "DataCompass-prod-password")!.Text);
                Assert.Equal("prod", catalog.FindSecretOwner("Store", "DataCompass-prod-password"));
            }

            Assert.False(AnyFileHolds("canary-convert-1"));
            Assert.False(AnyFileHolds("canary-convert-2"));
        }

        [Fact]
        public void The_legacy_mask_is_reported_broken_and_references_are_left_alone()
        {
            AddPlaintext("legacy", LiteralSecrets.LegacyMask);
            AddPlaintext("env", "${DB_PASSWORD}");
            AddPlaintext("mixed", "pre-${DB_PASSWORD}");
            var (catalog, items) = Plan();
            using (catalog)
            {
                var byName = items.ToDictionary(item => item.Source);
                Assert.Equal(ConversionStatus.Broken, byName["legacy"].Status);
                Assert.Contains("Set-DcSourceSecret", byName["legacy"].Warning);
                Assert.DoesNotContain("Set-DcSourceSecret", byName["legacy"].Message);
                Assert.Equal(ConversionStatus.AlreadySafe, byName["env"].Status);
                Assert.Equal(ConversionStatus.Mixed, byName["mixed"].Status);
                var backend = new InMemorySecretBackend("Store");
                foreach (var item in items)
                {
                    SecretConverter.Convert(item, backend, catalog, Names(backend));
                }

                Assert.DoesNotContain(backend.Calls, call => !call.StartsWith("List", StringComparison.Ordinal));
                Assert.Equal(LiteralSecrets.LegacyMask, catalog.FindSource("legacy")!.ConnectionInfo["password"]);
            }
        }

        [Fact]
        public void A_secret_left_by_an_interrupted_run_is_reused()
        {
            AddPlaintext("prod", "canary-resume");
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "DataCompass-prod-password", SecretValue.FromText("canary-resume"));
            var (catalog, items) = Plan();
            using (catalog)
            {
                SecretConverter.Convert(items.Single(), backend, catalog, Names(backend));
                Assert.Equal(ConversionStatus.Converted, items.Single().Status);
                Assert.DoesNotContain(backend.Calls, call => call.StartsWith("Set", StringComparison.Ordinal));
            }
        }

        [Fact]
        public void Someone_elses_secret_under_that_name_is_never_overwritten()
        {
            AddPlaintext("prod", "canary-mine");
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "DataCompass-prod-password", SecretValue.FromText("theirs"));
            var (catalog, items) = Plan();
            using (catalog)
            {
                var error = Assert.Throws<DataCompassException>(() => SecretConverter.Convert(items.Single(), backend, catalog, Names(backend)));
                Assert.Same(DcError.SecretNameConflict, error.Error);
                Assert.DoesNotContain("canary-mine", error.Message);
                Assert.Equal(ConversionStatus.Failed, items.Single().Status);
                Assert.Equal("theirs", backend.Peek("Store", "DataCompass-prod-password")!.Text);
                Assert.Equal("canary-mine", catalog.FindSource("prod")!.ConnectionInfo["password"]);
            }
        }

        [Fact]
        public void A_vault_that_fails_midway_leaves_the_rest_untouched()
        {
            AddPlaintext("a", "canary-a");
            AddPlaintext("b", "canary-b");
            var backend = new InMemorySecretBackend("Store") { FailSetsAfter = 1 };
            var (catalog, items) = Plan();
            var names = Names(backend);
            using (catalog)
            {
                SecretConverter.Convert(items[0], backend, catalog, names);
                Assert.Throws<DataCompassException>(() => SecretConverter.Convert(items[1], backend, catalog, names));
                Assert.Equal(ConversionStatus.Converted, items[0].Status);
                Assert.Equal(ConversionStatus.Failed, items[1].Status);
                Assert.StartsWith("${secret:Store/", (string)catalog.FindSource(items[0].Source)!.ConnectionInfo["password"]!);
                Assert.StartsWith("canary-", (string)catalog.FindSource(items[1].Source)!.ConnectionInfo["password"]!);
            }
        }

        [Fact]
        public void A_row_changed_since_the_plan_is_not_overwritten()
        {
            AddPlaintext("prod", "canary-old");
            var backend = new InMemorySecretBackend("Store");
            var (catalog, items) = Plan();
            using (catalog)
            {
                catalog.UpdateFields(items.Single().SourceId, new System.Collections.Generic.Dictionary<string, object?> { ["password"] = "${NEW_VAR}" }, null);
                Assert.Throws<DataCompassException>(() => SecretConverter.Convert(items.Single(), backend, catalog, Names(backend)));
                Assert.Equal("${NEW_VAR}", catalog.FindSource("prod")!.ConnectionInfo["password"]);
            }
        }
    }
}

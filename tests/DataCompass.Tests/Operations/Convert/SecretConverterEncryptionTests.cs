using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Operations.Convert;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    /// <summary>Convert-DcSourceSecret on encrypted values: they move to the vault as their plaintext.</summary>
    public sealed class SecretConverterEncryptionTests : IDisposable
    {
        private static readonly FernetKey Primary = FernetKey.Generate();
        private static readonly FernetKey Lost = FernetKey.Generate();
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-convert-enc-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        /// <summary>Adds a source the way Add-DcSource does on a machine with a key and no vault: its password is stored encrypted.</summary>
        private StoredSource AddEncrypted(string name, string password, KeyRing ring)
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SecretPolicy.Plan(
                SourceDefinition.Prepare(name, "postgresql", null, new OrderedMap
                {
                    { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", password },
                }),
                new SecretPolicyOptions(new DcConfig(), null, allowPlaintext: false, TestKeys.SourceOf(ring)),
                new InMemorySecretBackend(),
                catalog);
            Assert.Equal(new[] { "password" }, plan.EncryptedFields);
            return SourceAdder.Add(plan, new InMemorySecretBackend(), catalog);
        }

        private static ISet<string> Names(InMemorySecretBackend backend) =>
            new HashSet<string>(backend.GetSecretNames("Store"), StringComparer.OrdinalIgnoreCase);

        [Fact]
        public void An_encrypted_value_is_planned_with_its_vault_reference_and_converts()
        {
            var stored = AddEncrypted("prod", "canary-convert-enc", TestKeys.Ring(Primary));
            Assert.True(EncryptedValue.IsEncrypted(stored.ConnectionInfo["password"]));
            var backend = new InMemorySecretBackend("Store");
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var item = Assert.Single(SecretConverter.Plan(catalog.ListSources(), "Store", new DcConfig(), TestKeys.SourceOf(TestKeys.Ring(Primary))));
            Assert.Equal(ConversionStatus.Planned, item.Status);
            Assert.Equal("password", item.Field);
            Assert.Equal("${secret:Store/DataCompass-prod-password}", item.Reference);
            Assert.Null(item.Problem);
            Assert.DoesNotContain("canary-convert-enc", item.ToString());

            SecretConverter.Convert(item, backend, catalog, Names(backend));
            Assert.Equal(ConversionStatus.Converted, item.Status);
            Assert.DoesNotContain("canary-convert-enc", item.Message);
            Assert.Equal("${secret:Store/DataCompass-prod-password}", catalog.FindSource("prod")!.ConnectionInfo["password"]);
            Assert.Equal("canary-convert-enc", backend.Peek("Store", "DataCompass-prod-password")!.Text);
            Assert.Equal("prod", catalog.FindSecretOwner("Store", "DataCompass-prod-password"));
        }

        [Fact]
        public void A_value_under_a_key_the_ring_lacks_fails_in_the_plan_and_is_left_alone()
        {
            var stored = AddEncrypted("prod", "canary-convert-lost", TestKeys.Ring(Lost));
            var encrypted = (string)stored.ConnectionInfo["password"]!;
            var backend = new InMemorySecretBackend("Store");
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var item = Assert.Single(SecretConverter.Plan(catalog.ListSources(), "Store", new DcConfig(), TestKeys.SourceOf(TestKeys.Ring(Primary))));
            Assert.Equal(ConversionStatus.Failed, item.Status);
            Assert.NotNull(item.Problem);
            Assert.Same(DcError.EncryptionKeyMissing, item.Problem!.Error);
            Assert.Equal(Lost.Id, item.Problem.Target);
            Assert.Contains(Lost.Id, item.Message);
            Assert.Null(item.Reference);
            TestKeys.AssertNoCanary(item.Problem, "canary-convert-lost", encrypted.Substring(16));

            SecretConverter.Convert(item, backend, catalog, Names(backend));
            Assert.Equal(ConversionStatus.Failed, item.Status);
            Assert.Equal(encrypted, catalog.FindSource("prod")!.ConnectionInfo["password"]);
            Assert.DoesNotContain(backend.Calls, call => !call.StartsWith("List", StringComparison.Ordinal));
        }

        [Fact]
        public void Without_a_key_ring_source_an_encrypted_value_fails_as_missing_key()
        {
            AddEncrypted("prod", "canary-convert-nokeys", TestKeys.Ring(Primary));
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            var item = Assert.Single(SecretConverter.Plan(catalog.ListSources(), "Store", new DcConfig()));
            Assert.Equal(ConversionStatus.Failed, item.Status);
            Assert.Same(DcError.EncryptionKeyMissing, item.Problem!.Error);
            Assert.Contains("field 'password'", item.Message);
        }

        [Fact]
        public void A_damaged_value_fails_as_decryption_failed()
        {
            var stored = AddEncrypted("prod", "canary-convert-damaged", TestKeys.Ring(Primary));
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.UpdateFields(stored.Id, new Dictionary<string, object?> { ["password"] = "enc:v1:0a1b" }, null);
            }

            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            var item = Assert.Single(SecretConverter.Plan(reader.ListSources(), "Store", new DcConfig(), TestKeys.SourceOf(TestKeys.Ring(Primary))));
            Assert.Equal(ConversionStatus.Failed, item.Status);
            Assert.Same(DcError.DecryptionFailed, item.Problem!.Error);
        }

        [Fact]
        public void A_row_re_encrypted_since_the_plan_is_not_overwritten()
        {
            var stored = AddEncrypted("prod", "canary-convert-race", TestKeys.Ring(Primary));
            var backend = new InMemorySecretBackend("Store");
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var item = Assert.Single(SecretConverter.Plan(catalog.ListSources(), "Store", new DcConfig(), TestKeys.SourceOf(TestKeys.Ring(Primary))));

            // Same plaintext, another token: a rotation ran meanwhile.
            var reEncrypted = TestKeys.Ring(Primary).Encrypt("canary-convert-race");
            catalog.UpdateFields(stored.Id, new Dictionary<string, object?> { ["password"] = reEncrypted }, null);
            var error = Assert.Throws<DataCompassException>(() => SecretConverter.Convert(item, backend, catalog, Names(backend)));
            Assert.Same(DcError.SourceInvalid, error.Error);
            Assert.Equal(ConversionStatus.Failed, item.Status);
            Assert.Equal(reEncrypted, catalog.FindSource("prod")!.ConnectionInfo["password"]);
            TestKeys.AssertNoCanary(error, "canary-convert-race");
        }

        [Fact]
        public void Plaintext_and_encrypted_sources_are_planned_together()
        {
            AddEncrypted("enc", "canary-mixed-enc", TestKeys.Ring(Primary));
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                var plan = TestSources.Plan("plain", "postgresql", null, new OrderedMap
                {
                    { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", "canary-mixed-plain" },
                }, allowPlaintext: true);
                SourceAdder.Add(plan, new InMemorySecretBackend(), catalog);
            }

            var backend = new InMemorySecretBackend("Store");
            using var writer = SourceCatalog.OpenForWrite(DatabasePath);
            var items = SecretConverter.Plan(writer.ListSources(), "Store", new DcConfig(), TestKeys.SourceOf(TestKeys.Ring(Primary)));
            Assert.Equal(new[] { ("enc", ConversionStatus.Planned), ("plain", ConversionStatus.Planned) }, items.Select(item => (item.Source, item.Status)));
            var names = Names(backend);
            foreach (var item in items)
            {
                SecretConverter.Convert(item, backend, writer, names);
            }

            Assert.Equal("canary-mixed-enc", backend.Peek("Store", "DataCompass-enc-password")!.Text);
            Assert.Equal("canary-mixed-plain", backend.Peek("Store", "DataCompass-plain-password")!.Text);
            Assert.All(writer.ListSources(), source => Assert.StartsWith("${secret:Store/", (string)source.ConnectionInfo["password"]!));
        }
    }
}

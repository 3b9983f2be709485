using System;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Tests
{
    /// <summary>Step 3 of "where a secret value ends up": no vault (or -Encrypt) but a key means the value is stored encrypted.</summary>
    public class SecretPolicyEncryptionTests
    {
        private static readonly FernetKey Primary = FernetKey.Generate();
        private static readonly FernetKey Secondary = FernetKey.Generate();

        private static OrderedMap Postgres(string password, string host = "db") => new OrderedMap
        {
            { "host", host }, { "database", "sales" }, { "username", "app" }, { "password", password },
        };

        private static OrderedMap Databricks(string clientSecret, string accessToken) => new OrderedMap
        {
            { "host", "h" }, { "http_path", "/sql" }, { "catalog", "main" }, { "auth_method", "service_principal" },
            { "client_id", "id" }, { "client_secret", clientSecret }, { "tenant_id", "t" }, { "access_token", accessToken },
        };

        private static SourcePlan Plan(OrderedMap fields, ISecretBackend backend, KeyRingSource? keys, bool encrypt = false, bool allowPlaintext = false,
            string type = "postgresql", string? vault = null) =>
            SecretPolicy.Plan(
                SourceDefinition.Prepare("prod", type, null, fields),
                new SecretPolicyOptions(new DcConfig(), vault, allowPlaintext, keys, encrypt),
                backend,
                new NoCatalog());

        private static KeyRingSource Keys() => TestKeys.SourceOf(TestKeys.Ring(Primary, Secondary));

        private static KeyRingSource NoKeys() => TestKeys.SourceOf(null);

        public static TheoryData<string> NoVaultBackends() => new TheoryData<string> { "no vault registered", "no SecretManagement" };

        private static ISecretBackend NoVault(string kind) => kind == "no SecretManagement" ? new NoSecretManagementBackend() : new InMemorySecretBackend();

        [Theory]
        [MemberData(nameof(NoVaultBackends))]
        public void Without_a_vault_a_key_stores_the_literal_encrypted_under_the_primary(string kind)
        {
            var plan = Plan(Postgres("canary-step3-plain"), NoVault(kind), Keys());
            var stored = Assert.IsType<string>(plan.Source.ConnectionInfo["password"]);
            Assert.StartsWith($"enc:v1:{Primary.Id}:", stored);
            Assert.DoesNotContain("canary-step3-plain", stored);
            Assert.Equal("canary-step3-plain", TestKeys.Ring(Primary).Decrypt(stored, "ctx"));
            Assert.Equal(new[] { "password" }, plan.EncryptedFields);
            Assert.Empty(plan.Secrets);
            Assert.Empty(plan.Warnings);
            Assert.Equal("db", plan.Source.ConnectionInfo["host"]);
        }

        [Fact]
        public void Every_literal_secret_field_is_encrypted_and_each_decrypts_to_its_own_value()
        {
            var plan = Plan(Databricks("canary-cs-1", "canary-at-2"), new InMemorySecretBackend(), Keys(), type: "databricks");
            Assert.Equal(new[] { "access_token", "client_secret" }, plan.EncryptedFields.OrderBy(field => field, StringComparer.Ordinal));
            var ring = TestKeys.Ring(Primary);
            Assert.Equal("canary-cs-1", ring.Decrypt((string)plan.Source.ConnectionInfo["client_secret"]!, "ctx"));
            Assert.Equal("canary-at-2", ring.Decrypt((string)plan.Source.ConnectionInfo["access_token"]!, "ctx"));
            Assert.Equal("id", plan.Source.ConnectionInfo["client_id"]);
        }

        [Fact]
        public void Encrypt_with_a_vault_encrypts_and_writes_nothing_to_the_vault()
        {
            var backend = new InMemorySecretBackend("Store");
            var plan = Plan(Postgres("canary-encrypt-flag"), backend, Keys(), encrypt: true);
            Assert.StartsWith($"enc:v1:{Primary.Id}:", (string)plan.Source.ConnectionInfo["password"]!);
            Assert.Equal(new[] { "password" }, plan.EncryptedFields);
            Assert.Empty(plan.Secrets);
            Assert.DoesNotContain(backend.Calls, call => call.StartsWith("Set", StringComparison.Ordinal));
            Assert.Empty(backend.GetSecretNames("Store"));
        }

        [Fact]
        public void A_vault_wins_over_a_key_without_encrypt()
        {
            var plan = Plan(Postgres("canary-vault-first"), new InMemorySecretBackend("Store"), Keys());
            Assert.Empty(plan.EncryptedFields);
            var pending = Assert.Single(plan.Secrets);
            Assert.Equal("Store", pending.Vault);
            Assert.Equal(pending.Reference, plan.Source.ConnectionInfo["password"]);
        }

        [Fact]
        public void Encrypt_without_a_key_is_a_missing_key_precondition()
        {
            var error = Assert.Throws<DataCompassException>(() => Plan(Postgres("canary-encrypt-nokey"), new InMemorySecretBackend("Store"), NoKeys(), encrypt: true));
            Assert.Same(DcError.EncryptionKeyMissing, error.Error);
            Assert.True(error.IsPrecondition);
            Assert.Contains("-Encrypt", error.Message);
            Assert.Contains("New-DcEncryptionKey", error.Message);
            TestKeys.AssertNoCanary(error, "canary-encrypt-nokey");
        }

        [Fact]
        public void Encrypt_without_a_key_is_refused_even_with_allow_plaintext()
        {
            var error = Assert.Throws<DataCompassException>(() =>
                Plan(Postgres("canary-encrypt-allow"), new InMemorySecretBackend(), NoKeys(), encrypt: true, allowPlaintext: true));
            Assert.Same(DcError.EncryptionKeyMissing, error.Error);
            Assert.True(error.IsPrecondition);
        }

        [Theory]
        [MemberData(nameof(NoVaultBackends))]
        public void No_vault_and_no_key_is_refused_naming_every_way_out(string kind)
        {
            var error = Assert.Throws<DataCompassException>(() => Plan(Postgres("canary-nowhere"), NoVault(kind), NoKeys()));
            Assert.Same(DcError.PlaintextSecretRefused, error.Error);
            Assert.True(error.IsPrecondition);
            Assert.Contains("New-DcEncryptionKey", error.Message);
            Assert.Contains("-AllowPlaintext", error.Message);
            Assert.Contains("-Vault", error.Message);
            Assert.Contains("'password'", error.Message);
            TestKeys.AssertNoCanary(error, "canary-nowhere");
        }

        [Fact]
        public void No_key_source_at_all_behaves_as_no_key()
        {
            var error = Assert.Throws<DataCompassException>(() => Plan(Postgres("canary-nokeysource"), new InMemorySecretBackend(), keys: null));
            Assert.Same(DcError.PlaintextSecretRefused, error.Error);
            Assert.True(error.IsPrecondition);
        }

        [Fact]
        public void Allow_plaintext_without_a_key_keeps_the_value_with_a_warning()
        {
            var plan = Plan(Postgres("canary-allowed-plain"), new InMemorySecretBackend(), NoKeys(), allowPlaintext: true);
            Assert.Equal("canary-allowed-plain", plan.Source.ConnectionInfo["password"]);
            Assert.Empty(plan.EncryptedFields);
            Assert.Empty(plan.Secrets);
            var warning = Assert.Single(plan.Warnings);
            Assert.Contains("'password'", warning);
            Assert.Contains("plaintext", warning);
            Assert.DoesNotContain("canary-allowed-plain", warning);
        }

        [Fact]
        public void Allow_plaintext_with_a_key_still_encrypts()
        {
            var plan = Plan(Postgres("canary-allow-but-key"), new InMemorySecretBackend(), Keys(), allowPlaintext: true);
            Assert.True(EncryptedValue.IsEncrypted(plan.Source.ConnectionInfo["password"]));
            Assert.Equal(new[] { "password" }, plan.EncryptedFields);
            Assert.Empty(plan.Warnings);
        }

        [Theory]
        [InlineData("${DB_PASSWORD}")]
        [InlineData("${secret:Corp/pg}")]
        [InlineData("${DB_PASSWORD:-}")]
        public void A_reference_is_never_encrypted(string reference)
        {
            var plan = Plan(Postgres(reference), new InMemorySecretBackend(), Keys(), encrypt: true);
            Assert.Equal(reference, plan.Source.ConnectionInfo["password"]);
            Assert.Empty(plan.EncryptedFields);
        }

        [Fact]
        public void A_non_secret_field_is_never_encrypted()
        {
            var plan = Plan(Postgres("canary-ns", host: "db.internal"), new InMemorySecretBackend(), Keys(), encrypt: true);
            Assert.Equal("db.internal", plan.Source.ConnectionInfo["host"]);
            Assert.Equal("app", plan.Source.ConnectionInfo["username"]);
            Assert.Equal(new[] { "password" }, plan.EncryptedFields);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void A_mixed_field_is_still_refused_with_a_key(bool encrypt)
        {
            var error = Assert.Throws<DataCompassException>(() =>
                Plan(Postgres("canary-mix-${DB_PASSWORD}"), new InMemorySecretBackend(), Keys(), encrypt: encrypt));
            Assert.Same(DcError.PlaintextSecretRefused, error.Error);
            Assert.Contains("mixes literal text", error.Message);
            TestKeys.AssertNoCanary(error, "canary-mix-");
        }

        [Fact]
        public void A_configured_key_that_cannot_be_read_is_a_precondition()
        {
            var keys = new KeyRingSource(
                TestKeys.Environment((KeyRingSource.EnvironmentVariable, "canary-broken-env-key")),
                () => new DcConfig(),
                TestKeys.MissingKeyFile(),
                null);
            var error = Assert.Throws<DataCompassException>(() => Plan(Postgres("canary-broken-key-plain"), new InMemorySecretBackend(), keys));
            Assert.Same(DcError.EncryptionKeyInvalid, error.Error);
            Assert.True(error.IsPrecondition);
            TestKeys.AssertNoCanary(error, "canary-broken-env-key", "canary-broken-key-plain");
        }

        [Fact]
        public void A_source_without_literal_secrets_never_looks_for_a_key()
        {
            var environmentReads = 0;
            var keys = new KeyRingSource(
                name =>
                {
                    environmentReads++;
                    return null;
                },
                () => throw new InvalidOperationException("The config must not be read."),
                TestKeys.MissingKeyFile(),
                null);
            var plan = Plan(Postgres("${DB_PASSWORD}"), new InMemorySecretBackend(), keys);
            Assert.Equal("${DB_PASSWORD}", plan.Source.ConnectionInfo["password"]);
            Assert.Equal(0, environmentReads);
        }

        private sealed class NoCatalog : ICatalogLookup
        {
            public void EnsureNameIsFree(string name)
            {
            }

            public string? FindSecretOwner(string vault, string secretName) => null;

            public System.Collections.Generic.IReadOnlyList<StoredSource> ListSources() => System.Array.Empty<StoredSource>();
        }

        [Fact]
        public void An_encrypted_value_given_as_input_is_stored_as_it_is()
        {
            var stored = TestKeys.Ring(Secondary).Encrypt("canary-copied-value");
            var backend = new InMemorySecretBackend("Store");
            var plan = Plan(Postgres(stored), backend, Keys());
            Assert.Equal(stored, plan.Source.ConnectionInfo["password"]);
            Assert.Empty(plan.Secrets);
            Assert.Empty(plan.EncryptedFields);
            Assert.Empty(backend.GetSecretNames("Store"));
        }

        [Fact]
        public void A_damaged_encrypted_value_given_as_input_is_refused()
        {
            var error = Assert.Throws<DataCompassException>(() => Plan(Postgres("enc:v1:nothex!:canary-damaged"), new InMemorySecretBackend("Store"), Keys()));
            Assert.Same(DcError.DecryptionFailed, error.Error);
            Assert.Contains("field 'password'", error.Message);
            TestKeys.AssertNoCanary(error, "canary-damaged");
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Plaintext_that_only_looks_encrypted_is_refused_even_with_AllowPlaintext(bool withKeys)
        {
            // A well-formed key id, but no configured key opens it: it cannot be told from a real password.
            var error = Assert.Throws<DataCompassException>(() =>
                Plan(Postgres("enc:v1:abcdef12:canary-looks-encrypted"), new InMemorySecretBackend(), withKeys ? Keys() : NoKeys(), allowPlaintext: true));
            Assert.Same(DcError.EncryptionKeyMissing, error.Error);
            Assert.Contains("field 'password'", error.Message);
            TestKeys.AssertNoCanary(error, "canary-looks-encrypted");
        }

        [Fact]
        public void An_encrypted_value_in_a_field_that_is_not_secret_is_refused()
        {
            var fields = Postgres("${PG_PASSWORD}", host: TestKeys.Ring(Primary).Encrypt("db.example.com"));
            var error = Assert.Throws<DataCompassException>(() => Plan(fields, new InMemorySecretBackend("Store"), Keys()));
            Assert.Same(DcError.SourceInvalid, error.Error);
            Assert.Contains("field 'host'", error.Message);
        }

        [Fact]
        public void Encrypt_still_checks_a_named_vault()
        {
            var error = Assert.Throws<DataCompassException>(() => Plan(Postgres("canary-named-vault"), new InMemorySecretBackend("Store"), Keys(), encrypt: true, vault: "Nope"));
            Assert.Same(DcError.VaultNotFound, error.Error);
            TestKeys.AssertNoCanary(error, "canary-named-vault");
        }
    }
}

using System;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Operations.Rotate;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Tests
{
    public sealed class SecretPolicyTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-policy-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static OrderedMap Postgres(string password) => new OrderedMap
        {
            { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", password },
        };

        private StoredSource Add(string name, OrderedMap fields, InMemorySecretBackend backend, string? vault = null, DcConfig? config = null, string type = "postgresql")
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SecretPolicy.Plan(
                SourceDefinition.Prepare(name, type, null, fields),
                new SecretPolicyOptions(config ?? new DcConfig(), vault, allowPlaintext: false),
                backend,
                catalog);
            return SourceAdder.Add(plan, backend, catalog);
        }

        [Fact]
        public void A_literal_secret_goes_to_the_default_vault_and_the_row_keeps_its_reference()
        {
            var backend = new InMemorySecretBackend("Store", "Other");
            var stored = Add("prod", Postgres("canary-literal"), backend);
            Assert.Equal("${secret:Store/DataCompass-prod-password}", stored.ConnectionInfo["password"]);
            Assert.Equal("canary-literal", backend.Peek("Store", "DataCompass-prod-password")!.Text);
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            var owned = Assert.Single(catalog.OwnedSecrets(stored.Id));
            Assert.Equal(("password", "Store", "DataCompass-prod-password"), (owned.Field, owned.Vault, owned.SecretName));
            Assert.Equal("prod", catalog.FindSecretOwner("store", "DataCompass-prod-password"));
        }

        [Fact]
        public void A_source_prepared_inactive_is_stored_inactive_and_its_add_event_records_the_flag()
        {
            var backend = new InMemorySecretBackend("Store");
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SecretPolicy.Plan(
                SourceDefinition.Prepare("old", "postgresql", null, Postgres("${PG}"), isActive: false),
                new SecretPolicyOptions(new DcConfig(), null, allowPlaintext: false),
                backend,
                catalog);

            var stored = SourceAdder.Add(plan, backend, catalog);

            Assert.False(stored.IsActive);
            Assert.False(catalog.FindSource("old")!.IsActive);
            var change = Assert.Single(Assert.Single(catalog.ReadAuditEvents(new AuditQuery())).Fields, field => field.Field == "is_active");
            Assert.Equal(((string?)null, "false"), (change.Old, change.New));
            Assert.True(Add("new", Postgres("${PG}"), backend).IsActive);
        }

        [Fact]
        public void Explicit_vault_beats_config_which_beats_the_default()
        {
            var backend = new InMemorySecretBackend("Store", "Corp", "Team");
            Assert.Equal("${secret:Corp/DataCompass-a-password}", Add("a", Postgres("x"), backend, vault: "corp").ConnectionInfo["password"]);
            var config = new DcConfig { SecretsBackend = "Team" };
            Assert.Equal("${secret:Team/DataCompass-b-password}", Add("b", Postgres("x"), backend, config: config).ConnectionInfo["password"]);
            Assert.Equal("${secret:Corp/DataCompass-c-password}", Add("c", Postgres("x"), backend, vault: "Corp", config: config).ConnectionInfo["password"]);
        }

        [Fact]
        public void An_unknown_vault_is_refused_before_anything_is_written()
        {
            var backend = new InMemorySecretBackend("Store");
            var error = Assert.Throws<DataCompassException>(() => Add("prod", Postgres("x"), backend, vault: "Nope"));
            Assert.Same(DcError.VaultNotFound, error.Error);
            Assert.DoesNotContain(backend.Calls, call => call.StartsWith("Set", StringComparison.Ordinal));
            Assert.Same(DcError.VaultNotFound, Assert.Throws<DataCompassException>(() =>
                Add("prod", Postgres("x"), backend, config: new DcConfig { SecretsBackend = "Gone" })).Error);
        }

        [Fact]
        public void No_vault_means_refusal_naming_the_ways_out()
        {
            var error = Assert.Throws<DataCompassException>(() => Add("prod", Postgres("canary-x"), new InMemorySecretBackend()));
            Assert.Same(DcError.PlaintextSecretRefused, error.Error);
            Assert.Contains("no SecretManagement vault is registered", error.Message);
            Assert.True(error.IsPrecondition);
            Assert.Contains("-AllowPlaintext", error.Message);
            Assert.DoesNotContain("canary-x", error.Message);
            Assert.False(File.Exists(DatabasePath) && SourceCatalog.OpenForRead(DatabasePath)!.ListSources().Count > 0);
        }

        [Fact]
        public void Unqualified_references_are_stored_with_the_chosen_vault()
        {
            var backend = new InMemorySecretBackend("Store");
            var stored = Add("prod", Postgres("${secret:pg}${secret:Corp/x}"), backend);
            Assert.Equal("${secret:Store/pg}${secret:Corp/x}", stored.ConnectionInfo["password"]);
            Assert.DoesNotContain(backend.Calls, call => call.StartsWith("Set", StringComparison.Ordinal));
            Assert.Same(DcError.NoVaultAvailable, Assert.Throws<DataCompassException>(() =>
                Add("dev", Postgres("${secret:pg}"), new InMemorySecretBackend())).Error);
        }

        [Fact]
        public void Env_references_never_touch_secretmanagement()
        {
            var backend = new InMemorySecretBackend("Store");
            Add("prod", Postgres("${DB_PASSWORD}"), backend);
            Assert.Empty(backend.Calls);
        }

        [Fact]
        public void Mixed_literal_and_reference_is_refused_even_with_a_vault()
        {
            var error = Assert.Throws<DataCompassException>(() => Add("prod", Postgres("${DB_PASSWORD:-canary-d}"), new InMemorySecretBackend("Store")));
            Assert.Same(DcError.PlaintextSecretRefused, error.Error);
            Assert.Contains("mixes literal text", error.Message);
            Assert.False(error.IsPrecondition);
        }

        [Fact]
        public void An_existing_secret_of_that_name_is_never_overwritten()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "DataCompass-prod-password", SecretValue.FromText("someone-elses"));
            var error = Assert.Throws<DataCompassException>(() => Add("prod", Postgres("x"), backend));
            Assert.Same(DcError.SecretNameConflict, error.Error);
            Assert.Contains("did not create", error.Message);
            Assert.Equal("someone-elses", backend.Peek("Store", "DataCompass-prod-password")!.Text);
        }

        [Fact]
        public void A_secret_left_by_an_interrupted_add_is_used_without_a_write_and_recorded_as_owned()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "DataCompass-prod-password", SecretValue.FromText("canary-left"));

            var stored = Add("prod", Postgres("canary-left"), backend);

            Assert.Equal("${secret:Store/DataCompass-prod-password}", stored.ConnectionInfo["password"]);
            Assert.DoesNotContain(backend.Calls, call => call.StartsWith("Set", StringComparison.Ordinal));
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Equal("prod", catalog.FindSecretOwner("Store", "DataCompass-prod-password"));
        }

        [Fact]
        public void A_same_value_secret_that_another_source_refers_to_is_still_a_conflict()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "DataCompass-prod-password", SecretValue.FromText("canary-shared"));
            Add("other", Postgres("${secret:Store/DataCompass-prod-password}"), backend);

            Assert.Same(DcError.SecretNameConflict, Assert.Throws<DataCompassException>(() => Add("prod", Postgres("canary-shared"), backend)).Error);
        }

        [Fact]
        public void Another_sources_secret_is_named_in_the_conflict()
        {
            // Templates changed between two adds can make two sources meet on one name.
            var backend = new InMemorySecretBackend("Store");
            Add("a", Postgres("x"), backend, config: new DcConfig { SecretNameTemplate = "{source}-x-{field}" });
            var error = Assert.Throws<DataCompassException>(() =>
                Add("a-x", Postgres("y"), backend, config: new DcConfig { SecretNameTemplate = "{source}-{field}" }));
            Assert.Same(DcError.SecretNameConflict, error.Error);
            Assert.Contains("the secret of source 'a'", error.Message);
            Assert.Equal("x", backend.Peek("Store", "a-x-password")!.Text);
        }

        [Fact]
        public void A_failed_vault_write_leaves_the_database_and_the_vault_as_they_were()
        {
            var backend = new InMemorySecretBackend("Store") { FailSetsAfter = 1 };
            var fields = new OrderedMap
            {
                { "host", "h" }, { "http_path", "/sql" }, { "catalog", "main" }, { "auth_method", "service_principal" },
                { "client_id", "id" }, { "client_secret", "canary-cs" }, { "tenant_id", "t" }, { "access_token", "canary-at" },
            };
            var error = Assert.Throws<DataCompassException>(() => Add("dbx", fields, backend, type: "databricks"));
            Assert.Same(DcError.VaultFailed, error.Error);
            var first = SecretNameTemplate.Apply(DcConfig.DefaultSecretNameTemplate, "dbx", "access_token");
            Assert.Contains($"Set Store/{first}", backend.Calls);
            Assert.Contains($"Remove Store/{first}", backend.Calls);
            Assert.Null(backend.Peek("Store", first));
            Assert.Null(backend.Peek("Store", SecretNameTemplate.Apply(DcConfig.DefaultSecretNameTemplate, "dbx", "client_secret")));
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Empty(catalog.ListSources());
        }

        [Fact]
        public void A_taken_name_writes_no_secret()
        {
            var backend = new InMemorySecretBackend("Store");
            Add("prod", Postgres("secret-1"), backend);
            backend.Calls.Clear();
            var error = Assert.Throws<DataCompassException>(() => Add("PROD", Postgres("x"), backend));
            Assert.Same(DcError.SourceExists, error.Error);
            Assert.DoesNotContain(backend.Calls, call => call.StartsWith("Set", StringComparison.Ordinal));
            Assert.Equal("secret-1", backend.Peek("Store", "DataCompass-prod-password")!.Text);
        }

        [Fact]
        public void Vault_errors_name_the_source()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.LockedVaults.Add("Store");
            var error = Assert.Throws<DataCompassException>(() => Add("prod", Postgres("x"), backend));
            Assert.Same(DcError.VaultLocked, error.Error);
            Assert.StartsWith("Source 'prod'", error.Message);
        }

        [Fact]
        public void Rotation_writes_into_a_referenced_secret_and_keeps_the_row()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "shared", SecretValue.FromText("old"));
            var stored = Add("prod", Postgres("${secret:Store/shared}"), backend);
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SecretRotation.Plan(stored, "password", null, null, new DcConfig(), backend, catalog);
            Assert.Empty(plan.RowChanges);
            var after = SecretRotation.Apply(plan, "new", backend, catalog);
            Assert.Equal("new", backend.Peek("Store", "shared")!.Text);
            Assert.Equal("${secret:Store/shared}", after.ConnectionInfo["password"]);
        }

        [Fact]
        public void Rotation_moves_an_env_reference_into_an_owned_secret_and_a_credential_updates_the_user()
        {
            var backend = new InMemorySecretBackend("Store");
            var stored = Add("prod", Postgres("${DB_PASSWORD}"), backend);
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SecretRotation.Plan(stored, "password", "svc", null, new DcConfig(), backend, catalog);
            var after = SecretRotation.Apply(plan, "rotated", backend, catalog);
            Assert.Equal("${secret:Store/DataCompass-prod-password}", after.ConnectionInfo["password"]);
            Assert.Equal("svc", after.ConnectionInfo["username"]);
            Assert.Equal("rotated", backend.Peek("Store", "DataCompass-prod-password")!.Text);
            Assert.Equal("password", Assert.Single(catalog.OwnedSecrets(after.Id)).Field);
        }

        [Fact]
        public void A_credential_rotation_switches_user_and_secret_name_together_and_removes_the_replaced_secret()
        {
            var backend = new InMemorySecretBackend("Store");
            var stored = Add("prod", Postgres("canary-p1"), backend);
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            backend.Calls.Clear();

            var after = SecretRotation.Apply(SecretRotation.Plan(stored, "password", "svc", null, new DcConfig(), backend, catalog), "canary-p2", backend, catalog);

            Assert.Equal("${secret:Store/DataCompass-prod-password-2}", after.ConnectionInfo["password"]);
            Assert.Equal("svc", after.ConnectionInfo["username"]);
            Assert.Null(backend.Peek("Store", "DataCompass-prod-password"));
            Assert.DoesNotContain(backend.Calls, call => call == "Set Store/DataCompass-prod-password");
            var owned = Assert.Single(catalog.OwnedSecrets(after.Id));
            Assert.Equal(("password", "DataCompass-prod-password-2"), (owned.Field, owned.SecretName));
        }

        [Fact]
        public void A_replaced_secret_that_cannot_be_removed_stays_recorded_and_goes_with_the_next_rotation()
        {
            var backend = new InMemorySecretBackend("Store");
            var stored = Add("prod", Postgres("canary-p1"), backend);
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            backend.FailRemoves = true;
            var after = SecretRotation.Apply(SecretRotation.Plan(stored, "password", "svc", null, new DcConfig(), backend, catalog), "canary-p2", backend, catalog);
            Assert.Contains(catalog.OwnedSecrets(after.Id), secret => secret.Field == OwnedSecret.ReplacedFieldOf("password") && secret.SecretName == "DataCompass-prod-password");
            Assert.Equal("prod", catalog.FindSecretOwner("Store", "DataCompass-prod-password"));

            backend.FailRemoves = false;
            SecretRotation.Apply(SecretRotation.Plan(after, "password", null, null, new DcConfig(), backend, catalog), "canary-p3", backend, catalog);

            Assert.Null(backend.Peek("Store", "DataCompass-prod-password"));
            Assert.Equal("password", Assert.Single(catalog.OwnedSecrets(after.Id)).Field);
        }

        [Fact]
        public void Rotation_refuses_a_field_that_is_not_secret()
        {
            var backend = new InMemorySecretBackend("Store");
            var stored = Add("prod", Postgres("${DB_PASSWORD}"), backend);
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var error = Assert.Throws<DataCompassException>(() => SecretRotation.Plan(stored, "host", null, null, new DcConfig(), backend, catalog));
            Assert.Same(DcError.FieldNotSecret, error.Error);
            Assert.Contains("password", error.Message);
        }

        [Fact]
        public void A_failed_rotation_write_leaves_the_row_pointing_at_the_old_value()
        {
            var backend = new InMemorySecretBackend("Store") { FailSetsAfter = 0 };
            var stored = Add("prod", Postgres("${DB_PASSWORD}"), backend);
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SecretRotation.Plan(stored, "password", null, null, new DcConfig(), backend, catalog);
            Assert.Throws<DataCompassException>(() => SecretRotation.Apply(plan, "rotated", backend, catalog));
            Assert.Equal("${DB_PASSWORD}", catalog.FindSource("prod")!.ConnectionInfo["password"]);
        }

        [Theory]
        [InlineData("prod", "password", "DataCompass-prod-password")]
        [InlineData("Prod-2", "password", "DataCompass-Prod-2-password")]
        public void Portable_names_are_used_as_they_are(string source, string field, string expected) =>
            Assert.Equal(expected, SecretNameTemplate.Apply(DcConfig.DefaultSecretNameTemplate, source, field));

        [Fact]
        public void Changed_names_get_a_hash_so_they_stay_unique()
        {
            var underscore = SecretNameTemplate.Apply(DcConfig.DefaultSecretNameTemplate, "prod_db", "access_token");
            var dash = SecretNameTemplate.Apply(DcConfig.DefaultSecretNameTemplate, "prod-db", "access-token");
            Assert.Matches("^DataCompass-prod-db-access-token-[0-9a-f]{8}$", underscore);
            Assert.NotEqual(underscore, dash);
            var truncated = SecretNameTemplate.Apply("{source}{source}{field}", new string('b', 64), "password");
            Assert.Equal(SecretNameTemplate.MaxLength, truncated.Length);
            Assert.Matches("^[A-Za-z0-9-]+$", truncated);
            Assert.NotEqual(truncated, SecretNameTemplate.Apply("{source}{source}{field}", new string('b', 64), "passwore"));
        }

        [Theory]
        [InlineData("DataCompass-{source}", "must contain both")]
        [InlineData("{field}", "must contain both")]
        [InlineData("dc_{source}_{field}", "only letters, digits and '-'")]
        public void Bad_templates_are_refused(string template, string problem) =>
            Assert.Contains(problem, SecretNameTemplate.Check(template));
    }
}

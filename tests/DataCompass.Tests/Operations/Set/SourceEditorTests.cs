using System;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Operations.Set;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using Xunit;

namespace DataCompass.Tests
{
    public sealed class SourceEditorTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-edit-" + Guid.NewGuid().ToString("n"));
        private readonly InMemorySecretBackend _backend = new InMemorySecretBackend("Store");

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private StoredSource Add(string name, string password, bool allowPlaintext = false)
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var fields = new OrderedMap { { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", password }, { "schema_filter", "public" } };
            // Plaintext only where there is no vault to put it in.
            var backend = allowPlaintext ? new InMemorySecretBackend() : _backend;
            var plan = SecretPolicy.Plan(SourceDefinition.Prepare(name, "postgresql", "Sales", fields), new SecretPolicyOptions(new DcConfig(), null, allowPlaintext), backend, catalog);
            return SourceAdder.Add(plan, backend, catalog);
        }

        private EditPlan Plan(string name, SourceEdit edit, bool allowPlaintext = false)
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return SourceEditor.Plan(catalog.FindSource(name)!, edit, new SecretPolicyOptions(new DcConfig(), null, allowPlaintext), _backend, catalog);
        }

        private StoredSource Set(string name, SourceEdit edit)
        {
            var plan = Plan(name, edit);
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            return SourceEditor.Apply(plan, _backend, catalog);
        }

        private static SourceEdit Fields(params (string Key, object? Value)[] fields)
        {
            var map = new OrderedMap();
            foreach (var (key, value) in fields)
            {
                map.Add(key, value);
            }

            return new SourceEdit { Fields = map };
        }

        private StoredAuditEvent[] SetEvents()
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return catalog.ReadAuditEvents(new AuditQuery { Actions = new[] { AuditActions.Set } }).ToArray();
        }

        [Fact]
        public void Changes_only_the_given_fields_and_keeps_the_id_and_created_at()
        {
            var added = Add("prod", "${PG_PASSWORD}");
            var updated = Set("prod", Fields(("HOST", "db2"), ("schema_filter", null), ("port", 6432)));

            Assert.Equal(added.Id, updated.Id);
            Assert.Equal(added.CreatedAt, updated.CreatedAt);
            Assert.Equal("db2", updated.ConnectionInfo["host"]);
            Assert.Equal(6432L, Convert.ToInt64(updated.ConnectionInfo["port"]));
            Assert.Null(updated.ConnectionInfo["schema_filter"]);
            Assert.Equal("${PG_PASSWORD}", updated.ConnectionInfo["password"]);
            Assert.Equal("Sales", updated.DisplayName);

            var change = Assert.Single(SetEvents());
            Assert.Equal(new[] { "host", "port", "schema_filter" }, change.Fields.Select(field => field.Field));
            Assert.Equal(("literal", (string?)null), (change.Fields[2].Old, change.Fields[2].New));
        }

        [Fact]
        public void Display_name_and_active_are_recorded_as_fields_of_their_own()
        {
            Add("prod", "${PG_PASSWORD}");
            var updated = Set("prod", new SourceEdit { SetsDisplayName = true, DisplayName = "Sales EU", IsActive = false });
            Assert.Equal(("Sales EU", false), (updated.DisplayName, updated.IsActive));
            var fields = Assert.Single(SetEvents()).Fields;
            Assert.Equal(new[] { "display_name", "is_active" }, fields.Select(field => field.Field));
            Assert.Equal(("true", "false"), (fields[1].Old, fields[1].New));
        }

        [Fact]
        public void Values_equal_to_the_stored_ones_change_nothing_and_record_nothing()
        {
            var added = Add("prod", "${PG_PASSWORD}");
            var plan = Plan("prod", new SourceEdit { Fields = new OrderedMap { { "host", "db" }, { "password", "${PG_PASSWORD}" } }, SetsDisplayName = true, DisplayName = "Sales", IsActive = true });
            Assert.False(plan.HasChanges);
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                Assert.Equal(added.UpdatedAt, SourceEditor.Apply(plan, _backend, catalog).UpdatedAt);
            }

            Assert.Empty(SetEvents());
        }

        [Fact]
        public void A_literal_goes_to_a_new_owned_secret_and_the_replaced_one_is_removed()
        {
            Add("prod", "first-password");
            var first = Set("prod", Fields(("password", "second-password")));
            Assert.Equal("${secret:Store/DataCompass-prod-password-2}", first.ConnectionInfo["password"]);
            Assert.Null(_backend.Peek("Store", "DataCompass-prod-password"));
            Assert.Equal("second-password", _backend.Peek("Store", "DataCompass-prod-password-2")!.Text);

            var second = Set("prod", Fields(("password", "third-password")));
            Assert.Equal("${secret:Store/DataCompass-prod-password}", second.ConnectionInfo["password"]);
            Assert.Null(_backend.Peek("Store", "DataCompass-prod-password-2"));
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            var owned = Assert.Single(catalog.OwnedSecrets(second.Id));
            Assert.Equal(("password", "DataCompass-prod-password"), (owned.Field, owned.SecretName));
            var change = SetEvents().Last().Fields.Single();
            Assert.Equal(("${secret:Store/DataCompass-prod-password-2}", "${secret:Store/DataCompass-prod-password}"), (change.Old, change.New));
        }

        [Fact]
        public void An_owned_secret_the_field_stops_using_for_a_reference_is_removed_and_forgotten()
        {
            var added = Add("prod", "first-password");
            Set("prod", Fields(("password", "${PG_PASSWORD}")));
            Assert.Null(_backend.Peek("Store", "DataCompass-prod-password"));
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Empty(catalog.OwnedSecrets(added.Id));
        }

        [Fact]
        public void A_row_changed_meanwhile_is_refused_and_the_secret_just_written_removed()
        {
            Add("prod", "${PG_PASSWORD}");
            var plan = Plan("prod", Fields(("password", "new-password")));
            Set("prod", Fields(("host", "elsewhere")));

            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var error = Assert.Throws<DataCompassException>(() => SourceEditor.Apply(plan, _backend, catalog));
            Assert.Same(DcError.SourceChanged, error.Error);
            Assert.Null(_backend.Peek("Store", "DataCompass-prod-password"));
            Assert.Equal("${PG_PASSWORD}", catalog.FindSource("prod")!.ConnectionInfo["password"]);
            Assert.Single(SetEvents());
        }

        [Theory]
        [InlineData("********")]
        [InlineData("**********")]
        [InlineData("${PG_PASSWORD:-********}")]
        [InlineData("********${PG_SUFFIX}")]
        [InlineData("enc:v1:0a1b2c3d:********")]
        public void A_masked_display_is_refused(string masked)
        {
            Add("prod", "${PG_PASSWORD}");
            var error = Assert.Throws<DataCompassException>(() => Plan("prod", Fields(("password", masked))));
            Assert.Same(DcError.SecretValueMasked, error.Error);
            Assert.Contains("'password'", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(_backend.Calls, call => call.StartsWith("Set", StringComparison.Ordinal));
        }

        [Fact]
        public void Stars_in_a_non_secret_field_or_inside_a_real_secret_are_not_a_mask()
        {
            Assert.False(MaskedSecretInput.LooksMasked("pass****word"));
            Assert.False(MaskedSecretInput.LooksMasked("*******"));
            Assert.True(MaskedSecretInput.LooksMasked("enc:v1:********"));
            Add("prod", "${PG_PASSWORD}");
            Assert.True(Plan("prod", Fields(("schema_filter", "********"))).HasChanges);
        }

        [Fact]
        public void Clearing_a_required_field_is_refused_and_unknown_fields_are_named()
        {
            Add("prod", "${PG_PASSWORD}");
            var required = Assert.Throws<DataCompassException>(() => Plan("prod", Fields(("host", null))));
            Assert.Same(DcError.SourceInvalid, required.Error);
            Assert.Contains("'host' is required", required.Message, StringComparison.Ordinal);
            var unknown = Assert.Throws<DataCompassException>(() => Plan("prod", Fields(("pasword", "${X}"))));
            Assert.Same(DcError.SourceInvalid, unknown.Error);
            Assert.Contains("did you mean 'password'", unknown.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void A_stored_plaintext_secret_not_given_is_kept_as_it_is()
        {
            Add("legacy", "plain-password", allowPlaintext: true);
            var updated = Set("legacy", Fields(("host", "db2")));
            Assert.Equal("plain-password", updated.ConnectionInfo["password"]);
            Assert.DoesNotContain(_backend.Calls, call => call.StartsWith("Set", StringComparison.Ordinal));
        }

        [Fact]
        public void The_plan_describes_each_field_without_its_value()
        {
            Add("prod", "${PG_PASSWORD}");
            var plan = Plan("prod", Fields(("password", "secret-canary"), ("host", "db2")));
            var text = string.Join("\n", plan.Describe()) + plan.Secrets.Single();
            Assert.DoesNotContain("secret-canary", text, StringComparison.Ordinal);
            Assert.DoesNotContain("db2", text, StringComparison.Ordinal);
            Assert.Contains("password: ${PG_PASSWORD} -> ${secret:Store/DataCompass-prod-password}", text, StringComparison.Ordinal);
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using Xunit;

namespace DataCompass.Tests
{
    public sealed class SourceExporterTests
    {
        private const string Canary = "Canary-exp-2b7c91";

        private static StoredSource Stored(string name, string type, OrderedMap fields, string? displayName = null) =>
            new StoredSource { Id = 1, Name = name, SourceType = type, DisplayName = displayName, ConnectionInfo = SourceValidator.Normalize(AdapterCatalog.Find(type)!, name, fields) };

        private static OrderedMap Postgres(object? password) => new OrderedMap
        {
            { "host", "db.example.com" }, { "port", "${PG_PORT}" }, { "database", "010" }, { "username", "${PG_USER}" }, { "password", password },
            { "exclude_schemas", new List<object?> { "yes", "~" } },
        };

        [Fact]
        public void Exports_name_type_display_name_and_every_field_with_a_value_that_reads_back_as_stored()
        {
            var source = Stored("prod", "postgresql", Postgres("${secret:Store/pg}"), "Prod: main");

            var export = SourceExporter.Export(source);
            var file = SourceFileHeader.Split(SourceFileReader.ReadText(export.Yaml, "prod.yaml"), "prod.yaml");

            Assert.StartsWith("name: prod\ntype: postgresql\ndisplay_name: \"Prod: main\"\n", export.Yaml);
            Assert.Equal(("prod", "postgresql", "Prod: main"), (file.Name, file.Type, file.DisplayName));
            Assert.DoesNotContain("schema_filter", export.Yaml);
            Assert.Empty(export.Placeholders);
            var again = SourceValidator.Normalize(AdapterCatalog.Find("postgresql")!, "prod", file.Fields);
            Assert.Equal(ConnectionInfoJson.Serialize(source.ConnectionInfo), ConnectionInfoJson.Serialize(again));
        }

        [Theory]
        [InlineData(Canary, ExportedSecretState.Plaintext)]
        [InlineData("${DB_PASSWORD:-" + Canary + "}", ExportedSecretState.Plaintext)]
        [InlineData("pre-" + Canary + "${X}", ExportedSecretState.Plaintext)]
        [InlineData("enc:v1:0a1b2c3d:" + Canary, ExportedSecretState.Encrypted)]
        [InlineData("**********", ExportedSecretState.LegacyMask)]
        public void A_secret_that_is_no_reference_becomes_a_placeholder_with_a_warning_and_never_appears(string password, ExportedSecretState state)
        {
            var source = new StoredSource
            {
                Name = "prod-eu.1", SourceType = "postgresql",
                ConnectionInfo = new OrderedMap { { "host", "db" }, { "password", password } },
            };

            var export = SourceExporter.Export(source);

            var placeholder = Assert.Single(export.Placeholders);
            Assert.Equal(("password", "PROD_EU_1_PASSWORD", state), (placeholder.Field, placeholder.Variable, placeholder.State));
            Assert.Contains("password: \"${PROD_EU_1_PASSWORD}\"\n", export.Yaml);
            Assert.DoesNotContain("2b7c91", export.Yaml);
            Assert.DoesNotContain("2b7c91", placeholder.Warning);
            Assert.Contains("'prod-eu.1'", placeholder.Warning);
            Assert.Contains("'password'", placeholder.Warning);
            Assert.Contains("PROD_EU_1_PASSWORD", placeholder.Warning);
        }

        [Fact]
        public void A_secret_ref_and_references_stay_as_stored_and_a_non_string_secret_is_a_placeholder()
        {
            var source = new StoredSource
            {
                Name = "wh", SourceType = "snowflake",
                ConnectionInfo = new OrderedMap { { "password", null }, { "api_token", 12345L }, { "secret_ref", "vault://Store/wh" } },
            };

            var export = SourceExporter.Export(source);

            Assert.Contains("secret_ref: \"vault://Store/wh\"\n", export.Yaml);
            Assert.DoesNotContain("password", export.Yaml);
            Assert.Equal("WH_API_TOKEN", Assert.Single(export.Placeholders).Variable);
            Assert.DoesNotContain("12345", export.Yaml);
        }

        [Theory]
        [InlineData("prod", "password", "PROD_PASSWORD")]
        [InlineData("Sales-EU.2", "client_secret", "SALES_EU_2_CLIENT_SECRET")]
        [InlineData("1st", "password", "_1ST_PASSWORD")]
        [InlineData("düsseldorf", "password", "D_SSELDORF_PASSWORD")]
        public void The_placeholder_variable_is_a_valid_environment_variable_name(string source, string field, string expected)
        {
            Assert.Equal(expected, SourceExporter.VariableFor(source, field));
            Assert.True(Core.References.ReferenceGrammar.HasPlaceholder("${" + expected + "}"));
        }

        [Fact]
        public void The_header_keys_are_split_off_case_insensitively_and_checked_against_the_command()
        {
            var file = SourceFileReader.ReadText("Name: prod\nTYPE: PostgreSQL\ndisplay_name: Prod\nhost: db\n", "f.yaml");
            var header = SourceFileHeader.Split(file, "f.yaml");

            Assert.Equal(new[] { "host" }, header.Fields.Keys.ToArray());
            Assert.Equal("Prod", header.CheckAgainst("prod", "postgresql", null, "f.yaml"));
            Assert.Equal("Given", header.CheckAgainst("prod", "postgresql", "Given", "f.yaml"));

            var name = Assert.Throws<DataCompassException>(() => header.CheckAgainst("other", "postgresql", null, "f.yaml"));
            Assert.Same(DcError.SourceFileConflict, name.Error);
            Assert.Contains("'f.yaml'", name.Message);
            Assert.Contains("'other'", name.Message);
            var type = Assert.Throws<DataCompassException>(() => header.CheckAgainst("prod", "snowflake", null, "f.yaml"));
            Assert.Same(DcError.SourceFileConflict, type.Error);
            Assert.Throws<DataCompassException>(() => header.CheckAgainst("Prod", "postgresql", null, "f.yaml"));
        }

        [Fact]
        public void An_inactive_source_is_exported_with_active_false_and_an_active_one_without_the_key()
        {
            var inactive = new StoredSource { Name = "old", SourceType = "postgresql", DisplayName = "Old", IsActive = false, ConnectionInfo = new OrderedMap { { "host", "db" } } };
            var active = new StoredSource { Name = "new", SourceType = "postgresql", IsActive = true, ConnectionInfo = new OrderedMap { { "host", "db" } } };

            var exported = SourceExporter.Export(inactive).Yaml;

            Assert.StartsWith("name: old\ntype: postgresql\ndisplay_name: Old\nactive: false\nhost: db\n", exported);
            Assert.False(SourceFileHeader.Split(SourceFileReader.ReadText(exported, "old.yaml"), "old.yaml").IsActive);
            Assert.DoesNotContain("active", SourceExporter.Export(active).Yaml);
        }

        [Theory]
        [InlineData("active: false\n", false)]
        [InlineData("Active: FALSE\n", false)]
        [InlineData("active: true\n", true)]
        [InlineData("active: \"True\"\n", true)]
        [InlineData("host: db\n", true)]
        public void The_active_key_is_a_boolean_and_a_file_without_it_is_active(string yaml, bool expected)
        {
            var header = SourceFileHeader.Split(SourceFileReader.ReadText(yaml, "f.yaml"), "f.yaml");

            Assert.Equal(expected, header.IsActive);
            Assert.DoesNotContain(header.Fields.Keys, key => key.ToLowerInvariant() == "active");
        }

        [Theory]
        [InlineData("active: maybe\n")]
        [InlineData("active: yes\n")]
        [InlineData("active: 0\n")]
        [InlineData("active:\n")]
        [InlineData("active: [false]\n")]
        [InlineData("active: false\nACTIVE: false\n")]
        public void An_active_key_that_is_not_true_or_false_is_refused_naming_the_file_and_the_key(string yaml)
        {
            var error = Assert.Throws<DataCompassException>(() => SourceFileHeader.Split(SourceFileReader.ReadText(yaml, "f.yaml"), "f.yaml"));

            Assert.Same(DcError.SourceFileInvalid, error.Error);
            Assert.Contains("'f.yaml'", error.Message);
            Assert.Contains("'active'", error.Message, System.StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("maybe", error.Message);
        }

        [Theory]
        [InlineData("name: [a]\n")]
        [InlineData("type:\n  x: y\n")]
        [InlineData("name: a\nNAME: a\n")]
        public void A_header_key_that_is_not_text_or_is_given_twice_is_refused(string yaml)
        {
            var error = Assert.Throws<DataCompassException>(() => SourceFileHeader.Split(SourceFileReader.ReadText(yaml, "f.yaml"), "f.yaml"));
            Assert.Same(DcError.SourceFileInvalid, error.Error);
            Assert.Contains("'f.yaml'", error.Message);
        }
    }
}

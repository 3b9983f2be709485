using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Sources;

namespace DataCompass.Tests
{
    public class SourceDefinitionTests
    {
        private static OrderedMap Postgres(object? password) => new OrderedMap
        {
            { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", password },
        };

        [Theory]
        [InlineData("${DB_PASSWORD}")]
        [InlineData("${secret:Store/pg}")]
        [InlineData("${A}${B}")]
        [InlineData("${DB_PASSWORD:-}")]
        public void References_are_stored_as_written(string password)
        {
            var prepared = TestSources.Plan("prod", "postgresql", null, Postgres(password), allowPlaintext: false);
            Assert.Equal(password, prepared.Source.ConnectionInfo["password"]);
            Assert.Empty(prepared.Warnings);
        }

        [Theory]
        [InlineData("hunter2-canary")]
        [InlineData("${DB_PASSWORD:-hunter2-canary}")]
        [InlineData("pre-${DB_PASSWORD}")]
        [InlineData(12345L)]
        public void Literal_secrets_are_refused_without_showing_them(object password)
        {
            var error = Assert.Throws<DataCompassException>(() =>
                TestSources.Plan("prod", "postgresql", null, Postgres(password), allowPlaintext: false));
            Assert.Same(DcError.PlaintextSecretRefused, error.Error);
            Assert.Contains("'password'", error.Message);
            Assert.Contains("-AllowPlaintext", error.Message);
            Assert.DoesNotContain("hunter2-canary", error.Message);
            Assert.DoesNotContain("12345", error.Message);
        }

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("\t")]
        public void An_empty_secret_is_refused_with_the_single_quote_form(string password)
        {
            var error = Assert.Throws<DataCompassException>(() =>
                TestSources.Plan("prod", "postgresql", null, Postgres(password), allowPlaintext: true));
            Assert.Same(DcError.SecretValueEmpty, error.Error);
            Assert.StartsWith("Source 'prod', field 'password' is empty.", error.Message);
            Assert.Contains("password = '${PASSWORD}'", error.Message);
            Assert.Equal("prod", error.Target);
        }

        [Fact]
        public void An_empty_optional_secret_is_refused_too()
        {
            var fields = new OrderedMap { { "host", "h" }, { "http_path", "/p" }, { "catalog", "c" }, { "auth_method", "managed_identity" }, { "client_secret", "" } };
            var error = Assert.Throws<DataCompassException>(() => TestSources.Plan("dbx", "databricks", null, fields, allowPlaintext: true));
            Assert.Same(DcError.SecretValueEmpty, error.Error);
            Assert.Contains("field 'client_secret'", error.Message);
        }

        [Fact]
        public void An_empty_non_secret_field_is_not_a_secret_mistake() =>
            Assert.Equal(string.Empty, TestSources.Plan("prod", "postgresql", null, new OrderedMap
            {
                { "host", "h" }, { "database", "d" }, { "username", "u" }, { "password", "${P}" }, { "schema_filter", "" },
            }, allowPlaintext: false).Source.ConnectionInfo["schema_filter"]);

        [Theory]
        [InlineData("${DB_PASSWORD")]
        [InlineData("$DB_PASSWORD")]
        [InlineData("{DB_PASSWORD}")]
        [InlineData("${secret:Store/DB_PASSWORD")]
        public void A_broken_placeholder_in_a_secret_field_is_refused_without_showing_it(string password)
        {
            var backend = new InMemorySecretBackend("Store");
            var error = Assert.Throws<DataCompassException>(() =>
                TestSources.Plan("prod", "postgresql", null, Postgres(password), allowPlaintext: true, backend));
            Assert.Same(DcError.PlaceholderMalformed, error.Error);
            Assert.StartsWith("Source 'prod', field 'password': the value has ", error.Message);
            Assert.DoesNotContain("DB_PASSWORD", error.Message);
            Assert.Empty(backend.GetSecretNames("Store"));
        }

        [Fact]
        public void A_broken_placeholder_in_a_non_secret_field_is_stored_as_written() =>
            Assert.Equal("$HOST", TestSources.Plan("prod", "postgresql", null, new OrderedMap
            {
                { "host", "$HOST" }, { "database", "d" }, { "username", "u" }, { "password", "${P}" },
            }, allowPlaintext: false).Source.ConnectionInfo["host"]);

        [Theory]
        [InlineData("${secret:}")]
        [InlineData("${secret:Store/}")]
        public void A_malformed_secret_reference_stays_a_reference_error(string password) =>
            Assert.Same(DcError.ReferenceInvalid, Assert.Throws<DataCompassException>(() =>
                TestSources.Plan("prod", "postgresql", null, Postgres(password), allowPlaintext: true)).Error);

        [Fact]
        public void A_secret_longer_than_a_secure_string_holds_is_refused()
        {
            var error = Assert.Throws<DataCompassException>(() =>
                TestSources.Plan("prod", "postgresql", null, Postgres(new string('x', InputLimits.MaxSecretLength + 1)), allowPlaintext: true));
            Assert.Same(DcError.SecretTooLong, error.Error);
            Assert.Contains("field 'password'", error.Message);
            Assert.NotNull(TestSources.Plan("prod", "postgresql", null, Postgres(new string('x', InputLimits.MaxSecretLength)), allowPlaintext: true));
        }

        [Fact]
        public void Plaintext_is_stored_with_a_warning_when_allowed()
        {
            var prepared = TestSources.Plan("prod", "postgresql", "Prod", Postgres("hunter2-canary"), allowPlaintext: true);
            Assert.Equal("hunter2-canary", prepared.Source.ConnectionInfo["password"]);
            var warning = Assert.Single(prepared.Warnings);
            Assert.Contains("plaintext", warning);
            Assert.DoesNotContain("hunter2-canary", warning);
            Assert.Equal("Prod", prepared.Source.DisplayName);
        }

        [Fact]
        public void Unknown_type_lists_the_known_ones()
        {
            var error = Assert.Throws<DataCompassException>(() => TestSources.Plan("prod", "mysql", null, Postgres("${P}"), false));
            Assert.Same(DcError.SourceTypeUnknown, error.Error);
            Assert.Contains("postgresql, databricks, snowflake", error.Message);
        }

        [Fact]
        public void Type_is_stored_in_canonical_case() =>
            Assert.Equal("postgresql", TestSources.Plan("prod", "PostgreSQL", null, Postgres("${P}"), false).Source.SourceType);

        [Fact]
        public void Empty_display_name_is_stored_as_null() =>
            Assert.Null(TestSources.Plan("prod", "postgresql", string.Empty, Postgres("${P}"), false).Source.DisplayName);

        [Theory]
        [InlineData("prod")]
        [InlineData("Prod-2.eu_west")]
        [InlineData("0")]
        public void Accepts_portable_names(string name) => SourceNames.Validate(name);

        [Theory]
        [InlineData("")]
        [InlineData(null)]
        [InlineData("-prod")]
        [InlineData("prod db")]
        [InlineData("o'brien")]
        [InlineData("x\"y")]
        [InlineData("'; DROP TABLE data_sources; --")]
        [InlineData("prod/dev")]
        [InlineData("prød")]
        [InlineData("line\nbreak")]
        [InlineData("prod\n")]
        public void Refuses_other_names(string? name) =>
            Assert.Same(DcError.SourceNameInvalid, Assert.Throws<DataCompassException>(() => SourceNames.Validate(name)).Error);

        [Fact]
        public void Refuses_names_longer_than_64()
        {
            SourceNames.Validate(new string('a', 64));
            Assert.Throws<DataCompassException>(() => SourceNames.Validate(new string('a', 65)));
        }

        [Fact]
        public void Describes_provenance_and_masks_secrets()
        {
            var prepared = TestSources.Plan("prod", "postgresql", null, Postgres("${DB_PASSWORD:-hunter2-canary}"), allowPlaintext: true);
            var fields = SourceDescriber.Describe("prod", Core.Adapters.AdapterCatalog.Find("postgresql"), prepared.Source.ConnectionInfo)
                .ToDictionary(field => field.Name);
            Assert.Equal(ValueProvenance.Literal, fields["host"].Provenance);
            Assert.Equal(ValueProvenance.None, fields["schema_filter"].Provenance);
            Assert.Equal(ValueProvenance.Plaintext, fields["password"].Provenance);
            Assert.Equal("${DB_PASSWORD:-********}", fields["password"].DisplayValue);
            Assert.True(fields["password"].IsSecret);
        }

        [Theory]
        [InlineData("${DB_PASSWORD}", ValueProvenance.Environment, "${DB_PASSWORD}")]
        [InlineData("${secret:Store/pg}", ValueProvenance.Vault, "${secret:Store/pg}")]
        [InlineData("${A}${secret:Store/pg}", ValueProvenance.Vault, "${A}${secret:Store/pg}")]
        [InlineData("hunter2-canary", ValueProvenance.Plaintext, "********")]
        [InlineData("**********", ValueProvenance.Plaintext, "********")]
        [InlineData("enc:v1:0a1b2c3d:gAAAAABtoken", ValueProvenance.Encrypted, "enc:v1:0a1b2c3d:********")]
        public void Secret_display_never_shows_literal_text(string stored, ValueProvenance provenance, string shown)
        {
            var info = new OrderedMap { { "password", stored } };
            var field = Assert.Single(SourceDescriber.Describe("prod", Core.Adapters.AdapterCatalog.Find("postgresql"), info));
            Assert.Equal(provenance, field.Provenance);
            Assert.Equal(shown, field.DisplayValue);
        }

        [Fact]
        public void Unknown_stored_keys_that_look_secret_are_masked()
        {
            var info = new OrderedMap { { "api_token", "tok-canary" }, { "region", "eu" }, { "db_pwd", "p" }, { "ssh_passphrase", "q" }, { "PASSWD", "r" } };
            var fields = SourceDescriber.Describe("legacy", null, info);
            Assert.Equal("********", fields[0].DisplayValue);
            Assert.True(fields[0].IsSecret);
            Assert.False(fields[0].IsKnownField);
            Assert.Equal("eu", fields[1].DisplayValue);
            Assert.All(fields.Skip(2), field => Assert.Equal("********", field.DisplayValue));
        }
    }
}

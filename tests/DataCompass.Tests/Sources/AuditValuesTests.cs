using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Sources;
using Xunit;

namespace DataCompass.Tests
{
    /// <summary>How stored values appear in the audit trail: references kept with their literal text masked, else a provenance word.</summary>
    public sealed class AuditValuesTests
    {
        private static readonly AdapterSchema? Postgres = AdapterCatalog.Find("postgresql");

        [Theory]
        [InlineData("password", "${DB_PASSWORD}", "${DB_PASSWORD}")]
        [InlineData("password", "${secret:Store/pg-password}", "${secret:Store/pg-password}")]
        [InlineData("password", "${DB_PASSWORD:-fallback-secret}", "${DB_PASSWORD:-********}")]
        [InlineData("password", "pre-${DB_PASSWORD}", "********${DB_PASSWORD}")]
        [InlineData("password", "s3cr3t", "plaintext")]
        [InlineData("password", "${secret:}", "plaintext")]
        [InlineData("host", "db.example.com", "literal")]
        [InlineData("host", "${DB_HOST}", "${DB_HOST}")]
        [InlineData("api_token", "unknown-field-secret", "plaintext")]
        [InlineData("secret_ref", "Store/pg-password", "Store/pg-password")]
        public void Describes_a_value_without_its_secret_text(string field, string value, string expected)
        {
            Assert.Equal(expected, AuditValues.Describe(Postgres, field, value));
        }

        [Fact]
        public void Describes_an_encrypted_value_by_its_key_id_and_a_number_by_its_provenance()
        {
            Assert.Equal("encrypted:0a1b2c3d", AuditValues.Describe(Postgres, "password", "enc:v1:0a1b2c3d:gAAAAABtoken"));
            Assert.Equal("literal", AuditValues.Describe(Postgres, "port", 5432L));
            Assert.Equal("plaintext", AuditValues.Describe(Postgres, "password", 1234L));
            Assert.Null(AuditValues.Describe(Postgres, "password", null));
        }

        [Fact]
        public void Lists_only_the_fields_that_changed_and_those_removed()
        {
            var before = new OrderedMap { { "host", "a" }, { "port", 5432L }, { "password", "${OLD}" }, { "gone", "x" }, { "empty", null } };
            var after = new OrderedMap { { "host", "a" }, { "port", 5433L }, { "password", "${NEW}" }, { "added", "y" }, { "empty", null } };

            var changes = AuditValues.Changes(Postgres, before, after);

            Assert.Equal(new[] { "port", "password", "added", "gone" }, changes.Select(change => change.Field).ToArray());
            Assert.Equal(("literal", "literal"), (changes[0].Old, changes[0].New));
            Assert.Equal(("${OLD}", "${NEW}"), (changes[1].Old, changes[1].New));
            Assert.Null(changes[2].Old);
            Assert.Null(changes[3].New);
        }

        [Fact]
        public void An_add_lists_every_field_with_a_value_and_a_removal_every_field_it_had()
        {
            var info = new OrderedMap { { "host", "h" }, { "password", "${P}" }, { "schema_filter", null } };
            Assert.Equal(new[] { "host", "password" }, AuditValues.Changes(Postgres, null, info).Select(change => change.Field).ToArray());
            Assert.All(AuditValues.Changes(Postgres, info, null), change => Assert.Null(change.New));
        }
    }
}

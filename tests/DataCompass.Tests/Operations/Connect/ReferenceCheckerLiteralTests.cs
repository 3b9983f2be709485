using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    /// <summary>The preflight checks secret fields with nothing to follow: plaintext, the legacy mask, nothing at all.</summary>
    public class ReferenceCheckerLiteralTests
    {
        private static StoredSource Stored(string type, OrderedMap info) => new StoredSource { Name = "legacy", SourceType = type, ConnectionInfo = info };

        private static ReferenceCheck[] Check(StoredSource source, params (string Name, string Value)[] variables)
        {
            var environment = variables.ToDictionary(v => v.Name, v => v.Value);
            var backend = new InMemorySecretBackend("Store");
            return new ReferenceChecker(name => environment.TryGetValue(name, out var value) ? value : null, backend).Check(source).ToArray();
        }

        [Fact]
        public void A_plaintext_password_is_reported_plaintext_without_its_value()
        {
            var check = Assert.Single(Check(Stored("postgresql", new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", "canary-literal-1" } })));
            Assert.Equal(ReferenceStatus.Plaintext, check.Status);
            Assert.Equal(ReferenceKind.Literal, check.Kind);
            Assert.Equal("password", check.Field);
            Assert.Equal("(plaintext)", check.Reference);
            Assert.True(check.Resolvable);
            Assert.DoesNotContain("canary-literal-1", check.Message);
            Assert.Contains("Convert-DcSourceSecret", check.Message);
        }

        [Fact]
        public void Literal_text_mixed_with_a_reference_is_plaintext_too()
        {
            var checks = Check(Stored("postgresql", new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", "canary-pre-${PG_SUFFIX}" } }), ("PG_SUFFIX", "x"));
            Assert.Equal(new[] { ReferenceStatus.Ok, ReferenceStatus.Plaintext }, checks.Select(check => check.Status));
        }

        [Fact]
        public void The_legacy_mask_is_broken_and_not_resolvable()
        {
            var check = Assert.Single(Check(Stored("postgresql", new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", "**********" } })));
            Assert.Equal(ReferenceStatus.Broken, check.Status);
            Assert.False(check.Resolvable);
            Assert.Contains("Set-DcSourceSecret", check.Message);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        public void A_required_secret_with_no_value_is_empty(string? password)
        {
            var info = new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" } };
            if (password != null)
            {
                info.Add("password", password);
            }

            var check = Assert.Single(Check(Stored("postgresql", info)));
            Assert.Equal(ReferenceStatus.Empty, check.Status);
            Assert.Equal("password", check.Field);
            Assert.False(check.Resolvable);
        }

        [Fact]
        public void A_secret_ref_may_supply_the_missing_secret()
        {
            var checks = Check(Stored("postgresql", new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "secret_ref", "vault://Store/pg" } }));
            Assert.DoesNotContain(checks, check => check.Status == ReferenceStatus.Empty);
        }

        [Fact]
        public void A_conditionally_required_secret_counts_only_when_its_condition_holds()
        {
            // databricks: access_token is required when auth_method is personal_token.
            var withToken = Check(Stored("databricks", new OrderedMap { { "host", "h" }, { "http_path", "/p" }, { "auth_method", "personal_token" } }));
            Assert.Contains(withToken, check => check.Status == ReferenceStatus.Empty && check.Field == "access_token");
            var managed = Check(Stored("databricks", new OrderedMap { { "host", "h" }, { "http_path", "/p" }, { "auth_method", "managed_identity" } }));
            Assert.Empty(managed);
        }

        [Fact]
        public void A_variable_set_to_nothing_as_the_whole_secret_is_empty()
        {
            var source = Stored("postgresql", new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", "${PG_PASSWORD}" } });
            Assert.Equal(ReferenceStatus.Empty, Assert.Single(Check(source, ("PG_PASSWORD", string.Empty))).Status);
            Assert.Equal(ReferenceStatus.Ok, Assert.Single(Check(source, ("PG_PASSWORD", "canary-set"))).Status);
        }

        [Fact]
        public void A_non_secret_literal_is_not_reported()
        {
            var checks = Check(Stored("postgresql", new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", "${PG_PASSWORD}" } }), ("PG_PASSWORD", "x"));
            Assert.Equal(new[] { "password" }, checks.Select(check => check.Field));
        }

        [Fact]
        public void An_unknown_key_that_looks_secret_is_checked_as_one()
        {
            var checks = Check(Stored("postgresql", new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", "${P}" }, { "api_token", "canary-token" } }), ("P", "x"));
            Assert.Contains(checks, check => check.Field == "api_token" && check.Status == ReferenceStatus.Plaintext);
        }
    }
}

using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    /// <summary>Values that look like a credential but are none are never handed out.</summary>
    public class ConnectionResolverLiteralTests
    {
        private static ResolvedConnection Resolve(object? password, params (string Name, string Value)[] variables)
        {
            var info = new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", password } };
            var environment = variables.ToDictionary(v => v.Name, v => v.Value);
            return ConnectionResolver.Resolve(new StoredSource { Name = "legacy", SourceType = "postgresql", ConnectionInfo = info },
                name => environment.TryGetValue(name, out var value) ? value : null, null);
        }

        [Fact]
        public void The_legacy_mask_fails_the_field_and_is_not_its_value()
        {
            var resolved = Resolve("**********");
            var failure = Assert.Single(resolved.Failures);
            Assert.Equal(DcError.SecretBroken, failure.Error);
            Assert.Equal("password", failure.Field);
            Assert.Null(resolved.Values["password"]);
            Assert.Equal(new[] { "password" }, resolved.UnresolvedFields);
        }

        [Theory]
        [InlineData("")]
        [InlineData("  ")]
        public void A_required_secret_that_is_empty_fails(string password)
        {
            var failure = Assert.Single(Resolve(password).Failures);
            Assert.Equal(DcError.SecretEmpty, failure.Error);
            Assert.Contains("'legacy'", failure.Message);
            Assert.Contains("'password'", failure.Message);
        }

        [Fact]
        public void A_required_secret_from_a_variable_set_to_nothing_fails()
        {
            Assert.Equal(DcError.SecretEmpty, Assert.Single(Resolve("${PG_PASSWORD}", ("PG_PASSWORD", string.Empty)).Failures).Error);
            Assert.True(Resolve("${PG_PASSWORD}", ("PG_PASSWORD", "canary-pw")).Succeeded);
        }

        [Fact]
        public void A_plaintext_password_still_resolves()
        {
            var resolved = Resolve("canary-plain");
            Assert.True(resolved.Succeeded);
            Assert.Equal("canary-plain", resolved.Values["password"]);
        }
    }
}

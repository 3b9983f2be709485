using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Connections;
using DataCompass.Core.Errors;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    public class ConnectionResolverTests
    {
        private static StoredSource Stored(params (string Key, object? Value)[] overrides)
        {
            var fields = new OrderedMap { { "host", "${PG_HOST}" }, { "database", "sales" }, { "username", "app" }, { "password", "${PG_PASSWORD}" } };
            foreach (var (key, value) in overrides)
            {
                fields[key] = value;
            }

            var info = SourceDefinition.Prepare("prod", "postgresql", null, fields, allowPlaintext: true).Source.ConnectionInfo;
            return new StoredSource { Name = "prod", SourceType = "postgresql", ConnectionInfo = info };
        }

        private static System.Func<string, string?> Env(params (string Name, string Value)[] variables)
        {
            var map = variables.ToDictionary(v => v.Name, v => v.Value);
            return name => map.TryGetValue(name, out var value) ? value : null;
        }

        [Fact]
        public void Resolves_environment_references_now()
        {
            var resolved = ConnectionResolver.Resolve(Stored(), Env(("PG_HOST", "db.example.com"), ("PG_PASSWORD", "canary-1")));
            Assert.True(resolved.Succeeded);
            Assert.Equal("db.example.com", resolved.Values["host"]);
            Assert.Equal("canary-1", resolved.Values["password"]);
            Assert.Equal(5432L, resolved.Values["port"]);
            Assert.True(resolved.IsSecret("password"));
            Assert.False(resolved.IsSecret("host"));
        }

        [Fact]
        public void Reports_every_missing_variable_with_source_and_field()
        {
            var resolved = ConnectionResolver.Resolve(Stored(), Env());
            Assert.False(resolved.Succeeded);
            Assert.Equal(new[] { "host", "password" }, resolved.Failures.Select(f => f.Field));
            Assert.All(resolved.Failures, f => Assert.Same(DcError.EnvironmentVariableNotSet, f.Error));
            Assert.Contains("Source 'prod', field 'password': the environment variable 'PG_PASSWORD' is not set", resolved.Failures[1].Message);
            Assert.Equal("PG_PASSWORD", resolved.Failures[1].Target);
        }

        [Fact]
        public void Checks_types_after_resolution_without_showing_the_value()
        {
            var source = Stored(("port", "${PG_PORT}"));
            Assert.Equal(6543L, ConnectionResolver.Resolve(source, Env(("PG_HOST", "h"), ("PG_PASSWORD", "p"), ("PG_PORT", "6543"))).Values["port"]);
            var error = Assert.Throws<DataCompassException>(() =>
                ConnectionResolver.Resolve(source, Env(("PG_HOST", "h"), ("PG_PASSWORD", "p"), ("PG_PORT", "not-a-port-canary"))));
            Assert.Same(DcError.SourceInvalid, error.Error);
            Assert.Contains("field 'port'", error.Message);
            Assert.DoesNotContain("not-a-port-canary", error.Message);
        }

        [Fact]
        public void Vault_references_are_reported_until_the_bridge_exists()
        {
            var resolved = ConnectionResolver.Resolve(Stored(("password", "${secret:Store/pg}")), Env(("PG_HOST", "h")));
            var failure = Assert.Single(resolved.Failures);
            Assert.Same(DcError.SecretReferenceUnsupported, failure.Error);
            Assert.Equal("${secret:Store/pg}", failure.Target);
        }

        [Fact]
        public void Unknown_stored_keys_pass_through()
        {
            var source = Stored();
            source.ConnectionInfo.Add("legacy_option", "${PG_HOST}");
            var resolved = ConnectionResolver.Resolve(source, Env(("PG_HOST", "h"), ("PG_PASSWORD", "p")));
            Assert.True(resolved.Succeeded);
            Assert.Equal("h", resolved.Values["legacy_option"]);
        }

        [Fact]
        public void Unknown_source_type_is_reported()
        {
            var source = new StoredSource { Name = "m", SourceType = "mysql", ConnectionInfo = new OrderedMap() };
            Assert.Same(DcError.SourceTypeUnknown, Assert.Throws<DataCompassException>(() => ConnectionResolver.Resolve(source, Env())).Error);
        }

        [Fact]
        public void Lists_are_resolved_item_by_item()
        {
            var source = Stored(("exclude_schemas", new List<object?> { "${SKIP}", "pg_toast" }));
            var resolved = ConnectionResolver.Resolve(source, Env(("PG_HOST", "h"), ("PG_PASSWORD", "p"), ("SKIP", "audit")));
            Assert.Equal(new object?[] { "audit", "pg_toast" }, (List<object?>)resolved.Values["exclude_schemas"]!);
        }
    }
}

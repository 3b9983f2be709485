using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

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

            var info = TestSources.Plan("prod", "postgresql", null, fields, allowPlaintext: true).Source.ConnectionInfo;
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
            var resolved = ConnectionResolver.Resolve(Stored(), Env(("PG_HOST", "db.example.com"), ("PG_PASSWORD", "canary-1")), null);
            Assert.True(resolved.Succeeded);
            Assert.Equal("db.example.com", resolved.Values["host"]);
            Assert.Equal("canary-1", resolved.Values["password"]);
            Assert.Equal(5432L, resolved.Values["port"]);
            Assert.True(resolved.IsSecret("password"));
            Assert.False(resolved.IsSecret("host"));
        }

        [Fact]
        public void Uses_the_grammar_rules_set_but_empty_beats_the_default_and_nothing_is_rescanned()
        {
            var source = Stored(("host", "${PG_HOST:-fallback}"), ("database", "${PG_DB:-fallback}"));
            var resolved = ConnectionResolver.Resolve(source, Env(("PG_HOST", string.Empty), ("PG_PASSWORD", "${PG_HOST}")), null);
            Assert.Equal(string.Empty, resolved.Values["host"]);
            Assert.Equal("fallback", resolved.Values["database"]);
            Assert.Equal("${PG_HOST}", resolved.Values["password"]);
        }

        [Fact]
        public void Reports_every_missing_variable_with_source_and_field()
        {
            var resolved = ConnectionResolver.Resolve(Stored(), Env(), null);
            Assert.False(resolved.Succeeded);
            Assert.Equal(new[] { "host", "password" }, resolved.Failures.Select(f => f.Field));
            Assert.Equal(new[] { "host", "password" }, resolved.UnresolvedFields);
            Assert.Null(resolved.Values["host"]);
            Assert.Null(resolved.Values["password"]);
            Assert.Equal(5432L, resolved.Values["port"]);
            Assert.All(resolved.Failures, f => Assert.Same(DcError.EnvironmentVariableNotSet, f.Error));
            Assert.Contains("Source 'prod', field 'password': the environment variable 'PG_PASSWORD' is not set", resolved.Failures[1].Message);
            Assert.Equal("PG_PASSWORD", resolved.Failures[1].Target);
        }

        [Fact]
        public void Checks_types_after_resolution_without_showing_the_value()
        {
            var source = Stored(("port", "${PG_PORT}"));
            Assert.Equal(6543L, ConnectionResolver.Resolve(source, Env(("PG_HOST", "h"), ("PG_PASSWORD", "p"), ("PG_PORT", "6543")), null).Values["port"]);
            var error = Assert.Throws<DataCompassException>(() =>
                ConnectionResolver.Resolve(source, Env(("PG_HOST", "h"), ("PG_PASSWORD", "p"), ("PG_PORT", "not-a-port-canary")), null));
            Assert.Same(DcError.SourceInvalid, error.Error);
            Assert.Contains("field 'port'", error.Message);
            Assert.DoesNotContain("not-a-port-canary", error.Message);
        }

        [Fact]
        public void Vault_references_without_secretmanagement_are_reported()
        {
            var resolved = ConnectionResolver.Resolve(Stored(("password", "${secret:Store/pg}")), Env(("PG_HOST", "h")), null);
            var failure = Assert.Single(resolved.Failures);
            Assert.Same(DcError.SecretManagementNotInstalled, failure.Error);
            Assert.Equal("${secret:Store/pg}", failure.Target);
            Assert.Equal("h", resolved.Values["host"]);
        }

        [Fact]
        public void Resolves_vault_references_once_per_distinct_secret()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "pg", SecretValue.FromText("canary-vault"));
            var fetcher = new SecretFetcher(backend);
            var first = ConnectionResolver.Resolve(Stored(("password", "${secret:Store/pg}")), Env(("PG_HOST", "h")), fetcher);
            var second = ConnectionResolver.Resolve(Stored(("password", "${secret:store/pg}"), ("username", "${secret:Store/pg}")), Env(("PG_HOST", "h")), fetcher);
            Assert.True(first.Succeeded);
            Assert.Equal("canary-vault", first.Values["password"]);
            Assert.Equal("canary-vault", second.Values["username"]);
            Assert.Equal(1, fetcher.BackendReads);
        }

        [Fact]
        public void Credential_secrets_give_their_password_and_hashtables_are_unusable_in_a_field()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "cred", SecretValue.FromCredential("svc", "canary-pw"));
            backend.Put("Store", "map", SecretValue.FromMap(new Dictionary<string, string?> { ["password"] = "x" }));
            var fetcher = new SecretFetcher(backend);
            Assert.Equal("canary-pw", ConnectionResolver.Resolve(Stored(("password", "${secret:Store/cred}")), Env(("PG_HOST", "h")), fetcher).Values["password"]);
            var failure = Assert.Single(ConnectionResolver.Resolve(Stored(("password", "${secret:Store/map}")), Env(("PG_HOST", "h")), fetcher).Failures);
            Assert.Same(DcError.SecretTypeUnusable, failure.Error);
            Assert.Contains("Hashtable", failure.Message);
        }

        [Fact]
        public void Secret_ref_supplies_the_secret_fields_and_explicit_fields_win()
        {
            var backend = new InMemorySecretBackend("Corp");
            backend.Put("Corp", "sources/prod", SecretValue.FromMap(new Dictionary<string, string?> { ["PASSWORD"] = "from-map" }));
            var fields = new OrderedMap { { "host", "h" }, { "database", "d" }, { "username", "u" }, { "secret_ref", "vault://Corp/sources/prod" } };
            var info = TestSources.Plan("prod", "postgresql", null, fields, allowPlaintext: false).Source.ConnectionInfo;
            var source = new StoredSource { Name = "prod", SourceType = "postgresql", ConnectionInfo = info };
            var resolved = ConnectionResolver.Resolve(source, Env(), new SecretFetcher(backend));
            Assert.True(resolved.Succeeded);
            Assert.Equal("from-map", resolved.Values["password"]);
            Assert.False(resolved.Values.ContainsKey("secret_ref"));

            backend.Put("Corp", "sources/prod", SecretValue.FromMap(new Dictionary<string, string?> { ["other"] = "x" }));
            var missing = ConnectionResolver.Resolve(source, Env(), new SecretFetcher(backend));
            Assert.Contains(missing.Failures, f => f.Field == "password" && f.Error == DcError.SecretNotFound);
        }

        [Fact]
        public void A_secret_longer_than_a_secure_string_fails_its_field_naming_the_reference()
        {
            var tooLong = new string('c', InputLimits.MaxSecretLength + 1);
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "pg", SecretValue.FromText(tooLong));
            var fromVault = ConnectionResolver.Resolve(Stored(("password", "${secret:Store/pg}")), Env(("PG_HOST", "h")), new SecretFetcher(backend));
            var fromEnv = ConnectionResolver.Resolve(Stored(), Env(("PG_HOST", "h"), ("PG_PASSWORD", tooLong)), null);
            foreach (var (resolved, reference) in new[] { (fromVault, "${secret:Store/pg}"), (fromEnv, "${PG_PASSWORD}") })
            {
                var failure = Assert.Single(resolved.Failures);
                Assert.Same(DcError.SecretTooLong, failure.Error);
                Assert.Equal("password", failure.Field);
                Assert.Equal(reference, failure.Target);
                Assert.StartsWith($"Source 'prod', field 'password': the value of {reference} is longer than the 65536 characters", failure.Message);
                Assert.Null(resolved.Values["password"]);
                Assert.Equal(new[] { "password" }, resolved.UnresolvedFields);
                Assert.Equal("h", resolved.Values["host"]);
            }

            var exact = ConnectionResolver.Resolve(Stored(), Env(("PG_HOST", "h"), ("PG_PASSWORD", tooLong.Substring(1))), null);
            Assert.True(exact.Succeeded);
            var longHost = ConnectionResolver.Resolve(Stored(), Env(("PG_HOST", tooLong), ("PG_PASSWORD", "p")), null);
            Assert.True(longHost.Succeeded);
        }

        [Fact]
        public void A_too_long_secret_from_a_secret_ref_names_the_secret_ref()
        {
            var backend = new InMemorySecretBackend("Corp");
            backend.Put("Corp", "prod", SecretValue.FromMap(new Dictionary<string, string?> { ["password"] = new string('c', InputLimits.MaxSecretLength + 1) }));
            var fields = new OrderedMap { { "host", "h" }, { "database", "d" }, { "username", "u" }, { "secret_ref", "vault://Corp/prod" } };
            var info = TestSources.Plan("prod", "postgresql", null, fields, allowPlaintext: false).Source.ConnectionInfo;
            var resolved = ConnectionResolver.Resolve(new StoredSource { Name = "prod", SourceType = "postgresql", ConnectionInfo = info }, Env(), new SecretFetcher(backend));
            var failure = Assert.Single(resolved.Failures);
            Assert.Same(DcError.SecretTooLong, failure.Error);
            Assert.Equal("vault://Corp/prod", failure.Target);
        }

        [Fact]
        public void The_preflight_reports_a_too_long_environment_secret()
        {
            var tooLong = new string('c', InputLimits.MaxSecretLength + 1);
            var checks = new ReferenceChecker(Env(("PG_HOST", tooLong), ("PG_PASSWORD", tooLong)), new InMemorySecretBackend()).Check(Stored());
            var password = Assert.Single(checks, check => check.Field == "password");
            Assert.Equal(ReferenceStatus.TooLong, password.Status);
            Assert.False(password.Resolvable);
            Assert.Contains("'PG_PASSWORD'", password.Message);
            Assert.Equal(ReferenceStatus.Ok, Assert.Single(checks, check => check.Field == "host").Status);
        }

        [Fact]
        public void A_locked_vault_fails_each_field_but_keeps_the_others()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "pg", SecretValue.FromText("x"));
            backend.LockedVaults.Add("Store");
            var fetcher = new SecretFetcher(backend);
            var resolved = ConnectionResolver.Resolve(Stored(("password", "${secret:Store/pg}")), Env(("PG_HOST", "h")), fetcher);
            var failure = Assert.Single(resolved.Failures);
            Assert.Same(DcError.VaultLocked, failure.Error);
            Assert.Contains("Source 'prod', field 'password', reference '${secret:Store/pg}'", failure.Message);
            Assert.Equal("h", resolved.Values["host"]);
        }

        [Fact]
        public void Unknown_stored_keys_pass_through()
        {
            var source = Stored();
            source.ConnectionInfo.Add("legacy_option", "${PG_HOST}");
            var resolved = ConnectionResolver.Resolve(source, Env(("PG_HOST", "h"), ("PG_PASSWORD", "p")), null);
            Assert.True(resolved.Succeeded);
            Assert.Equal("h", resolved.Values["legacy_option"]);
        }

        [Fact]
        public void Unknown_source_type_is_reported()
        {
            var source = new StoredSource { Name = "m", SourceType = "mysql", ConnectionInfo = new OrderedMap() };
            Assert.Same(DcError.SourceTypeUnknown, Assert.Throws<DataCompassException>(() => ConnectionResolver.Resolve(source, Env(), null)).Error);
        }

        [Fact]
        public void Lists_are_resolved_item_by_item()
        {
            var source = Stored(("exclude_schemas", new List<object?> { "${SKIP}", "pg_toast" }));
            var resolved = ConnectionResolver.Resolve(source, Env(("PG_HOST", "h"), ("PG_PASSWORD", "p"), ("SKIP", "audit")), null);
            Assert.Equal(new object?[] { "audit", "pg_toast" }, (List<object?>)resolved.Values["exclude_schemas"]!);
        }
    }
}

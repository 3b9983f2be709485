using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    public class ConnectionResolverEncryptionTests
    {
        private static readonly FernetKey Primary = FernetKey.Generate();
        private static readonly FernetKey Secondary = FernetKey.Generate();
        private static readonly FernetKey Absent = FernetKey.Generate();

        private static StoredSource Stored(object? password)
        {
            var fields = new OrderedMap { { "host", "${PG_HOST}" }, { "database", "sales" }, { "username", "app" }, { "password", "${PG_PASSWORD}" } };
            var info = TestSources.Plan("prod", "postgresql", null, fields, allowPlaintext: false).Source.ConnectionInfo;
            info["password"] = password;
            return new StoredSource { Name = "prod", SourceType = "postgresql", ConnectionInfo = info };
        }

        private static ResolvedConnection Resolve(StoredSource source, KeyRingSource? keys) =>
            ConnectionResolver.Resolve(source, TestKeys.Environment(("PG_HOST", "db.example")), null, keys);

        [Fact]
        public void Decrypts_an_encrypted_password()
        {
            var resolved = Resolve(Stored(TestKeys.Ring(Primary).Encrypt("canary-resolver-pw")), TestKeys.SourceOf(TestKeys.Ring(Primary, Secondary)));
            Assert.True(resolved.Succeeded);
            Assert.Equal("canary-resolver-pw", resolved.Values["password"]);
            Assert.Equal("db.example", resolved.Values["host"]);
            Assert.Equal(5432L, resolved.Values["port"]);
            Assert.Empty(resolved.UnresolvedFields);
        }

        [Fact]
        public void Decrypts_a_value_made_by_a_secondary_key()
        {
            var resolved = Resolve(Stored(TestKeys.Ring(Secondary).Encrypt("canary-secondary-pw")), TestKeys.SourceOf(TestKeys.Ring(Primary, Secondary)));
            Assert.True(resolved.Succeeded);
            Assert.Equal("canary-secondary-pw", resolved.Values["password"]);
        }

        [Fact]
        public void A_decrypted_value_is_taken_as_it_is_never_scanned_for_placeholders()
        {
            var resolved = Resolve(Stored(TestKeys.Ring(Primary).Encrypt("${PG_HOST}")), TestKeys.SourceOf(TestKeys.Ring(Primary)));
            Assert.True(resolved.Succeeded);
            Assert.Equal("${PG_HOST}", resolved.Values["password"]);
        }

        [Fact]
        public void A_key_the_ring_lacks_leaves_the_password_unresolved_and_the_rest_resolved()
        {
            var stored = TestKeys.Ring(Absent).Encrypt("canary-absent-key-pw");
            var resolved = Resolve(Stored(stored), TestKeys.SourceOf(TestKeys.Ring(Primary, Secondary)));
            Assert.False(resolved.Succeeded);
            var failure = Assert.Single(resolved.Failures);
            Assert.Equal("password", failure.Field);
            Assert.Same(DcError.EncryptionKeyMissing, failure.Error);
            Assert.Equal(Absent.Id, failure.Target);
            Assert.Contains(Absent.Id, failure.Message);
            Assert.StartsWith("Source 'prod', field 'password'", failure.Message);
            Assert.DoesNotContain("canary-absent-key-pw", failure.Message);
            Assert.DoesNotContain(stored.Substring(16), failure.Message);
            Assert.Equal(new[] { "password" }, resolved.UnresolvedFields);
            Assert.Null(resolved.Values["password"]);
            Assert.Equal("db.example", resolved.Values["host"]);
            Assert.Equal("sales", resolved.Values["database"]);
            Assert.Equal(5432L, resolved.Values["port"]);
            TestKeys.AssertNoCanary(failure.ToException(), "canary-absent-key-pw");
        }

        [Fact]
        public void No_key_configured_at_all_names_the_key_id()
        {
            var stored = TestKeys.Ring(Absent).Encrypt("canary-no-config-pw");
            var failure = Assert.Single(Resolve(Stored(stored), TestKeys.SourceOf(null)).Failures);
            Assert.Same(DcError.EncryptionKeyMissing, failure.Error);
            Assert.Equal(Absent.Id, failure.Target);
            Assert.Contains("New-DcEncryptionKey", failure.Message);
            Assert.DoesNotContain("canary-no-config-pw", failure.Message);
        }

        [Fact]
        public void Without_a_key_ring_source_an_encrypted_value_is_a_missing_key()
        {
            var resolved = Resolve(Stored(TestKeys.Ring(Primary).Encrypt("canary-no-keysource")), keys: null);
            var failure = Assert.Single(resolved.Failures);
            Assert.Equal("password", failure.Field);
            Assert.Same(DcError.EncryptionKeyMissing, failure.Error);
            Assert.Contains("Source 'prod', field 'password'", failure.Message);
            Assert.DoesNotContain("canary-no-keysource", failure.Message);
            Assert.Null(resolved.Values["password"]);
            Assert.Equal("db.example", resolved.Values["host"]);
        }

        [Theory]
        [InlineData("enc:v1:")]
        [InlineData("enc:v1:0a1b2c3d")]
        [InlineData("enc:v1:xyz:canary-damaged-token")]
        public void A_damaged_value_fails_decryption(string stored)
        {
            var resolved = Resolve(Stored(stored), TestKeys.SourceOf(TestKeys.Ring(Primary)));
            var failure = Assert.Single(resolved.Failures);
            Assert.Same(DcError.DecryptionFailed, failure.Error);
            Assert.Equal("password", failure.Field);
            Assert.DoesNotContain("canary-damaged-token", failure.Message);
            Assert.Null(resolved.Values["password"]);
            Assert.Equal("db.example", resolved.Values["host"]);
        }

        [Fact]
        public void A_tampered_token_under_a_ring_key_fails_decryption()
        {
            var stored = TestKeys.Ring(Primary).Encrypt("canary-tamper-resolver");
            var tampered = stored.Substring(0, stored.Length - 6) + (stored[stored.Length - 6] == 'A' ? "B" : "A") + stored.Substring(stored.Length - 5);
            var failure = Assert.Single(Resolve(Stored(tampered), TestKeys.SourceOf(TestKeys.Ring(Primary))).Failures);
            Assert.Same(DcError.DecryptionFailed, failure.Error);
            Assert.StartsWith("Source 'prod', field 'password'", failure.Message);
            Assert.DoesNotContain("canary-tamper-resolver", failure.Message);
        }

        [Fact]
        public void Whole_encrypted_values_of_any_field_are_decrypted_but_list_items_are_taken_as_written()
        {
            // Only a whole field value is ever stored encrypted, and only those are rotated, counted and converted.
            var ring = TestKeys.Ring(Primary);
            var source = Stored(ring.Encrypt("canary-pw"));
            source.ConnectionInfo["username"] = ring.Encrypt("svc-user");
            var listItem = ring.Encrypt("audit");
            source.ConnectionInfo["exclude_schemas"] = new List<object?> { listItem, "pg_toast" };
            var resolved = Resolve(source, TestKeys.SourceOf(ring));
            Assert.True(resolved.Succeeded);
            Assert.Equal("svc-user", resolved.Values["username"]);
            Assert.Equal(new object?[] { listItem, "pg_toast" }, ((IEnumerable<object?>)resolved.Values["exclude_schemas"]!).ToArray());
        }

        [Fact]
        public void The_ring_is_not_loaded_for_a_source_without_encrypted_values()
        {
            var environmentReads = 0;
            var keys = new KeyRingSource(
                name =>
                {
                    environmentReads++;
                    return null;
                },
                () => throw new System.InvalidOperationException("The config must not be read."),
                TestKeys.MissingKeyFile(),
                null);
            var resolved = ConnectionResolver.Resolve(Stored("${PG_PASSWORD}"), TestKeys.Environment(("PG_HOST", "h"), ("PG_PASSWORD", "p")), null, keys);
            Assert.True(resolved.Succeeded);
            Assert.Equal(0, environmentReads);
        }
    }
}

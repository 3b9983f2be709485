using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    public class ReferenceCheckerEncryptionTests
    {
        private static readonly FernetKey Primary = FernetKey.Generate();
        private static readonly FernetKey Absent = FernetKey.Generate();

        private static StoredSource Stored(string password) => new StoredSource
        {
            Name = "prod",
            SourceType = "postgresql",
            ConnectionInfo = new OrderedMap { { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", password } },
        };

        private static ReferenceCheck CheckOne(string password, KeyRingSource? keys)
        {
            var backend = new InMemorySecretBackend("Store");
            var checks = new ReferenceChecker(TestKeys.Environment(), backend, keys).Check(Stored(password));
            Assert.Empty(backend.Calls);
            return Assert.Single(checks);
        }

        private static string TokenOf(string stored) => EncryptedValue.TryParse(stored, out _, out var token) ? token : stored;

        [Fact]
        public void A_value_its_key_opens_is_ok()
        {
            var stored = TestKeys.Ring(Primary).Encrypt("canary-check-ok");
            var check = CheckOne(stored, TestKeys.SourceOf(TestKeys.Ring(Primary)));
            Assert.Equal(ReferenceStatus.Ok, check.Status);
            Assert.True(check.Resolvable);
            Assert.Equal("prod", check.Source);
            Assert.Equal("password", check.Field);
            Assert.Equal($"enc:v1:{Primary.Id}", check.Reference);
            Assert.Equal(ReferenceKind.Encrypted, check.Kind);
            Assert.Contains(Primary.Id, check.Message);
            Assert.DoesNotContain("canary-check-ok", check.Message);
            Assert.DoesNotContain(TokenOf(stored), check.Message);
        }

        [Fact]
        public void A_value_whose_key_is_not_in_the_ring_is_key_missing()
        {
            var stored = TestKeys.Ring(Absent).Encrypt("canary-check-absent");
            var check = CheckOne(stored, TestKeys.SourceOf(TestKeys.Ring(Primary)));
            Assert.Equal(ReferenceStatus.KeyMissing, check.Status);
            Assert.False(check.Resolvable);
            Assert.Equal($"enc:v1:{Absent.Id}", check.Reference);
            Assert.Contains(Absent.Id, check.Message);
            Assert.DoesNotContain("canary-check-absent", check.Message);
            Assert.DoesNotContain(TokenOf(stored), check.Message);
        }

        [Fact]
        public void No_key_configured_is_key_missing()
        {
            var stored = TestKeys.Ring(Primary).Encrypt("canary-check-nokey");
            Assert.Equal(ReferenceStatus.KeyMissing, CheckOne(stored, TestKeys.SourceOf(null)).Status);
            var withoutSource = CheckOne(stored, null);
            Assert.Equal(ReferenceStatus.KeyMissing, withoutSource.Status);
            Assert.Equal($"enc:v1:{Primary.Id}", withoutSource.Reference);
        }

        [Fact]
        public void A_tampered_value_is_decryption_failed()
        {
            var stored = TestKeys.Ring(Primary).Encrypt("canary-check-tamper");
            var tampered = stored.Substring(0, 20) + (stored[20] == 'A' ? 'B' : 'A') + stored.Substring(21);
            var check = CheckOne(tampered, TestKeys.SourceOf(TestKeys.Ring(Primary)));
            Assert.Equal(ReferenceStatus.DecryptionFailed, check.Status);
            Assert.Equal($"enc:v1:{Primary.Id}", check.Reference);
            Assert.DoesNotContain(TokenOf(tampered), check.Message);
            Assert.DoesNotContain("canary-check-tamper", check.Message);
        }

        [Fact]
        public void A_damaged_value_is_decryption_failed_and_shows_no_token()
        {
            var check = CheckOne("enc:v1:0a1b2c3d", TestKeys.SourceOf(TestKeys.Ring(Primary)));
            Assert.Equal(ReferenceStatus.DecryptionFailed, check.Status);
            Assert.Equal("enc:v1:?", check.Reference);

            var garbage = CheckOne("enc:v1:zz:canary-garbage-token", TestKeys.SourceOf(TestKeys.Ring(Primary)));
            Assert.Equal(ReferenceStatus.DecryptionFailed, garbage.Status);
            Assert.DoesNotContain("canary-garbage-token", garbage.Reference);
            Assert.DoesNotContain("canary-garbage-token", garbage.Message);
        }

        [Fact]
        public void Each_encrypted_field_gets_its_own_check_beside_the_other_references()
        {
            var ring = TestKeys.Ring(Primary);
            var source = Stored(ring.Encrypt("canary-a"));
            source.ConnectionInfo["host"] = "${PG_HOST}";
            source.ConnectionInfo["username"] = TestKeys.Ring(Absent).Encrypt("canary-b");
            var checks = new ReferenceChecker(TestKeys.Environment(("PG_HOST", "h")), new InMemorySecretBackend(), TestKeys.SourceOf(ring)).Check(source);
            Assert.Equal(new[] { ("host", ReferenceStatus.Ok), ("username", ReferenceStatus.KeyMissing), ("password", ReferenceStatus.Ok) },
                checks.Select(check => (check.Field, check.Status)));
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Operations.Keys;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    public class EncryptionStatusTests
    {
        private static readonly FernetKey Primary = FernetKey.Generate();
        private static readonly FernetKey Secondary = FernetKey.Generate();
        private static readonly FernetKey Unknown = FernetKey.Generate();
        private static readonly FernetKey OtherUnknown = FernetKey.Generate();

        private static StoredSource Source(long id, string name, params (string Field, object? Value)[] fields)
        {
            var info = new OrderedMap();
            foreach (var (field, value) in fields)
            {
                info.Add(field, value);
            }

            return new StoredSource { Id = id, Name = name, SourceType = "postgresql", ConnectionInfo = info };
        }

        private static string Tampered(string stored)
        {
            var position = stored.Length - 10;
            return stored.Substring(0, position) + (stored[position] == 'x' ? 'y' : 'x') + stored.Substring(position + 1);
        }

        private static Dictionary<string, KeyUsage> ByKey(IReadOnlyList<KeyUsage> usages) => usages.ToDictionary(usage => usage.KeyId);

        [Fact]
        public void The_ring_keys_are_listed_even_without_values()
        {
            var usages = EncryptionStatus.Summarize(new[] { Source(1, "plain", ("password", "${P}")) }, TestKeys.Ring(Primary, Secondary));
            Assert.Equal(new[] { (Primary.Id, KeyRole.Primary), (Secondary.Id, KeyRole.Secondary) }, usages.Select(usage => (usage.KeyId, usage.Role)));
            Assert.All(usages, usage => Assert.Empty(usage.Fields));
            Assert.All(usages, usage => Assert.Empty(usage.Unreadable));
        }

        [Fact]
        public void No_sources_at_all_still_lists_the_ring() =>
            Assert.Equal(2, EncryptionStatus.Summarize(new StoredSource[0], TestKeys.Ring(Primary, Secondary)).Count);

        [Fact]
        public void Counts_values_per_key_and_lists_unknown_keys_as_not_in_ring()
        {
            var sources = new[]
            {
                Source(1, "a", ("password", TestKeys.Ring(Primary).Encrypt("canary-a")), ("username", TestKeys.Ring(Secondary).Encrypt("canary-a-user"))),
                Source(2, "b", ("password", TestKeys.Ring(Unknown).Encrypt("canary-b"))),
                Source(3, "c", ("password", TestKeys.Ring(Unknown).Encrypt("canary-c")), ("token", TestKeys.Ring(OtherUnknown).Encrypt("canary-c-token"))),
                Source(4, "d", ("password", "canary-plaintext-d"), ("host", "${H}")),
            };
            var usages = EncryptionStatus.Summarize(sources, TestKeys.Ring(Primary, Secondary));
            Assert.Equal(
                new[] { (Primary.Id, KeyRole.Primary), (Secondary.Id, KeyRole.Secondary), (Unknown.Id, KeyRole.NotInRing), (OtherUnknown.Id, KeyRole.NotInRing) },
                usages.Select(usage => (usage.KeyId, usage.Role)));
            var byKey = ByKey(usages);
            Assert.Equal(new[] { "a.password" }, byKey[Primary.Id].Fields);
            Assert.Empty(byKey[Primary.Id].Unreadable);
            Assert.Equal(new[] { "a.username" }, byKey[Secondary.Id].Fields);
            Assert.Empty(byKey[Secondary.Id].Unreadable);
            Assert.Equal(new[] { "b.password", "c.password" }, byKey[Unknown.Id].Fields);
            Assert.Equal(new[] { "b.password", "c.password" }, byKey[Unknown.Id].Unreadable);
            Assert.Equal(new[] { "c.token" }, byKey[OtherUnknown.Id].Unreadable);
        }

        [Fact]
        public void A_damaged_value_is_listed_under_damaged_and_unreadable()
        {
            var sources = new[] { Source(1, "a", ("password", "enc:v1:nothex!!:canary-damaged")), Source(2, "b", ("password", "enc:v1:")) };
            var usages = EncryptionStatus.Summarize(sources, TestKeys.Ring(Primary));
            var damaged = ByKey(usages)[EncryptionStatus.DamagedKeyId];
            Assert.Equal("(damaged)", damaged.KeyId);
            Assert.Equal(KeyRole.NotInRing, damaged.Role);
            Assert.Equal(new[] { "a.password", "b.password" }, damaged.Fields);
            Assert.Equal(new[] { "a.password", "b.password" }, damaged.Unreadable);
            Assert.Empty(ByKey(usages)[Primary.Id].Fields);
        }

        [Fact]
        public void A_tampered_value_under_a_ring_key_is_counted_there_and_unreadable()
        {
            var good = TestKeys.Ring(Primary).Encrypt("canary-good");
            var sources = new[]
            {
                Source(1, "a", ("password", good)),
                Source(2, "b", ("password", Tampered(TestKeys.Ring(Primary).Encrypt("canary-tampered")))),
                Source(3, "c", ("password", Tampered(TestKeys.Ring(Secondary).Encrypt("canary-tampered-2")))),
            };
            var byKey = ByKey(EncryptionStatus.Summarize(sources, TestKeys.Ring(Primary, Secondary)));
            Assert.Equal(new[] { "a.password", "b.password" }, byKey[Primary.Id].Fields);
            Assert.Equal(new[] { "b.password" }, byKey[Primary.Id].Unreadable);
            Assert.Equal(new[] { "c.password" }, byKey[Secondary.Id].Unreadable);
            Assert.Equal(KeyRole.Primary, byKey[Primary.Id].Role);
        }

        [Fact]
        public void Without_a_ring_every_value_is_not_in_ring_and_unreadable()
        {
            var sources = new[]
            {
                Source(1, "a", ("password", TestKeys.Ring(Primary).Encrypt("canary-noring-a"))),
                Source(2, "b", ("password", TestKeys.Ring(Secondary).Encrypt("canary-noring-b")), ("token", "enc:v1:bad")),
            };
            var usages = EncryptionStatus.Summarize(sources, null);
            Assert.Equal(3, usages.Count);
            Assert.All(usages, usage => Assert.Equal(KeyRole.NotInRing, usage.Role));
            Assert.All(usages, usage => Assert.Equal(usage.Fields, usage.Unreadable));
            Assert.Equal(new[] { Primary.Id, Secondary.Id, EncryptionStatus.DamagedKeyId }, usages.Select(usage => usage.KeyId));
        }

        [Fact]
        public void Without_a_ring_or_values_there_is_nothing_to_report() =>
            Assert.Empty(EncryptionStatus.Summarize(new[] { Source(1, "a", ("password", "${P}")) }, null));

        [Fact]
        public void Only_string_values_that_start_with_the_prefix_count()
        {
            var sources = new[]
            {
                Source(1, "a", ("password", "ENC:V1:0a1b2c3d:x"), ("port", 5432L), ("list", new List<object?> { "x" }), ("empty", null)),
            };
            var usages = EncryptionStatus.Summarize(sources, TestKeys.Ring(Primary));
            Assert.Empty(Assert.Single(usages).Fields);
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Keys;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    public sealed class KeyRotationTests : IDisposable
    {
        private static readonly FernetKey NewKey = FernetKey.Generate();
        private static readonly FernetKey OldKey = FernetKey.Generate();
        private static readonly FernetKey LostKey = FernetKey.Generate();
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-rotation-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        private static KeyRing Ring => TestKeys.Ring(NewKey, OldKey);

        private KeyRingSource Keys => new KeyRingSource(
            TestKeys.Environment((KeyRingSource.EnvironmentVariable, Ring.ToText())), () => new DcConfig(), Path.Combine(_folder, KeyFile.FileName), null);

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        /// <summary>Adds a source whose password (and optionally username) hold the given stored values.</summary>
        private void Add(string name, string password, string? username = null)
        {
            var source = new NewSource(name, "postgresql", null, new OrderedMap
            {
                { "host", "db" }, { "database", "sales" }, { "username", username ?? "app" }, { "password", password },
            });
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            catalog.AddSource(source);
        }

        private IReadOnlyList<StoredSource> Sources()
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return catalog.ListSources();
        }

        private string Stored(string source, string field = "password") =>
            (string)Sources().Single(candidate => candidate.Name == source).ConnectionInfo[field]!;

        [Fact]
        public void Pending_lists_every_value_not_under_the_primary_including_damaged_ones()
        {
            Add("current", TestKeys.Ring(NewKey).Encrypt("canary-current"));
            Add("old", TestKeys.Ring(OldKey).Encrypt("canary-old"), username: TestKeys.Ring(OldKey).Encrypt("old-user"));
            Add("lost", TestKeys.Ring(LostKey).Encrypt("canary-lost"));
            Add("damaged", "enc:v1:garbage");
            Add("reference", "${P}");
            Add("plain", "canary-plain-not-encrypted");

            var pending = KeyRotation.Pending(Sources(), Ring);
            Assert.Equal(
                new[] { ("damaged", "password", (string?)null), ("lost", "password", LostKey.Id), ("old", "username", OldKey.Id), ("old", "password", OldKey.Id) },
                pending.Select(field => (field.Source, field.Field, field.KeyId)));
            Assert.All(pending, field => Assert.DoesNotContain("canary", field.ToString()));
        }

        [Fact]
        public void A_primary_key_id_in_upper_case_is_still_current()
        {
            var stored = TestKeys.Ring(NewKey).Encrypt("canary-upper");
            Add("upper", "enc:v1:" + NewKey.Id.ToUpperInvariant() + stored.Substring(15));
            Assert.Empty(KeyRotation.Pending(Sources(), Ring));
        }

        [Fact]
        public void RotateBatch_re_encrypts_under_the_primary_and_keeps_the_plaintext()
        {
            Add("a", TestKeys.Ring(OldKey).Encrypt("canary-rotate-a"), username: TestKeys.Ring(OldKey).Encrypt("canary-rotate-user"));
            Add("b", TestKeys.Ring(OldKey).Encrypt("canary-rotate-b"));
            var before = Sources().Single(source => source.Name == "a");

            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                var outcomes = KeyRotation.RotateBatch(KeyRotation.Pending(Sources(), Ring), Keys, catalog);
                Assert.Equal(3, outcomes.Count);
                Assert.All(outcomes, outcome => Assert.Null(outcome.Failure));
            }

            foreach (var (source, field, plaintext) in new[] { ("a", "password", "canary-rotate-a"), ("a", "username", "canary-rotate-user"), ("b", "password", "canary-rotate-b") })
            {
                var stored = Stored(source, field);
                Assert.StartsWith($"enc:v1:{NewKey.Id}:", stored);
                Assert.Equal(plaintext, TestKeys.Ring(NewKey).Decrypt(stored, "ctx"));
            }

            var after = Sources().Single(source => source.Name == "a");
            Assert.Equal(before.ConnectionInfo.Keys, after.ConnectionInfo.Keys);
            Assert.Equal("db", after.ConnectionInfo["host"]);
            Assert.Empty(KeyRotation.Pending(Sources(), Ring));
        }

        [Fact]
        public void A_value_whose_key_is_missing_fails_and_stays_byte_identical()
        {
            var lost = TestKeys.Ring(LostKey).Encrypt("canary-lost-rotation");
            Add("lost", lost);
            Add("damaged", "enc:v1:zz:canary-damaged-token");
            Add("old", TestKeys.Ring(OldKey).Encrypt("canary-old-rotation"));

            IReadOnlyList<RotationOutcome> outcomes;
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                outcomes = KeyRotation.RotateBatch(KeyRotation.Pending(Sources(), Ring), Keys, catalog);
            }

            var byName = outcomes.ToDictionary(outcome => outcome.Field.Source);
            Assert.Same(DcError.EncryptionKeyMissing, byName["lost"].Failure!.Error);
            Assert.Contains(LostKey.Id, byName["lost"].Failure!.Message);
            Assert.Same(DcError.DecryptionFailed, byName["damaged"].Failure!.Error);
            Assert.Null(byName["old"].Failure);
            Assert.Equal(lost, Stored("lost"));
            Assert.Equal("enc:v1:zz:canary-damaged-token", Stored("damaged"));
            Assert.StartsWith($"enc:v1:{NewKey.Id}:", Stored("old"));
            foreach (var outcome in outcomes.Where(outcome => outcome.Failure != null))
            {
                TestKeys.AssertNoCanary(outcome.Failure!, "canary-lost-rotation", "canary-damaged-token", lost.Substring(16));
            }
        }

        [Fact]
        public void A_value_changed_since_pending_is_reported_and_left_alone()
        {
            Add("a", TestKeys.Ring(OldKey).Encrypt("canary-race-a"));
            Add("b", TestKeys.Ring(OldKey).Encrypt("canary-race-b"));
            var pending = KeyRotation.Pending(Sources(), Ring);

            // Another process rotated 'a' by hand meanwhile.
            var replacedMeanwhile = TestKeys.Ring(OldKey).Encrypt("canary-race-new");
            using (var other = SourceCatalog.OpenForWrite(DatabasePath))
            {
                var a = other.FindSource("a")!;
                other.UpdateFields(a.Id, new Dictionary<string, object?> { ["password"] = replacedMeanwhile }, null);
            }

            IReadOnlyList<RotationOutcome> outcomes;
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                outcomes = KeyRotation.RotateBatch(pending, Keys, catalog);
            }

            var byName = outcomes.ToDictionary(outcome => outcome.Field.Source);
            Assert.Same(DcError.SourceInvalid, byName["a"].Failure!.Error);
            Assert.Contains("Source 'a', field 'password'", byName["a"].Failure!.Message);
            Assert.Contains("Update-DcEncryptionKey", byName["a"].Failure!.Message);
            TestKeys.AssertNoCanary(byName["a"].Failure!, "canary-race-a", "canary-race-new");
            Assert.Null(byName["b"].Failure);
            Assert.Equal(replacedMeanwhile, Stored("a"));
            Assert.StartsWith($"enc:v1:{NewKey.Id}:", Stored("b"));

            // The next run finds the value that was changed, still under its old key, and rotates it.
            var rerun = KeyRotation.Pending(Sources(), Ring);
            Assert.Equal("a", Assert.Single(rerun).Source);
        }

        [Fact]
        public void A_removed_source_is_reported_and_the_rest_rotate()
        {
            Add("gone", TestKeys.Ring(OldKey).Encrypt("canary-gone"));
            Add("kept", TestKeys.Ring(OldKey).Encrypt("canary-kept"));
            var pending = KeyRotation.Pending(Sources(), Ring);
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            catalog.RemoveSource(catalog.FindSource("gone")!.Id);
            var outcomes = KeyRotation.RotateBatch(pending, Keys, catalog);
            Assert.NotNull(outcomes.Single(outcome => outcome.Field.Source == "gone").Failure);
            Assert.Null(outcomes.Single(outcome => outcome.Field.Source == "kept").Failure);
            Assert.StartsWith($"enc:v1:{NewKey.Id}:", (string)catalog.FindSource("kept")!.ConnectionInfo["password"]!);
        }

        [Fact]
        public void Pending_after_a_rotation_gives_nothing_and_a_second_run_changes_nothing()
        {
            Add("a", TestKeys.Ring(OldKey).Encrypt("canary-twice"));
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                KeyRotation.RotateBatch(KeyRotation.Pending(Sources(), Ring), Keys, catalog);
            }

            var rotated = Stored("a");
            Assert.Empty(KeyRotation.Pending(Sources(), Ring));
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                Assert.Empty(KeyRotation.RotateBatch(KeyRotation.Pending(Sources(), Ring), Keys, catalog));
            }

            Assert.Equal(rotated, Stored("a"));
        }

        [Fact]
        public void An_empty_batch_does_not_touch_the_catalog()
        {
            Add("a", TestKeys.Ring(NewKey).Encrypt("canary-empty"));
            var before = Sources().Single().UpdatedAt;
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                Assert.Empty(KeyRotation.RotateBatch(Array.Empty<EncryptedField>(), Keys, catalog));
            }

            Assert.Equal(before, Sources().Single().UpdatedAt);
        }
    }
}

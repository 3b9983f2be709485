using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Operations.Keys;
using DataCompass.Core.Operations.Rotate;
using DataCompass.Core.Operations.Set;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using Xunit;

namespace DataCompass.Tests
{
    /// <summary>
    /// A writer encrypts with the primary key K; before it commits, New-DcEncryptionKey makes another key primary and
    /// Remove-DcEncryptionKey -KeyId K finds no value in the catalog that needs K and removes it. The plan/apply split
    /// of each writer is where the removal is interleaved. The commit must then fail with DcEncryptionKeyMissing and
    /// leave the catalog as it was, instead of storing a value no key opens.
    /// </summary>
    public sealed class EncryptingWriterKeyRemovalTests : IDisposable
    {
        private const string Canary = "Canary-race-8d1f0b";
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-key-race-" + Guid.NewGuid().ToString("n"));
        private readonly InMemorySecretBackend _backend = new InMemorySecretBackend("Store");
        private readonly FernetKey _first = FernetKey.Generate();
        private readonly FernetKey _next = FernetKey.Generate();
        private readonly FernetKey _older = FernetKey.Generate();

        public EncryptingWriterKeyRemovalTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        private string KeyFilePath => KeyFile.PathFor(DatabasePath);

        private static Func<string, string?> NoEnvironment => _ => null;

        /// <summary>The key ring a command finds first: the key file's, read once, as the cmdlets' key ring source does.</summary>
        private KeyRingSource Keys() => new KeyRingSource(NoEnvironment, () => new DcConfig(), KeyFilePath, _backend);

        private void WriteKeyFile(params FernetKey[] keys) => KeyFile.Write(KeyFilePath, new KeyRing(keys, "test"));

        /// <summary>New-DcEncryptionKey, then Remove-DcEncryptionKey -KeyId of the key that was primary, in another process.</summary>
        private void RetireAndRemove(FernetKey retired, params FernetKey[] ringAfter)
        {
            WriteKeyFile(new[] { _next }.Concat(ringAfter).Append(retired).ToArray());
            CatalogEncryptedValues Read()
            {
                using var catalog = SourceCatalog.OpenForRead(DatabasePath);
                return catalog == null ? new CatalogEncryptedValues(Array.Empty<StoredSource>(), Array.Empty<StoredChannel>()) : CatalogEncryptedValues.Read(catalog);
            }

            var removal = new KeyRemoval(DatabasePath, _backend, NoEnvironment, () => new DcConfig(), Read, new RecordingHost());
            var result = removal.Remove(new[] { retired.Id });
            Assert.Equal(new[] { retired.Id }, result.Removed);
        }

        private static OrderedMap Postgres(string password) => new OrderedMap
        {
            { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", password },
        };

        private static SecretPolicyOptions Encrypting(KeyRingSource keys) => new SecretPolicyOptions(new DcConfig(), null, allowPlaintext: false, keys, encrypt: true);

        private string FileHash() => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(DatabasePath)));

        private IReadOnlyList<StoredSource> Sources()
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return catalog.ListSources();
        }

        private int EventCount()
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return catalog.ReadAuditEvents(new AuditQuery()).Count;
        }

        private static void AssertKeyMissing(DataCompassException error, FernetKey removed)
        {
            Assert.Same(DcError.EncryptionKeyMissing, error.Error);
            Assert.Equal(removed.Id, error.Target);
            Assert.Contains(removed.Id, error.Message);
            Assert.Contains("Nothing was written", error.Message);
            TestKeys.AssertNoCanary(error, Canary);
        }

        [Fact]
        public void An_add_whose_key_was_removed_before_its_commit_fails_and_adds_nothing()
        {
            WriteKeyFile(_first);
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(new NewSource("other", "postgresql", null, Postgres("${PG}")));
            }

            var hash = FileHash();
            using var writer = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SecretPolicy.Plan(SourceDefinition.Prepare("prod", "postgresql", null, Postgres(Canary)), Encrypting(Keys()), _backend, writer);
            Assert.Equal(_first.Id, EncryptedValue.KeyIdOf((string)plan.Source.ConnectionInfo["password"]!));

            RetireAndRemove(_first);

            var error = Assert.Throws<DataCompassException>(() => SourceAdder.Add(plan, _backend, writer));
            AssertKeyMissing(error, _first);
            Assert.Equal(new[] { "other" }, Sources().Select(source => source.Name));
            Assert.Equal(1, EventCount());
            writer.Dispose();
            Assert.Equal(hash, FileHash());
        }

        [Fact]
        public void A_set_whose_key_was_removed_before_its_commit_fails_and_changes_nothing()
        {
            WriteKeyFile(_first);
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(new NewSource("prod", "postgresql", null, Postgres("${PG}")));
            }

            var before = Sources().Single();
            using var writer = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SourceEditor.Plan(before, new SourceEdit { Fields = new OrderedMap { { "password", Canary } } }, Encrypting(Keys()), _backend, writer);

            RetireAndRemove(_first);

            AssertKeyMissing(Assert.Throws<DataCompassException>(() => SourceEditor.Apply(plan, _backend, writer)), _first);
            Assert.Equal("${PG}", Sources().Single().ConnectionInfo["password"]);
            Assert.Equal(1, EventCount());
        }

        [Fact]
        public void A_set_that_writes_no_new_encrypted_value_is_not_held_to_the_keys_of_the_stored_ones()
        {
            // A stored value under a key the ring lacks is Test-DcSource's KeyMissing; changing another field still works.
            var lost = new KeyRing(new[] { _older }, "lost").Encrypt("lost-value");
            WriteKeyFile(_first);
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(new NewSource("prod", "postgresql", null, Postgres(lost)));
            }

            using var writer = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SourceEditor.Plan(Sources().Single(), new SourceEdit { Fields = new OrderedMap { { "host", "db2" } } }, Encrypting(Keys()), _backend, writer);

            var updated = SourceEditor.Apply(plan, _backend, writer);

            Assert.Equal(("db2", lost), (updated.ConnectionInfo["host"], updated.ConnectionInfo["password"]));
        }

        [Fact]
        public void A_secret_rotation_whose_key_was_removed_before_its_commit_fails_and_keeps_the_old_value()
        {
            WriteKeyFile(_first);
            var stored = new KeyRing(new[] { _first }, "test").Encrypt("old-value");
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(new NewSource("prod", "postgresql", null, Postgres(stored)));
            }

            using var writer = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SecretRotation.Plan(Sources().Single(), "password", null, null, new DcConfig(), _backend, writer, Keys());
            Assert.NotNull(plan.Ring);

            // Update-DcEncryptionKey moved the stored value to the new primary first, so the old key is free to go.
            WriteKeyFile(_next, _first);
            var moved = new KeyRing(new[] { _next }, "test").Encrypt("old-value");
            Assert.True(writer.ReplaceValues(new[] { new FieldReplacement(Sources().Single().Id, "password", stored, moved) }).Single());
            RetireAndRemove(_first);

            AssertKeyMissing(Assert.Throws<DataCompassException>(() => SecretRotation.Apply(plan, Canary, _backend, writer)), _first);
            Assert.Equal(moved, Sources().Single().ConnectionInfo["password"]);
        }

        [Fact]
        public void A_re_encryption_batch_whose_primary_was_removed_before_its_commit_fails_and_keeps_every_value()
        {
            WriteKeyFile(_first, _older);
            var old = new KeyRing(new[] { _older }, "test").Encrypt("canary-older");
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(new NewSource("prod", "postgresql", null, Postgres(old)));
            }

            var keys = Keys();
            var pending = KeyRotation.Pending(Sources(), keys.Require("test"));
            Assert.Single(pending);

            // Another command made a new primary and removed _first, which no stored value needed yet.
            RetireAndRemove(_first, _older);

            using var writer = SourceCatalog.OpenForWrite(DatabasePath);
            AssertKeyMissing(Assert.Throws<DataCompassException>(() => KeyRotation.RotateBatch(pending, keys, writer)), _first);
            Assert.Equal(old, Sources().Single().ConnectionInfo["password"]);
        }

        [Fact]
        public void The_commit_runs_under_the_key_ring_lock()
        {
            WriteKeyFile(_first);
            var value = new KeyRing(new[] { _first }, "test").Encrypt(Canary);

            var lockHeld = KeyRingGuard.Commit(Keys(), new object?[] { "${PG}", value }, "test", () =>
                // Remove-DcEncryptionKey's lock cannot be had while the writer commits.
                Assert.Throws<IOException>(() => new FileStream(KeyFilePath + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None)) != null);

            Assert.True(lockHeld);
            using (new FileStream(KeyFilePath + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                // Released after the commit.
            }
        }

        [Fact]
        public void With_the_key_still_in_the_ring_the_add_commits_and_removal_then_refuses()
        {
            WriteKeyFile(_first);
            using var writer = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = SecretPolicy.Plan(SourceDefinition.Prepare("prod", "postgresql", null, Postgres(Canary)), Encrypting(Keys()), _backend, writer);
            WriteKeyFile(_next, _first);

            var committed = SourceAdder.Add(plan, _backend, writer);

            Assert.Equal(Canary, new KeyRing(new[] { _first }, "test").Decrypt((string)committed.ConnectionInfo["password"]!, "test"));
            var refused = new KeyRemoval(DatabasePath, _backend, NoEnvironment, () => new DcConfig(), () => CatalogEncryptedValues.Read(writer), new RecordingHost())
                .Remove(new[] { _first.Id });
            Assert.Empty(refused.Removed);
            Assert.Same(DcError.EncryptionKeyInUse, Assert.Single(refused.Refused).Error);
        }

        [Fact]
        public void A_commit_without_encrypted_values_takes_no_lock_and_needs_no_key_ring()
        {
            Assert.Equal(42, KeyRingGuard.Commit(null, new object?[] { "${PG}", "plain", null, 5L }, "test", () => 42));
            Assert.False(File.Exists(KeyFilePath + ".lock"));
        }

        [Fact]
        public void A_ring_from_the_environment_variable_is_checked_without_the_lock()
        {
            var ring = new KeyRing(new[] { _first }, "test");
            var keys = new KeyRingSource(TestKeys.Environment((KeyRingSource.EnvironmentVariable, ring.ToText())), () => new DcConfig(), KeyFilePath, null);
            var lost = new KeyRing(new[] { _older }, "test").Encrypt("x");

            Assert.Equal(1, KeyRingGuard.Commit(keys, new object?[] { ring.Encrypt(Canary) }, "test", () => 1));
            AssertKeyMissing(Assert.Throws<DataCompassException>(() => KeyRingGuard.Commit(keys, new object?[] { lost }, "test", () => 1)), _older);
            Assert.False(File.Exists(KeyFilePath + ".lock"));
        }
    }
}

using System;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Remove;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;
using Xunit;

namespace DataCompass.Tests
{
    public sealed class SourceRemovalTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-removal-" + Guid.NewGuid().ToString("n"));
        private readonly InMemorySecretBackend _backend = new InMemorySecretBackend("Store");
        private readonly SourceCatalog _catalog;

        public SourceRemovalTests()
        {
            _catalog = SourceCatalog.OpenForWrite(Path.Combine(_folder, "datacompass.db"));
        }

        public void Dispose()
        {
            _catalog.Dispose();
            Directory.Delete(_folder, recursive: true);
        }

        private StoredSource Add(string name, string secretName, bool owned)
        {
            _backend.Put("Store", secretName, SecretValue.FromText("s3cret"));
            var source = TestSources.Plan(name, "postgresql", null, new OrderedMap
            {
                { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", $"${{secret:Store/{secretName}}}" },
            }, allowPlaintext: false).Source;
            return _catalog.AddSource(source, owned ? new[] { new OwnedSecret("password", "Store", secretName) } : null);
        }

        private SourceRemoval Removal(Action? onBackend = null) => new SourceRemoval(_catalog, () =>
        {
            onBackend?.Invoke();
            return _backend;
        });

        [Fact]
        public void RemovesTheRowThenTheOwnedSecret()
        {
            var source = Add("pg", "DataCompass-pg-password", owned: true);

            var result = Removal().Remove(source, removeSecrets: true);

            Assert.True(result.Removed);
            Assert.Equal("DataCompass-pg-password", Assert.Single(result.RemovedSecrets).SecretName);
            Assert.Empty(_catalog.ListSources());
            Assert.Null(_backend.Peek("Store", "DataCompass-pg-password"));
        }

        [Fact]
        public void AnOwnedSecretAlreadyGoneFromTheVaultCountsAsRemoved()
        {
            var source = Add("pg", "DataCompass-pg-password", owned: true);
            _backend.Remove("Store", "DataCompass-pg-password");

            var result = Removal().Remove(source, removeSecrets: true);

            Assert.True(result.Removed);
            Assert.Empty(result.FailedSecrets);
            Assert.Equal("DataCompass-pg-password", Assert.Single(result.RemovedSecrets).SecretName);
            Assert.Empty(_catalog.PendingSecretRemovals());
        }

        [Fact]
        public void ASecretTheVaultDidNotRemoveStaysQueuedAndTheNextRunRemovesIt()
        {
            var source = Add("pg", "DataCompass-pg-password", owned: true);
            _backend.FailRemoves = true;

            var result = Removal().Remove(source, removeSecrets: true);

            Assert.Single(result.FailedSecrets);
            Assert.Empty(_catalog.ListSources());
            var queued = Assert.Single(_catalog.PendingSecretRemovals());
            Assert.Equal(("Store", "DataCompass-pg-password", "pg"), (queued.Vault, queued.SecretName, queued.SourceName));

            _backend.FailRemoves = false;
            var finished = Removal().FinishPending(_ => true);

            Assert.Equal("DataCompass-pg-password", Assert.Single(finished.RemovedSecrets).SecretName);
            Assert.Null(_backend.Peek("Store", "DataCompass-pg-password"));
            Assert.Empty(_catalog.PendingSecretRemovals());
        }

        [Fact]
        public void ARemovalKilledAfterTheRowWentIsFinishedByTheNextRun()
        {
            // What a kill between the row's transaction and the vault call leaves: no row, the secret, the queue entry.
            var source = Add("pg", "DataCompass-pg-password", owned: true);
            Assert.True(_catalog.RemoveSource(source.Id, _catalog.OwnedSecrets(source.Id)));
            Assert.NotNull(_backend.Peek("Store", "DataCompass-pg-password"));

            var finished = Removal().FinishPending(_ => true);

            Assert.Single(finished.RemovedSecrets);
            Assert.Null(_backend.Peek("Store", "DataCompass-pg-password"));
            Assert.Empty(_catalog.PendingSecretRemovals());
        }

        [Fact]
        public void AQueuedSecretTheVaultNoLongerHoldsOrASourceUsesAgainIsDroppedFromTheQueueUntouched()
        {
            var gone = Add("gone", "DataCompass-gone-password", owned: true);
            var reused = Add("reused", "DataCompass-reused-password", owned: true);
            _catalog.RemoveSource(gone.Id, _catalog.OwnedSecrets(gone.Id));
            _catalog.RemoveSource(reused.Id, _catalog.OwnedSecrets(reused.Id));
            _backend.Remove("Store", "DataCompass-gone-password");
            Add("again", "DataCompass-reused-password", owned: false);
            _backend.Calls.Clear();

            var finished = Removal().FinishPending(_ => true);

            Assert.Equal("DataCompass-gone-password", Assert.Single(finished.RemovedSecrets).SecretName);
            Assert.DoesNotContain(_backend.Calls, call => call.StartsWith("Remove ", StringComparison.Ordinal));
            Assert.NotNull(_backend.Peek("Store", "DataCompass-reused-password"));
            Assert.Empty(_catalog.PendingSecretRemovals());
        }

        [Fact]
        public void WithoutRemoveSecretsTheVaultIsNeverTouched()
        {
            var source = Add("pg", "DataCompass-pg-password", owned: true);
            var touched = false;

            var result = Removal(() => touched = true).Remove(source, removeSecrets: false);

            Assert.True(result.Removed);
            Assert.False(touched);
            Assert.NotNull(_backend.Peek("Store", "DataCompass-pg-password"));
        }

        [Fact]
        public void KeepsASecretAnotherSourceRefersTo()
        {
            var source = Add("pg", "DataCompass-pg-password", owned: true);
            Add("pg-copy", "dataCOMPASS-pg-PASSWORD", owned: false);

            var result = Removal().Remove(source, removeSecrets: true);

            var kept = Assert.Single(result.Kept);
            Assert.Equal("pg-copy", kept.UsedBy);
            Assert.Empty(result.RemovedSecrets);
            Assert.DoesNotContain(_backend.Calls, call => call.StartsWith("Remove ", StringComparison.Ordinal));
        }

        [Fact]
        public void ALockedVaultLeavesTheSourceAndItsSecret()
        {
            var source = Add("pg", "DataCompass-pg-password", owned: true);
            _backend.LockedVaults.Add("Store");

            var error = Assert.Throws<DataCompassException>(() => Removal().Remove(source, removeSecrets: true));

            Assert.Equal(DcError.VaultLocked, error.Error);
            Assert.Contains("Unlock-SecretVault -Name 'Store'", error.Message);
            Assert.Equal("pg", Assert.Single(_catalog.ListSources()).Name);
            _backend.LockedVaults.Clear();
            Assert.NotNull(_backend.Peek("Store", "DataCompass-pg-password"));
        }

        [Fact]
        public void AnUnregisteredVaultDoesNotBlockRemovalAndItsSecretIsReportedLeftOver()
        {
            var source = _catalog.AddSource(
                TestSources.Plan("pg", "postgresql", null, new OrderedMap
                {
                    { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", "${secret:Gone/DataCompass-pg-password}" },
                }, allowPlaintext: false).Source,
                new[] { new OwnedSecret("password", "Gone", "DataCompass-pg-password") });

            var result = Removal().Remove(source, removeSecrets: true);

            Assert.True(result.Removed);
            Assert.Equal(DcError.VaultNotFound, Assert.Single(result.FailedSecrets).Error.Error);
            Assert.Empty(_catalog.ListSources());
        }

        [Fact]
        public void ARowAlreadyRemovedIsReportedAndNoSecretIsTouched()
        {
            var source = Add("pg", "DataCompass-pg-password", owned: true);
            Assert.True(_catalog.RemoveSource(source.Id));

            var result = Removal().Remove(source, removeSecrets: true);

            Assert.False(result.Removed);
            Assert.NotNull(_backend.Peek("Store", "DataCompass-pg-password"));
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Move;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;
using Xunit;

namespace DataCompass.Tests
{
    /// <summary>Move-DcSourceSecret's core: what is planned, copied, swapped, recorded and removed, and what stops it.</summary>
    public sealed class SecretMoverTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-move-" + Guid.NewGuid().ToString("n"));
        private readonly InMemorySecretBackend _backend = new InMemorySecretBackend("Old", "New");
        private readonly Host _host = new Host();

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        /// <summary>A postgresql source whose password is ${secret:Old/name}, the secret created for it when <paramref name="owned"/>.</summary>
        private void AddSource(string source, string secretName, string value, bool owned = true, string vault = "Old")
        {
            _backend.Put(vault, secretName, SecretValue.FromText(value));
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var info = new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", "${secret:" + vault + "/" + secretName + "}" } };
            catalog.AddSource(new NewSource(source, "postgresql", null, info), owned ? new[] { new OwnedSecret("password", vault, secretName) } : null);
        }

        private IReadOnlyList<MoveItem> Run(bool removeOld = false)
        {
            IReadOnlyList<MoveItem> items;
            using (var catalog = SourceCatalog.OpenForRead(DatabasePath)!)
            {
                items = SecretMover.Plan(catalog.ListSources(), "Old", "New");
            }

            new MoveRun(_backend, () => SourceCatalog.OpenForWrite(DatabasePath), _host, removeOld).Run(items);
            return items;
        }

        private string Password(string source)
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return (string)catalog.FindSource(source)!.ConnectionInfo["password"]!;
        }

        private List<(string Field, string Vault, string Name)> Owned(string source)
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return catalog.OwnedSecrets(catalog.FindSource(source)!.Id).Select(owned => (owned.Field, owned.Vault, owned.SecretName)).ToList();
        }

        private List<StoredAuditEvent> MoveEvents()
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return catalog.ReadAuditEvents(new AuditQuery { Actions = new[] { AuditActions.Move } }).ToList();
        }

        [Fact]
        public void A_reference_is_copied_read_back_swapped_and_recorded_with_its_ownership_and_one_event()
        {
            AddSource("a", "sa", "pw-a");

            var items = Run();

            Assert.Equal(MoveStatus.Moved, Assert.Single(items).Status);
            Assert.Equal("${secret:New/sa}", Password("a"));
            Assert.Equal("pw-a", _backend.Peek("New", "sa")!.Text);
            Assert.NotNull(_backend.Peek("Old", "sa"));
            Assert.Contains(("password", "New", "sa"), Owned("a"));
            Assert.Contains((OwnedSecret.LeftBehindFieldOf("password", "Old"), "Old", "sa"), Owned("a"));
            var change = Assert.Single(Assert.Single(MoveEvents()).Fields);
            Assert.Equal(("${secret:Old/sa}", "${secret:New/sa}"), (change.Old, change.New));
            Assert.Contains("Get New/sa", _backend.Calls);
        }

        [Fact]
        public void A_second_run_finds_everything_already_moved_and_changes_nothing()
        {
            AddSource("a", "sa", "pw-a");
            Run();
            var calls = _backend.Calls.Count;

            var again = Run();

            Assert.Equal(MoveStatus.AlreadyMoved, Assert.Single(again).Status);
            Assert.Equal(calls, _backend.Calls.Count);
            Assert.Single(MoveEvents());
        }

        [Fact]
        public void RemoveOld_removes_only_an_owned_copy_no_other_source_uses()
        {
            AddSource("owned", "s1", "pw-1");
            AddSource("foreign", "s2", "pw-2", owned: false);
            AddSource("shared", "s3", "pw-3");
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                var info = new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", "${secret:Old/s3}" } };
                catalog.AddSource(new NewSource("stays", "postgresql", null, info));
            }

            IReadOnlyList<MoveItem> items;
            using (var catalog = SourceCatalog.OpenForRead(DatabasePath)!)
            {
                items = SecretMover.Plan(catalog.ListSources().Where(source => source.Name != "stays"), "Old", "New");
            }

            new MoveRun(_backend, () => SourceCatalog.OpenForWrite(DatabasePath), _host, removeOld: true).Run(items);

            Assert.All(items, item => Assert.Equal(MoveStatus.Moved, item.Status));
            Assert.Equal(new[] { true, false, false }, items.OrderBy(item => item.Source == "owned" ? 0 : item.Source == "foreign" ? 1 : 2).Select(item => item.Removed));
            Assert.Null(_backend.Peek("Old", "s1"));
            Assert.NotNull(_backend.Peek("Old", "s2"));
            Assert.NotNull(_backend.Peek("Old", "s3"));
            Assert.Contains("did not create it", items.Single(item => item.Source == "foreign").Message, StringComparison.Ordinal);
            Assert.Contains("source 'stays' still uses it", items.Single(item => item.Source == "shared").Message, StringComparison.Ordinal);
            using var read = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Empty(read.PendingSecretRemovals());
            Assert.Null(read.FindSecretOwner("Old", "s1"));
            Assert.Equal("shared", read.FindSecretOwner("Old", "s3"));
        }

        [Fact]
        public void A_copy_with_the_same_value_is_used_and_one_with_another_value_fails_that_field_only()
        {
            AddSource("same", "s1", "pw-1");
            AddSource("other", "s2", "pw-2");
            AddSource("fine", "s3", "pw-3");
            _backend.Put("New", "s1", SecretValue.FromText("pw-1"));
            _backend.Put("New", "s2", SecretValue.FromText("something else"));

            var items = Run().ToDictionary(item => item.Source);

            Assert.Equal(MoveStatus.Moved, items["same"].Status);
            Assert.Equal(MoveStatus.Failed, items["other"].Status);
            Assert.Equal(MoveStatus.Moved, items["fine"].Status);
            Assert.Equal("${secret:Old/s2}", Password("other"));
            Assert.Equal("something else", _backend.Peek("New", "s2")!.Text);
            var error = Assert.Single(_host.Errors);
            Assert.Equal(DcError.MoveTargetConflict, error.Error);
            Assert.Contains("'s2'", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("pw-2", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Set New/s1", _backend.Calls);
        }

        [Theory]
        [InlineData(false, MoveStatus.Declined)]
        [InlineData(true, MoveStatus.Planned)]
        public void Declined_fields_and_WhatIf_touch_no_vault_and_no_catalog(bool whatIf, MoveStatus expected)
        {
            AddSource("a", "sa", "pw-a");
            var before = File.ReadAllBytes(DatabasePath);
            _host.Allow = false;
            _host.IsWhatIf = whatIf;
            _backend.Calls.Clear();

            var items = Run(removeOld: true);

            Assert.Equal(expected, Assert.Single(items).Status);
            Assert.Empty(_backend.Calls);
            Assert.Equal(before, File.ReadAllBytes(DatabasePath));
        }

        [Fact]
        public void A_vault_failure_stops_the_run_and_leaves_the_rest_unchanged()
        {
            AddSource("a", "sa", "pw-a");
            AddSource("b", "sb", "pw-b");
            _backend.FailSetsAfter = 0;

            var exception = Assert.Throws<DataCompassException>(() => Run());

            Assert.Equal(DcError.VaultFailed, exception.Error);
            Assert.Contains("Run Move-DcSourceSecret again", exception.Message, StringComparison.Ordinal);
            Assert.Equal("${secret:Old/sa}", Password("a"));
            Assert.Equal("${secret:Old/sb}", Password("b"));
            Assert.Empty(MoveEvents());
        }

        [Fact]
        public void A_credential_and_a_secret_ref_hashtable_move_with_their_type()
        {
            _backend.Put("Old", "cred", SecretValue.FromCredential("app", "pw-c"));
            _backend.Put("Old", "map", SecretValue.FromMap(new Dictionary<string, string?> { ["password"] = "pw-m" }));
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(new NewSource("c", "postgresql", null, new OrderedMap { { "host", "db" }, { "password", "${secret:Old/cred}" } }));
                catalog.AddSource(new NewSource("m", "postgresql", null, new OrderedMap { { "host", "db" }, { "secret_ref", "vault://Old/map" } }));
            }

            var items = Run();

            Assert.All(items, item => Assert.Equal(MoveStatus.Moved, item.Status));
            Assert.Equal(SecretKind.Credential, _backend.Peek("New", "cred")!.Kind);
            Assert.Equal("pw-m", _backend.Peek("New", "map")!.Map!["password"]);
            using var read = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Equal("vault://New/map", read.FindSource("m")!.ConnectionInfo["secret_ref"]);
        }

        [Fact]
        public void A_row_changed_after_planning_is_left_alone_and_says_so()
        {
            AddSource("a", "sa", "pw-a");
            IReadOnlyList<MoveItem> items;
            using (var catalog = SourceCatalog.OpenForRead(DatabasePath)!)
            {
                items = SecretMover.Plan(catalog.ListSources(), "Old", "New");
            }

            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.UpdateFields(catalog.FindSource("a")!.Id, new Dictionary<string, object?> { ["password"] = "${DB_PASSWORD}" }, null);
            }

            new MoveRun(_backend, () => SourceCatalog.OpenForWrite(DatabasePath), _host, removeOld: true).Run(items);

            Assert.Equal(MoveStatus.Failed, items[0].Status);
            Assert.Equal(DcError.SourceChanged, Assert.Single(_host.Errors).Error);
            Assert.Equal("${DB_PASSWORD}", Password("a"));
            Assert.NotNull(_backend.Peek("Old", "sa"));
        }

        [Theory]
        [InlineData("Old", "old", "DcMoveVaultsSame")]
        [InlineData("Old", "Nowhere", "DcVaultNotFound")]
        [InlineData("Old", "New", "DcVaultLocked")]
        public void Vaults_that_are_the_same_missing_or_locked_stop_before_anything(string from, string to, string errorId)
        {
            _backend.LockedVaults.Add("New");

            var exception = Assert.Throws<DataCompassException>(() => SecretMover.CheckVaults(_backend, from, to));

            Assert.Equal(errorId, exception.Error.Id);
            Assert.Contains($"'{(errorId == "DcMoveVaultsSame" ? from : to)}'", exception.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(_backend.Calls, call => call.StartsWith("Set ", StringComparison.Ordinal));
        }

        [Fact]
        public void CheckVaults_gives_the_registered_spelling()
        {
            Assert.Equal(("Old", "New"), SecretMover.CheckVaults(_backend, "old", "NEW"));
        }

        private sealed class Host : IMoveHost
        {
            public bool Allow { get; set; } = true;

            public bool IsWhatIf { get; set; }

            public List<DataCompassException> Errors { get; } = new List<DataCompassException>();

            public List<MoveItem> Emitted { get; } = new List<MoveItem>();

            public bool ShouldProcess(string target, string action) => Allow;

            public void Warn(string message)
            {
            }

            public void Emit(MoveItem item) => Emitted.Add(item);

            public void Error(DataCompassException error) => Errors.Add(error);

            public void Progress(int done, int planned, MoveItem? current)
            {
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Operations.Convert;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;
using Xunit;

namespace DataCompass.Tests
{
    /// <summary>Convert-DcSourceSecret's run: permission per field, which failures stop it, when the catalog is opened and scrubbed.</summary>
    public sealed class ConversionRunTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-run-" + Guid.NewGuid().ToString("n"));
        private readonly InMemorySecretBackend _backend = new InMemorySecretBackend("Store");
        private readonly Host _host = new Host();
        private int _opened;

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private void AddPlaintext(params string[] names)
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            foreach (var name in names)
            {
                var plan = TestSources.Plan(name, "postgresql", null, new OrderedMap
                {
                    { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", "pw-" + name },
                }, allowPlaintext: true);
                SourceAdder.Add(plan, new InMemorySecretBackend(), catalog);
            }
        }

        private void AddLegacyMask(string name)
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var plan = TestSources.AsStored(name, "postgresql", new OrderedMap
            {
                { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", "**********" },
            });
            SourceAdder.Add(plan, new InMemorySecretBackend(), catalog);
        }

        private IReadOnlyList<ConversionItem> Plan()
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return SecretConverter.Plan(catalog.ListSources(), "Store", new DcConfig());
        }

        private bool Run(IReadOnlyList<ConversionItem> items) =>
            new ConversionRun(_backend, () =>
            {
                _opened++;
                return SourceCatalog.OpenForWrite(DatabasePath);
            }, _host).Run(items);

        private string? StoredPassword(string name)
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return (string?)catalog.FindSource(name)!.ConnectionInfo["password"];
        }

        [Fact]
        public void Every_field_is_converted_with_one_result_each_and_progress_ends()
        {
            AddPlaintext("a", "b");

            Assert.True(Run(Plan()));

            Assert.Equal(new[] { ConversionStatus.Converted, ConversionStatus.Converted }, _host.Emitted.Select(item => item.Status));
            Assert.StartsWith("${secret:Store/", StoredPassword("a"), StringComparison.Ordinal);
            Assert.Equal("pw-b", _backend.Peek("Store", _host.Emitted[1].SecretName!)!.Text);
            Assert.Equal(1, _opened);
            Assert.Equal("end", _host.ProgressLog.Last());
            Assert.Empty(_host.Errors);
        }

        [Fact]
        public void A_broken_field_is_warned_about_once_and_its_result_gives_the_reason_only()
        {
            AddPlaintext("a");
            AddLegacyMask("old");

            Run(Plan());

            var broken = Assert.Single(_host.Emitted, item => item.Status == ConversionStatus.Broken);
            var warning = Assert.Single(_host.Warnings);
            Assert.Equal(broken.Warning, warning);
            Assert.Contains("Source 'old', field 'password'", warning, StringComparison.Ordinal);
            Assert.Contains("Set-DcSourceSecret", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("Set-DcSourceSecret", broken.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(broken.Message!, warning, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(false, ConversionStatus.Declined)]
        [InlineData(true, ConversionStatus.Planned)]
        public void A_refused_field_is_declined_or_under_WhatIf_planned_and_the_catalog_is_never_opened_for_writing(bool whatIf, ConversionStatus expected)
        {
            AddPlaintext("a");
            _host.Allow = false;
            _host.IsWhatIf = whatIf;

            Assert.False(Run(Plan()));

            Assert.Equal(expected, Assert.Single(_host.Emitted).Status);
            Assert.Equal(0, _opened);
            Assert.Equal("pw-a", StoredPassword("a"));
            Assert.Empty(_backend.GetSecretNames("Store"));
        }

        [Fact]
        public void A_name_conflict_ends_only_that_field()
        {
            AddPlaintext("a", "b");
            var items = Plan();
            _backend.Put("Store", items[0].SecretName!, SecretValue.FromText("someone else's"));

            Assert.True(Run(items));

            Assert.Equal(DcError.SecretNameConflict, Assert.Single(_host.Errors).Error);
            Assert.Equal("pw-a", StoredPassword("a"));
            Assert.Equal("someone else's", _backend.Peek("Store", items[0].SecretName!)!.Text);
            Assert.Equal(ConversionStatus.Converted, _host.Emitted[1].Status);
        }

        [Fact]
        public void A_failing_vault_stops_the_run_and_leaves_the_rest_as_they_were()
        {
            AddPlaintext("a", "b", "c");
            _backend.FailSetsAfter = 1;

            var error = Assert.Throws<DataCompassException>(() => Run(Plan()));

            Assert.Equal(DcError.VaultFailed, error.Error);
            Assert.Contains("Converted 1 of 3 fields before the failure", error.Message, StringComparison.Ordinal);
            Assert.Equal(new[] { ConversionStatus.Converted, ConversionStatus.Failed }, _host.Emitted.Select(item => item.Status));
            Assert.StartsWith("${secret:", StoredPassword("a"), StringComparison.Ordinal);
            Assert.Equal("pw-b", StoredPassword("b"));
            Assert.Equal("pw-c", StoredPassword("c"));
            Assert.Equal("end", _host.ProgressLog.Last());

            // A second run continues where the first stopped.
            _backend.FailSetsAfter = null;
            _host.Emitted.Clear();
            Assert.True(Run(Plan()));
            Assert.Equal(2, _host.Emitted.Count(item => item.Status == ConversionStatus.Converted));
            Assert.Equal("pw-c", _backend.Peek("Store", _host.Emitted.Last(item => item.Source == "c").SecretName!)!.Text);
        }

        [Fact]
        public void A_locked_vault_stops_the_run_before_any_field_changes()
        {
            AddPlaintext("a", "b");
            _backend.LockedVaults.Add("Store");

            var error = Assert.Throws<DataCompassException>(() => Run(Plan()));

            Assert.Equal(DcError.VaultLocked, error.Error);
            Assert.Contains("Converted 0 of 2", error.Message, StringComparison.Ordinal);
            Assert.Equal("pw-a", StoredPassword("a"));
            Assert.Equal("pw-b", StoredPassword("b"));
        }

        private sealed class Host : IConversionHost
        {
            public bool Allow { get; set; } = true;

            public bool IsWhatIf { get; set; }

            public List<ConversionItem> Emitted { get; } = new List<ConversionItem>();

            public List<DataCompassException> Errors { get; } = new List<DataCompassException>();

            public List<string> Warnings { get; } = new List<string>();

            public List<string> ProgressLog { get; } = new List<string>();

            public bool ShouldProcess(string target, string action) => Allow;

            public void Warn(string message) => Warnings.Add(message);

            public void Emit(ConversionItem item) => Emitted.Add(item);

            public void Error(DataCompassException error) => Errors.Add(error);

            public void Progress(int done, int planned, ConversionItem? current) =>
                ProgressLog.Add(current == null ? "end" : $"{done}/{planned} {current.Source}");
        }
    }
}

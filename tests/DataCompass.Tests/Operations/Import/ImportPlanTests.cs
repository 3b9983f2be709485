using System;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Import;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;
using Xunit;

namespace DataCompass.Tests
{
    public sealed class ImportPlanTests : IDisposable
    {
        private const string Canary = "Canary-import-5f0e8c1d";
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-import-" + Guid.NewGuid().ToString("n"));
        private readonly InMemorySecretBackend _backend = new InMemorySecretBackend("Store");

        public ImportPlanTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string File(string name, params string[] lines)
        {
            var path = Path.Combine(_folder, name);
            System.IO.File.WriteAllLines(path, lines);
            return path;
        }

        private static readonly string[] Pg = { "type: postgresql", "host: db", "database: sales", "username: app" };

        private static DraftSource Draft(string password, string? displayName = null, int? port = null)
        {
            var fields = new OrderedMap { { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", password } };
            if (port != null)
            {
                fields.Add("port", port.Value);
            }

            return SourceDefinition.Prepare("prod", "postgresql", displayName, fields);
        }

        private static StoredSource Stored(DraftSource draft, string? password = null) => new StoredSource
        {
            Id = 7,
            Name = "prod",
            SourceType = "postgresql",
            DisplayName = draft.DisplayName,
            ConnectionInfo = WithPassword(draft.ConnectionInfo, password),
        };

        private static OrderedMap WithPassword(OrderedMap info, string? password)
        {
            var copy = info.Copy();
            if (password != null)
            {
                copy["password"] = password;
            }

            return copy;
        }

        [Fact]
        public void NamesEachSourceByItsNameKeyElseItsFileName()
        {
            var files = ImportFiles.Read(new[]
            {
                File("prod.yaml", Pg.Append("password: \"${PG}\"").ToArray()),
                File("other.yml", Pg.Append("password: \"${PG}\"").Prepend("name: named").ToArray()),
            });

            Assert.Equal(new[] { "prod", "named" }, files.Select(file => file.Name));
            Assert.All(files, file => Assert.Null(file.Error));
            Assert.Equal("postgresql", files[0].Draft!.Adapter.Type);
        }

        [Fact]
        public void AFileWithoutTypeIsAnErrorNamingFileAndSource()
        {
            var path = File("prod.yaml", "host: db");
            var file = Assert.Single(ImportFiles.Read(new[] { path }));

            Assert.Equal(DcError.SourceFileTypeMissing, file.Error!.Error);
            Assert.StartsWith($"Source file '{path}' (source 'prod') has no type: key", file.Error.Message);
            Assert.Equal("prod", file.Name);
        }

        [Fact]
        public void AnUnreadableFileNamesNoSourceAndHidesNoValue()
        {
            var file = Assert.Single(ImportFiles.Read(new[] { File("prod.yaml", "type: postgresql", $"password: [{Canary}") }));

            Assert.Equal(DcError.SourceFileInvalid, file.Error!.Error);
            Assert.Null(file.Name);
            Assert.Contains("Source 'prod' (by its file name)", file.Error.Message);
            TestKeys.AssertNoCanary(file.Error, Canary);
        }

        [Fact]
        public void AnInvalidFieldIsReportedWithFileAndSource()
        {
            var path = File("prod.yaml", Pg.Append("pasword: x").ToArray());
            var file = Assert.Single(ImportFiles.Read(new[] { path }));

            Assert.Equal(DcError.SourceInvalid, file.Error!.Error);
            Assert.StartsWith($"Source file '{path}' (source 'prod'):", file.Error.Message);
        }

        [Fact]
        public void TwoFilesNamingOneSourceBothFailAndTheRestIsKept()
        {
            var files = ImportFiles.Read(new[]
            {
                File("a.yaml", Pg.Append("password: \"${PG}\"").Prepend("name: Prod").ToArray()),
                File("prod.yaml", Pg.Append("password: \"${PG}\"").ToArray()),
                File("c.yaml", Pg.Append("password: \"${PG}\"").ToArray()),
            });

            Assert.Equal(DcError.ImportSourceDuplicate, files[0].Error!.Error);
            Assert.Equal(DcError.ImportSourceDuplicate, files[1].Error!.Error);
            Assert.Contains("a.yaml", files[1].Error!.Message);
            Assert.Null(files[2].Error);
        }

        [Fact]
        public void AFileThatFailsStillCountsAsNamingItsSource()
        {
            var files = ImportFiles.Read(new[]
            {
                File("prod.yaml", Pg.Append("pasword: x").ToArray()),
                File("other.yaml", Pg.Append("password: \"${PG}\"").Prepend("name: prod").ToArray()),
            });

            Assert.All(files, file => Assert.Equal(DcError.ImportSourceDuplicate, file.Error!.Error));
        }

        [Fact]
        public void ANewSourceIsAdded()
        {
            Assert.Equal(ImportAction.Added, ImportPlanner.Compare(Draft("${PG}"), null, _backend, null).Action);
        }

        [Fact]
        public void AnEqualSourceIsUnchangedAndReadsNoVault()
        {
            var draft = Draft("${secret:Store/pg}", "Sales");
            var comparison = ImportPlanner.Compare(draft, Stored(draft), _backend, null);

            Assert.Equal(ImportAction.Unchanged, comparison.Action);
            Assert.Empty(_backend.Calls);
        }

        [Fact]
        public void OnlyTheFieldsThatDifferAreGiven()
        {
            var stored = Stored(Draft("${PG}", "Sales"));
            var comparison = ImportPlanner.Compare(Draft("${PG}", "Sales", port: 6432), stored, _backend, null);

            Assert.Equal(ImportAction.Changed, comparison.Action);
            Assert.Equal(new[] { "port" }, comparison.Fields.Keys);
            Assert.False(comparison.SetsDisplayName);
        }

        [Fact]
        public void AFileWithoutDisplayNameClearsIt()
        {
            var comparison = ImportPlanner.Compare(Draft("${PG}"), Stored(Draft("${PG}", "Sales")), _backend, null);

            Assert.Equal(ImportAction.Changed, comparison.Action);
            Assert.True(comparison.SetsDisplayName);
            Assert.Empty(comparison.Fields);
        }

        [Fact]
        public void TheActiveKeyIsReadAndAChangedFlagIsAChange()
        {
            var file = Assert.Single(ImportFiles.Read(new[] { File("prod.yaml", Pg.Append("password: \"${PG}\"").Append("active: false").ToArray()) }));
            Assert.False(file.Draft!.IsActive);

            var inactive = new StoredSource { Id = 7, Name = "prod", SourceType = "postgresql", IsActive = false, ConnectionInfo = Draft("${PG}").ConnectionInfo };
            var same = ImportPlanner.Compare(file.Draft, inactive, _backend, null);
            Assert.Equal(ImportAction.Unchanged, same.Action);

            var reactivated = ImportPlanner.Compare(Draft("${PG}"), inactive, _backend, null);
            Assert.Equal(ImportAction.Changed, reactivated.Action);
            Assert.True(reactivated.SetsActive);
            Assert.Empty(reactivated.Fields);
            Assert.False(reactivated.SetsDisplayName);
        }

        [Fact]
        public void ABadActiveKeyFailsTheFileAndNamesNoSource()
        {
            var path = File("prod.yaml", Pg.Append("password: \"${PG}\"").Append("active: maybe").ToArray());
            var file = Assert.Single(ImportFiles.Read(new[] { path }));

            Assert.Equal(DcError.SourceFileInvalid, file.Error!.Error);
            Assert.Contains(path, file.Error.Message);
            Assert.Contains("'active' must be true or false", file.Error.Message);
            Assert.Null(file.Draft);
        }

        [Fact]
        public void ALiteralTheVaultHoldsIsUnchanged()
        {
            _backend.Put("Store", "DataCompass-prod-password", SecretValue.FromText(Canary));
            var draft = Draft(Canary);

            var comparison = ImportPlanner.Compare(draft, Stored(draft, "${secret:Store/DataCompass-prod-password}"), _backend, null);

            Assert.Equal(ImportAction.Unchanged, comparison.Action);
            Assert.Equal(new[] { "Get Store/DataCompass-prod-password" }, _backend.Calls);
        }

        [Fact]
        public void ALiteralTheVaultDoesNotHoldIsGiven()
        {
            _backend.Put("Store", "DataCompass-prod-password", SecretValue.FromText("another"));
            var draft = Draft(Canary);

            var comparison = ImportPlanner.Compare(draft, Stored(draft, "${secret:Store/DataCompass-prod-password}"), _backend, null);

            Assert.Equal(ImportAction.Changed, comparison.Action);
            Assert.Equal(Canary, comparison.Fields["password"]);
        }

        [Fact]
        public void ASecretThatCannotBeReadCountsAsDifferent()
        {
            var draft = Draft(Canary);
            var comparison = ImportPlanner.Compare(draft, Stored(draft, "${secret:Store/gone}"), _backend, null);

            Assert.Equal(ImportAction.Changed, comparison.Action);
        }

        [Fact]
        public void ALiteralEqualToTheDecryptedValueIsUnchanged()
        {
            var ring = TestKeys.Ring(FernetKey.Generate());
            var draft = Draft(Canary);

            Assert.Equal(ImportAction.Unchanged, ImportPlanner.Compare(draft, Stored(draft, ring.Encrypt(Canary)), _backend, TestKeys.SourceOf(ring)).Action);
            Assert.Equal(ImportAction.Changed, ImportPlanner.Compare(draft, Stored(draft, ring.Encrypt("other")), _backend, TestKeys.SourceOf(ring)).Action);
            Assert.Equal(ImportAction.Changed, ImportPlanner.Compare(draft, Stored(draft, ring.Encrypt(Canary)), _backend, TestKeys.SourceOf(null)).Action);
        }

        [Fact]
        public void AnotherTypeIsAConflict()
        {
            var stored = new StoredSource { Id = 1, Name = "prod", SourceType = "snowflake", ConnectionInfo = new OrderedMap() };

            var error = Assert.Throws<DataCompassException>(() => ImportPlanner.Compare(Draft("${PG}"), stored, _backend, null));
            Assert.Equal(DcError.SourceFileConflict, error.Error);
        }

        [Fact]
        public void PruneTakesTheSourcesNoFileNames()
        {
            var files = ImportFiles.Read(new[] { File("prod.yaml", Pg.Append("password: \"${PG}\"").ToArray()), File("bad.yaml", "host: x") });
            var stored = new[] { "PROD", "bad", "gone" }.Select(name => new StoredSource { Name = name, SourceType = "postgresql" });

            Assert.Equal(new[] { "gone" }, ImportPlanner.ToPrune(files, stored).Select(source => source.Name));
        }
    }
}

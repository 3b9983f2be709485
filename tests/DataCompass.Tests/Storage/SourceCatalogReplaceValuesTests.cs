using System;
using System.IO;
using System.Threading;
using DataCompass.Core.Common;
using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    public sealed class SourceCatalogReplaceValuesTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-replace-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static NewSource Source(string name) =>
            TestSources.Plan(name, "postgresql", null, new OrderedMap
            {
                { "host", "${HOST}" }, { "database", "sales" }, { "username", "${USER}" }, { "password", "${PASSWORD}" },
            }, allowPlaintext: false).Source;

        private (StoredSource A, StoredSource B, StoredSource C) AddThree()
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var a = catalog.AddSource(Source("a"));
            var b = catalog.AddSource(Source("b"));
            var c = catalog.AddSource(Source("c"));

            // updated_at has microseconds; make sure a later write cannot land on the same instant.
            Thread.Sleep(20);
            return (a, b, c);
        }

        [Fact]
        public void Replaces_several_fields_of_several_sources_in_one_call()
        {
            var (a, b, c) = AddThree();
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var applied = catalog.ReplaceValues(new[]
            {
                new FieldReplacement(a.Id, "password", "${PASSWORD}", "enc:v1:0a1b2c3d:a-password"),
                new FieldReplacement(b.Id, "password", "${PASSWORD}", "enc:v1:0a1b2c3d:b-password"),
                new FieldReplacement(a.Id, "username", "${USER}", "enc:v1:0a1b2c3d:a-user"),
            });
            Assert.Equal(new[] { true, true, true }, applied);

            var afterA = catalog.FindSource("a")!;
            Assert.Equal("enc:v1:0a1b2c3d:a-password", afterA.ConnectionInfo["password"]);
            Assert.Equal("enc:v1:0a1b2c3d:a-user", afterA.ConnectionInfo["username"]);
            Assert.Equal("${HOST}", afterA.ConnectionInfo["host"]);
            Assert.Equal(5432L, afterA.ConnectionInfo["port"]);
            Assert.Equal(a.ConnectionInfo.Keys, afterA.ConnectionInfo.Keys);
            Assert.Equal("enc:v1:0a1b2c3d:b-password", catalog.FindSource("b")!.ConnectionInfo["password"]);
            Assert.Equal("${PASSWORD}", catalog.FindSource("c")!.ConnectionInfo["password"]);
        }

        [Fact]
        public void A_field_whose_value_changed_is_left_alone_and_the_others_are_applied()
        {
            var (a, b, _) = AddThree();
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var applied = catalog.ReplaceValues(new[]
            {
                new FieldReplacement(a.Id, "password", "${SOMETHING_ELSE}", "enc:v1:0a1b2c3d:new-a"),
                new FieldReplacement(a.Id, "username", "${USER}", "enc:v1:0a1b2c3d:new-user"),
                new FieldReplacement(b.Id, "password", "${PASSWORD}", "enc:v1:0a1b2c3d:new-b"),
                new FieldReplacement(b.Id, "no_such_field", "x", "y"),
            });
            Assert.Equal(new[] { false, true, true, false }, applied);
            var afterA = catalog.FindSource("a")!;
            Assert.Equal("${PASSWORD}", afterA.ConnectionInfo["password"]);
            Assert.Equal("enc:v1:0a1b2c3d:new-user", afterA.ConnectionInfo["username"]);
            var afterB = catalog.FindSource("b")!;
            Assert.Equal("enc:v1:0a1b2c3d:new-b", afterB.ConnectionInfo["password"]);
            Assert.False(afterB.ConnectionInfo.ContainsKey("no_such_field"));
        }

        [Fact]
        public void The_expected_value_is_compared_exactly()
        {
            var (a, _, _) = AddThree();
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            Assert.Equal(new[] { false, false, false }, catalog.ReplaceValues(new[]
            {
                new FieldReplacement(a.Id, "password", "${password}", "x"),
                new FieldReplacement(a.Id, "password", "${PASSWORD} ", "x"),
                new FieldReplacement(a.Id, "port", "5432", "x"),
            }));
            Assert.Equal("${PASSWORD}", catalog.FindSource("a")!.ConnectionInfo["password"]);
            Assert.Equal(5432L, catalog.FindSource("a")!.ConnectionInfo["port"]);
        }

        [Fact]
        public void An_unknown_source_is_not_applied_and_does_not_stop_the_others()
        {
            var (a, b, c) = AddThree();
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var unknown = Math.Max(a.Id, Math.Max(b.Id, c.Id)) + 100;
            var applied = catalog.ReplaceValues(new[]
            {
                new FieldReplacement(unknown, "password", "${PASSWORD}", "x"),
                new FieldReplacement(c.Id, "password", "${PASSWORD}", "enc:v1:0a1b2c3d:c"),
            });
            Assert.Equal(new[] { false, true }, applied);
            Assert.Equal("enc:v1:0a1b2c3d:c", catalog.FindSource("c")!.ConnectionInfo["password"]);
            Assert.Equal(3, catalog.ListSources().Count);
        }

        [Fact]
        public void Updated_at_changes_only_for_rows_that_changed()
        {
            var (a, b, c) = AddThree();
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.ReplaceValues(new[]
                {
                    new FieldReplacement(a.Id, "password", "${PASSWORD}", "enc:v1:0a1b2c3d:a"),
                    new FieldReplacement(b.Id, "password", "${NOT_THE_VALUE}", "enc:v1:0a1b2c3d:b"),
                });
            }

            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            var afterA = reader.FindSource("a")!;
            Assert.True(afterA.UpdatedAt > a.UpdatedAt, $"{afterA.UpdatedAt:O} should be after {a.UpdatedAt:O}");
            Assert.Equal(a.CreatedAt, afterA.CreatedAt);
            Assert.Equal(b.UpdatedAt, reader.FindSource("b")!.UpdatedAt);
            Assert.Equal(c.UpdatedAt, reader.FindSource("c")!.UpdatedAt);
        }

        [Fact]
        public void An_empty_list_changes_nothing()
        {
            var (a, _, _) = AddThree();
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            Assert.Empty(catalog.ReplaceValues(Array.Empty<FieldReplacement>()));
            Assert.Equal(a.UpdatedAt, catalog.FindSource("a")!.UpdatedAt);
        }

        [Fact]
        public void A_read_only_catalog_refuses()
        {
            var (a, _, _) = AddThree();
            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Throws<InvalidOperationException>(() => reader.ReplaceValues(new[] { new FieldReplacement(a.Id, "password", "${PASSWORD}", "x") }));
            Assert.Equal("${PASSWORD}", reader.FindSource("a")!.ConnectionInfo["password"]);
        }

        [Fact]
        public void The_values_survive_reopening()
        {
            var (a, _, _) = AddThree();
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                Assert.Equal(new[] { true }, catalog.ReplaceValues(new[] { new FieldReplacement(a.Id, "password", "${PASSWORD}", "enc:v1:0a1b2c3d:kept") }));
            }

            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Equal("enc:v1:0a1b2c3d:kept", reader.FindSource("a")!.ConnectionInfo["password"]);
            Assert.Null(reader.FindSource("a")!.ConnectionInfoProblem);
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;
using Microsoft.Data.Sqlite;

namespace DataCompass.Tests
{
    /// <summary>ReadAuditEvents: the filters, the order, -Last, damaged rows, and catalogs without the table.</summary>
    public sealed class SourceCatalogAuditReadTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-auditread-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static NewSource Source(string name) =>
            new NewSource(name, "postgresql", null, new OrderedMap { { "host", "db" }, { "password", "${DB_PASSWORD}" } });

        private static readonly AuditActor Alice = new AuditActor("alice", "box-1", 4242, "ConsoleHost", "Add-DcSource");

        private SourceCatalog Writer()
        {
            var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            catalog.Actor = Alice;
            return catalog;
        }

        private IReadOnlyList<StoredAuditEvent> Read(AuditQuery query)
        {
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            return catalog.ReadAuditEvents(query);
        }

        private static AuditQuery All => new AuditQuery();

        private static AuditSourceName Pattern(string glob, Func<string, bool> isMatch) => AuditSourceName.Pattern(isMatch, glob);

        private void Sql(string sql, params (string Name, object? Value)[] parameters)
        {
            using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            command.ExecuteNonQuery();
        }

        /// <summary>pg1 added, pg2 added, other added, pg2 removed, a new key recorded (no source): ids 1 to 5.</summary>
        private void FiveEvents()
        {
            using var catalog = Writer();
            var pg1 = catalog.AddSource(Source("pg1"), audit: new AuditEntry(AuditActions.Add, new[] { new AuditFieldChange("password", null, "${DB_PASSWORD}") }));
            var pg2 = catalog.AddSource(Source("pg2"));
            catalog.AddSource(Source("other"));
            catalog.RemoveSource(pg2.Id);
            catalog.RecordEvents(new[] { new AuditEntry(AuditActions.NewKey) { Details = new OrderedMap { { "key_id", "3f2a9c01" } } } });
        }

        private static long[] Ids(IEnumerable<StoredAuditEvent> events) => events.Select(e => e.Id).ToArray();

        [Fact]
        public void Every_event_comes_back_oldest_first_with_its_actor_context_and_fields()
        {
            FiveEvents();

            var events = Read(All);

            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, Ids(events));
            Assert.Equal(new[] { "add", "add", "add", "remove", "new-key" }, events.Select(e => e.Action));
            Assert.Equal(new[] { "pg1", "pg2", "other", "pg2", null }, events.Select(e => e.SourceName));
            var first = events[0];
            Assert.Equal("alice", first.User);
            Assert.Equal("box-1", first.Machine);
            Assert.Equal(4242, first.ProcessId);
            Assert.Equal("ConsoleHost", first.HostName);
            Assert.Equal("Add-DcSource", first.Command);
            Assert.Equal("succeeded", first.Outcome);
            Assert.Null(first.ErrorId);
            Assert.Null(first.Problem);
            Assert.Equal(1L, first.SourceId);
            Assert.Equal(DateTimeKind.Utc, first.At.Kind);
            Assert.InRange(first.At, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
            var change = Assert.Single(first.Fields);
            Assert.Equal(("password", (string?)null, "${DB_PASSWORD}"), (change.Field, change.Old, change.New));
            Assert.Empty(first.Details);
            Assert.Equal(2L, events[3].SourceId);
            Assert.Null(events[4].SourceId);
            Assert.Equal("3f2a9c01", Assert.Single(events[4].Details).Value);
        }

        [Fact]
        public void Exact_names_match_ignoring_case_and_find_the_events_of_a_removed_source()
        {
            FiveEvents();

            Assert.Equal(new long[] { 2, 4 }, Ids(Read(new AuditQuery { Sources = new[] { AuditSourceName.Exact("PG2") } })));
            Assert.Equal(new long[] { 1, 2, 4 }, Ids(Read(new AuditQuery { Sources = new[] { AuditSourceName.Exact("pg2"), AuditSourceName.Exact("pg1") } })));
            Assert.Empty(Read(new AuditQuery { Sources = new[] { AuditSourceName.Exact("pg") } }));
        }

        [Fact]
        public void A_pattern_decides_on_the_rows_its_glob_lets_through_and_without_a_glob_on_every_row()
        {
            FiveEvents();

            Assert.Equal(new long[] { 1, 2, 4 }, Ids(Read(new AuditQuery { Sources = new[] { Pattern("[pP][gG]*", name => name.StartsWith("pg", StringComparison.OrdinalIgnoreCase)) } })));
            // The glob only narrows: the pattern's own test still drops pg2.
            Assert.Equal(new long[] { 1 }, Ids(Read(new AuditQuery { Sources = new[] { Pattern("[pP][gG]*", name => name == "pg1") } })));
            Assert.Equal(new long[] { 3 }, Ids(Read(new AuditQuery { Sources = new[] { AuditSourceName.Pattern(name => name.EndsWith("er", StringComparison.Ordinal), null) } })));
            Assert.Equal(new long[] { 1, 3 }, Ids(Read(new AuditQuery { Sources = new[] { AuditSourceName.Exact("pg1"), Pattern("o*", name => name.StartsWith('o')) } })));
        }

        [Fact]
        public void A_name_outside_printable_ascii_is_found_by_a_pattern_and_by_its_exact_name()
        {
            using (var catalog = Writer())
            {
                catalog.RecordEvents(new[]
                {
                    new AuditEntry(AuditActions.Resolve) { SourceId = 7, SourceName = "café" },
                    new AuditEntry(AuditActions.Resolve) { SourceId = 8, SourceName = "cafe" },
                });
            }

            Assert.Equal(new long[] { 1, 2 }, Ids(Read(new AuditQuery { Sources = new[] { Pattern("[cC][aA][fF]?", name => name.StartsWith("caf", StringComparison.Ordinal)) } })));
            Assert.Equal(new long[] { 1 }, Ids(Read(new AuditQuery { Sources = new[] { AuditSourceName.Exact("CAFÉ") } })));
        }

        [Fact]
        public void Events_about_no_source_come_only_without_a_source_filter()
        {
            FiveEvents();

            Assert.DoesNotContain(Read(new AuditQuery { Sources = new[] { AuditSourceName.Pattern(_ => true, "*") } }), e => e.SourceName == null);
            Assert.Contains(Read(All), e => e.SourceName == null);
        }

        [Fact]
        public void Empty_lists_match_nothing_rather_than_everything()
        {
            FiveEvents();

            Assert.Empty(Read(new AuditQuery { Sources = Array.Empty<AuditSourceName>() }));
            Assert.Empty(Read(new AuditQuery { Actions = Array.Empty<string>() }));
        }

        [Fact]
        public void Actions_filter_and_combine_with_the_source()
        {
            FiveEvents();

            Assert.Equal(new long[] { 4, 5 }, Ids(Read(new AuditQuery { Actions = new[] { "remove", "new-key" } })));
            Assert.Equal(new long[] { 2 }, Ids(Read(new AuditQuery { Actions = new[] { "add" }, Sources = new[] { AuditSourceName.Exact("pg2") } })));
            Assert.Empty(Read(new AuditQuery { Actions = new[] { "rotate-key" } }));
        }

        [Fact]
        public void Since_and_until_are_inclusive_and_a_local_time_is_converted()
        {
            FiveEvents();
            for (var id = 1; id <= 5; id++)
            {
                Sql("UPDATE dc_audit_events SET at_utc = $at WHERE id = $id;", ("$at", $"2024-05-0{id} 12:00:00.000000"), ("$id", id));
            }

            var may2 = new DateTime(2024, 5, 2, 12, 0, 0, DateTimeKind.Utc);
            Assert.Equal(new long[] { 2, 3, 4, 5 }, Ids(Read(new AuditQuery { Since = may2 })));
            Assert.Equal(new long[] { 1, 2 }, Ids(Read(new AuditQuery { Until = may2 })));
            Assert.Equal(new long[] { 2, 3 }, Ids(Read(new AuditQuery { Since = may2, Until = may2.AddDays(1) })));
            Assert.Equal(new long[] { 3 }, Ids(Read(new AuditQuery { Since = may2.AddTicks(10), Until = may2.AddDays(1) })));
            Assert.Equal(new long[] { 2, 3, 4, 5 }, Ids(Read(new AuditQuery { Since = may2.ToLocalTime() })));
            Assert.Equal(new DateTime(2024, 5, 3, 12, 0, 0, DateTimeKind.Utc), Read(All)[2].At);
        }

        [Fact]
        public void Last_gives_the_newest_oldest_first_counting_only_what_matches()
        {
            FiveEvents();

            Assert.Equal(new long[] { 4, 5 }, Ids(Read(new AuditQuery { Last = 2 })));
            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, Ids(Read(new AuditQuery { Last = 50 })));
            // Exact names: LIMIT in SQL. A pattern: the newest rows first, until enough have passed it.
            Assert.Equal(new long[] { 4 }, Ids(Read(new AuditQuery { Last = 1, Sources = new[] { AuditSourceName.Exact("pg2") } })));
            Assert.Equal(new long[] { 2, 4 }, Ids(Read(new AuditQuery { Last = 2, Sources = new[] { Pattern("[pP][gG]*", name => name == "pg2") } })));
            Assert.Equal(new long[] { 1, 2 }, Ids(Read(new AuditQuery { Last = 2, Actions = new[] { "add" }, Sources = new[] { Pattern("*", name => name.StartsWith('p')) } })));
        }

        [Fact]
        public void A_failed_action_carries_its_error_id_and_its_details()
        {
            using (var catalog = Writer())
            {
                catalog.RecordEvents(new[]
                {
                    new AuditEntry(AuditActions.Resolve, new[] { new AuditFieldChange("password", "${secret:Store/pg}", null) })
                    {
                        SourceId = 1,
                        SourceName = "pg",
                        ErrorId = "DcSecretNotFound",
                        Details = new OrderedMap { { "vault", "Store" }, { "references", new List<object?> { "${secret:Store/pg}" } } },
                    },
                });
            }

            var failed = Assert.Single(Read(All));
            Assert.Equal("failed", failed.Outcome);
            Assert.Equal("DcSecretNotFound", failed.ErrorId);
            Assert.Equal(new[] { "vault", "references" }, failed.Details.Keys);
            Assert.Equal(new object?[] { "${secret:Store/pg}" }, (List<object?>)failed.Details["references"]!);
            Assert.Equal("${secret:Store/pg}", failed.Fields[0].Old);
            Assert.Null(failed.Fields[0].New);
        }

        [Fact]
        public void A_damaged_row_is_read_with_its_problem_and_hides_no_other()
        {
            FiveEvents();
            Sql("UPDATE dc_audit_events SET fields = '{\"password\": ' WHERE id = 2;");
            Sql("UPDATE dc_audit_events SET context = '[1, 2]' WHERE id = 3;");
            Sql("UPDATE dc_audit_events SET at_utc = 'yesterday' WHERE id = 4;");
            Sql("UPDATE dc_audit_events SET fields = '{\"password\": \"hunter2\", \"host\": {\"old\": \"a\", \"new\": \"b\"}}' WHERE id = 5;");

            var events = Read(All);

            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, Ids(events));
            Assert.Null(events[0].Problem);
            foreach (var damaged in events.Skip(1))
            {
                Assert.NotNull(damaged.Problem);
                Assert.Same(DcError.AuditEventInvalid, damaged.Problem!.Error);
                Assert.Contains($"audit event {damaged.Id} (", damaged.Problem.Message, StringComparison.Ordinal);
                Assert.Equal(damaged.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), damaged.Problem.Target);
            }

            Assert.StartsWith("The stored fields of audit event 2 (add of source 'pg2') is not a JSON object", events[1].Problem!.Message, StringComparison.Ordinal);
            Assert.Empty(events[1].Fields);
            Assert.Equal("Add-DcSource", events[1].Command);
            Assert.Contains("context", events[2].Problem!.Message, StringComparison.Ordinal);
            Assert.Null(events[2].Command);
            Assert.Equal("other", events[2].SourceName);
            Assert.Contains("time", events[3].Problem!.Message, StringComparison.Ordinal);
            Assert.Equal(DateTime.MinValue, events[3].At);
            // A change that is not {old, new} is named by its field, never by what it holds.
            Assert.Contains("field 'password'", events[4].Problem!.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", events[4].Problem!.Message, StringComparison.Ordinal);
            Assert.Equal(new[] { ("password", (string?)null, (string?)null), ("host", "a", "b") }, events[4].Fields.Select(f => (f.Field, f.Old, f.New)));
        }

        [Fact]
        public void A_catalog_without_the_table_has_no_events()
        {
            Directory.CreateDirectory(_folder);
            Sql("CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), source_type VARCHAR(50) NOT NULL, " +
                "connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, last_scan_at DATETIME, last_scan_status VARCHAR(50), " +
                "last_scan_message TEXT, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id));");

            Assert.Empty(Read(All));
            Assert.Empty(Read(new AuditQuery { Last = 3, Sources = new[] { AuditSourceName.Exact("pg") } }));
        }

        [Fact]
        public void A_version_2_catalog_has_no_events()
        {
            FiveEvents();
            Sql("DROP TABLE dc_audit_events; UPDATE dc_schema_info SET value = '2' WHERE key = 'schema_version';");

            Assert.Empty(Read(All));
        }

        [Fact]
        public void Reading_changes_no_byte_of_the_file_and_prunes_nothing()
        {
            FiveEvents();
            Sql("UPDATE dc_audit_events SET at_utc = '2001-01-01 00:00:00.000000';");
            Sql("PRAGMA wal_checkpoint(TRUNCATE);");
            var before = SHA256.HashData(File.ReadAllBytes(DatabasePath));

            using (var catalog = SourceCatalog.OpenForRead(DatabasePath)!)
            {
                catalog.AuditRetentionDays = 1;
                Assert.Equal(5, catalog.ReadAuditEvents(All).Count);
                Assert.Equal(2, catalog.ReadAuditEvents(new AuditQuery { Last = 2 }).Count);
            }

            Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(DatabasePath)));
            Assert.Equal(5, Read(All).Count);
        }
    }
}

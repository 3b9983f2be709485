using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;
using Microsoft.Data.Sqlite;
using Xunit;

namespace DataCompass.Tests
{
    /// <summary>Writing dc_audit_events: one event a change, in its transaction; retention; the actor.</summary>
    public sealed class SourceCatalogAuditWriteTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-auditwrite-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static NewSource Source(string name) => new NewSource(name, "postgresql", null, new OrderedMap { { "host", "db" }, { "password", "${P}" } });

        private List<(long Id, string Action, string? Source, string User, string Context)> Events()
        {
            using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, action, source_name, \"user\", context FROM dc_audit_events ORDER BY id;";
            using var reader = command.ExecuteReader();
            var rows = new List<(long, string, string?, string, string)>();
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetString(4)));
            }

            return rows;
        }

        private void AgeAllEvents()
        {
            using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE dc_audit_events SET at_utc = '2001-01-01 00:00:00.000000';";
            command.ExecuteNonQuery();
        }

        [Fact]
        public void Each_change_writes_one_event_with_the_actor_and_a_refused_one_none()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.Actor = new AuditActor("alice", "box-1", 4242, "ConsoleHost", "Add-DcSource");
                var added = catalog.AddSource(Source("pg"));
                Assert.Throws<DataCompassException>(() => catalog.AddSource(Source("PG")));
                catalog.UpdateFields(added.Id, new Dictionary<string, object?> { ["password"] = "${Q}" }, null);
                catalog.RemoveSource(added.Id);
            }

            var events = Events();
            Assert.Equal(new[] { "add", "set", "remove" }, events.Select(e => e.Action).ToArray());
            Assert.All(events, e => Assert.Equal("pg", e.Source));
            Assert.All(events, e => Assert.Equal("alice", e.User));
            Assert.Contains("\"command\": \"Add-DcSource\"", events[0].Context, StringComparison.Ordinal);
        }

        [Fact]
        public void Retention_prunes_by_the_next_change_keeps_the_newest_event_and_is_not_applied_by_a_resolution()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("a"));
                catalog.AddSource(Source("b"));
            }

            AgeAllEvents();
            using (var auditing = SourceCatalog.OpenForAudit(DatabasePath))
            {
                auditing.AuditRetentionDays = 30;
                auditing.RecordEvents(new[] { new AuditEntry(AuditActions.Resolve) { SourceName = "a" } });
            }

            Assert.Equal(3, Events().Count);

            AgeAllEvents();
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AuditRetentionDays = 30;
                catalog.AddSource(Source("c"));
            }

            // Every event was old: all but the newest of them went, then the add was recorded after it.
            var left = Events();
            Assert.Equal(new[] { "resolve", "add" }, left.Select(e => e.Action).ToArray());
            Assert.Equal("c", left[1].Source);
            Assert.True(left[1].Id > left[0].Id && left[0].Id == 3, "ids keep growing: none is handed out twice");
        }
    }
}

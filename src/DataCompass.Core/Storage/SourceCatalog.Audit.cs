using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using DataCompass.Core.Common;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// Writing the audit trail (dc_audit_events). Every change method of the catalog takes the event that
    /// describes it and writes it in the change's own transaction, so neither can exist without the other.
    /// </summary>
    public sealed partial class SourceCatalog
    {
        private bool _pruned;

        /// <summary>Who this catalog's changes are recorded as: set by the command that opened it.</summary>
        public AuditActor Actor { get; set; } = AuditActor.Unknown;

        /// <summary>Events older than this many days are pruned by this catalog's first write; null keeps them all.</summary>
        public int? AuditRetentionDays { get; set; }

        /// <summary>
        /// Records events that go with no row change of their own (a resolution, a new key, a config change), all
        /// in one transaction.
        /// </summary>
        public void RecordEvents(IReadOnlyList<AuditEntry> entries)
        {
            RequireWritable();
            if (entries.Count == 0)
            {
                return;
            }

            InTransaction(() =>
            {
                var now = Now();
                if (entries.Any(entry => entry.Action != AuditActions.Resolve))
                {
                    PruneAuditEvents();
                }

                InsertAuditEvents(entries.Select(entry => (entry, entry.SourceId, entry.SourceName)).ToList(), now);
                return 0;
            });
        }

        // 100 rows of 5 parameters, and 4 shared: within the 999 host parameters of older SQLite builds.
        private const int AuditRowsPerInsert = 100;

        private static string MultiRowInsert(int rows)
        {
            var text = new StringBuilder("INSERT INTO dc_audit_events (at_utc, \"user\", host, process_id, action, source_id, source_name, fields, context) VALUES ");
            for (var i = 0; i < rows; i++)
            {
                var n = i.ToString(CultureInfo.InvariantCulture);
                text.Append(i == 0 ? string.Empty : ", ")
                    .Append("(@at, @user, @host, @pid, @action").Append(n).Append(", @source_id").Append(n).Append(", @source_name").Append(n)
                    .Append(", @fields").Append(n).Append(", @context").Append(n).Append(')');
            }

            return text.Append(';').ToString();
        }

        /// <summary>Writes one event inside the current transaction, after pruning what retention says is too old.</summary>
        private void WriteAuditEvent(AuditEntry entry, long? sourceId, string? sourceName, object now)
        {
            // Retention is applied by changes only: a resolution is recorded, but it is a read, and reads never prune.
            if (entry.Action != AuditActions.Resolve)
            {
                PruneAuditEvents();
            }

            InsertAuditEvents(new[] { (entry, sourceId, sourceName) }, now);
        }

        /// <summary>
        /// Inserts events, many rows a statement: a command resolving a whole catalog records an event per source,
        /// and one statement per row cost more than the resolution of a ${VAR} (bench/Measure-AuditCost.ps1).
        /// </summary>
        private void InsertAuditEvents(IReadOnlyList<(AuditEntry Entry, long? SourceId, string? SourceName)> rows, object now)
        {
            for (var start = 0; start < rows.Count; start += AuditRowsPerInsert)
            {
                var count = Math.Min(AuditRowsPerInsert, rows.Count - start);
                var command = Prepared(MultiRowInsert(count));
                command.AddParameter("@at", now);
                command.AddParameter("@user", Actor.User);
                command.AddParameter("@host", Actor.Machine);
                command.AddParameter("@pid", Actor.ProcessId);
                for (var i = 0; i < count; i++)
                {
                    var (entry, sourceId, sourceName) = rows[start + i];
                    var n = i.ToString(CultureInfo.InvariantCulture);
                    command.AddParameter("@action" + n, entry.Action);
                    command.AddParameter("@source_id" + n, (object?)sourceId ?? DBNull.Value);
                    command.AddParameter("@source_name" + n, (object?)sourceName ?? DBNull.Value);
                    _dialect.AddJson(command, "@fields" + n, ConnectionInfoJson.Serialize(FieldsOf(entry)));
                    _dialect.AddJson(command, "@context" + n, ConnectionInfoJson.Serialize(ContextOf(entry)));
                }

                command.ExecuteNonQuery();
            }
        }

        private static OrderedMap FieldsOf(AuditEntry entry)
        {
            var fields = new OrderedMap();
            foreach (var change in entry.Fields)
            {
                fields[change.Field] = new OrderedMap { { "old", change.Old }, { "new", change.New } };
            }

            return fields;
        }

        private OrderedMap ContextOf(AuditEntry entry)
        {
            var context = new OrderedMap
            {
                { "command", Actor.Command },
                { "host_name", Actor.HostName },
                { "outcome", entry.ErrorId == null ? "succeeded" : "failed" },
                { "error_id", entry.ErrorId },
            };
            foreach (var detail in entry.Details)
            {
                context[detail.Key] = detail.Value;
            }

            return context;
        }

        // Once a catalog (a command): the DELETE is an index range on at_utc, but there is no need to repeat it
        // for every add of a pipeline.
        private void PruneAuditEvents()
        {
            if (_pruned || AuditRetentionDays == null)
            {
                return;
            }

            // Events are in time order by id, so the old ones are the first rows up to the first recent one: the
            // scan stops there. The newest row always stays, so the next id is never one handed out before.
            var command = Prepared(
                "DELETE FROM dc_audit_events WHERE id < coalesce((SELECT id FROM dc_audit_events WHERE at_utc >= @cutoff ORDER BY id LIMIT 1), " +
                "(SELECT max(id) FROM dc_audit_events));");
            command.AddParameter("@cutoff", _dialect.Timestamp(DateTime.UtcNow.AddDays(-AuditRetentionDays.Value)));
            command.ExecuteNonQuery();
            _pruned = true;
        }
    }
}

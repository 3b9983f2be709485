using System;
using System.Data.Common;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using Microsoft.Data.Sqlite;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// Reading the audit trail (dc_audit_events). Reads only: nothing is pruned or written, so it works on a
    /// catalog opened for reading, and a catalog without the table (an older schema, the Python tool's) has no events.
    /// </summary>
    public sealed partial class SourceCatalog
    {
        private const string AuditTable = "dc_audit_events";

        private const string SelectAuditEvents =
            "SELECT id, at_utc, \"user\", host, process_id, action, source_id, source_name, fields, context FROM dc_audit_events";

        // The context keys with a property of their own on StoredAuditEvent; the others are its Details.
        private static readonly string[] KnownContextKeys = { "command", "host_name", "outcome", "error_id" };

        /// <summary>
        /// The events <paramref name="query"/> asks for, oldest first (by id, which follows the order of the
        /// commits). The filters run in SQL where SQL can decide them: actions, the time range, exact source names
        /// through ix_dc_audit_events_source, and for <see cref="AuditQuery.Last"/> the newest rows first with a
        /// LIMIT. A pattern is tested on each row its GLOB lets through, and only a row that passes is parsed.
        /// </summary>
        public IReadOnlyList<StoredAuditEvent> ReadAuditEvents(AuditQuery query)
        {
            if (query == null)
            {
                throw new ArgumentNullException(nameof(query));
            }

            if (query.Sources is { Count: 0 } || query.Actions is { Count: 0 } || query.Last <= 0 || !TableExists(AuditTable))
            {
                return Array.Empty<StoredAuditEvent>();
            }

            return Run(() =>
            {
                using var command = _connection.CreateCommand();
                var conditions = new List<string>();
                var decidedInSql = AddSourceConditions(command, conditions, query.Sources);
                if (query.Actions != null)
                {
                    var actions = query.Actions.Distinct(StringComparer.Ordinal).ToList();
                    conditions.Add($"action IN ({string.Join(", ", actions.Select((_, i) => "@a" + i.ToString(CultureInfo.InvariantCulture)))})");
                    for (var i = 0; i < actions.Count; i++)
                    {
                        command.AddParameter("@a" + i.ToString(CultureInfo.InvariantCulture), actions[i]);
                    }
                }

                // at_utc is always written as 'yyyy-MM-dd HH:mm:ss.ffffff', so text order is time order.
                if (query.Since is { } since)
                {
                    conditions.Add("at_utc >= @since");
                    command.AddParameter("@since", _dialect.Timestamp(since));
                }

                if (query.Until is { } until)
                {
                    conditions.Add("at_utc <= @until");
                    command.AddParameter("@until", _dialect.Timestamp(until));
                }

                var newest = query.Last != null;
                command.CommandText = SelectAuditEvents
                    + (conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : string.Empty)
                    + (newest ? " ORDER BY id DESC" : " ORDER BY id")
                    + (newest && decidedInSql ? " LIMIT @last" : string.Empty)
                    + ";";
                if (newest && decidedInSql)
                {
                    command.AddParameter("@last", query.Last!.Value);
                }

                var events = new List<StoredAuditEvent>();
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var sourceName = AuditText(reader, 7);
                    if (query.Sources != null && (sourceName == null || !query.Sources.Any(source => source.IsMatch(sourceName))))
                    {
                        continue;
                    }

                    events.Add(ReadAuditEvent(reader, sourceName));
                    if (newest && events.Count == query.Last)
                    {
                        break;
                    }
                }

                if (newest)
                {
                    events.Reverse();
                }

                return (IReadOnlyList<StoredAuditEvent>)events;
            });
        }

        /// <summary>
        /// The SQL part of a source filter; true when SQL alone decides which rows match (only exact ASCII names),
        /// so that a LIMIT counts exactly the events wanted.
        /// </summary>
        private bool AddSourceConditions(DbCommand command, List<string> conditions, IReadOnlyList<AuditSourceName>? sources)
        {
            if (sources == null)
            {
                return true;
            }

            var names = new List<string>();
            var globs = new List<string>();
            foreach (var source in sources)
            {
                if (source.Name != null && IsAscii(source.Name))
                {
                    names.Add(source.Name);
                }
                else if (source.Glob != null && _dialect.SupportsGlob)
                {
                    globs.Add(source.Glob);
                }
                else
                {
                    // A pattern without a GLOB, or a name NOCASE would not fold as OrdinalIgnoreCase does (as in
                    // FindSourceCore): every row with a source is tested.
                    conditions.Add("source_name IS NOT NULL");
                    return false;
                }
            }

            var terms = new List<string>();
            if (names.Count > 0)
            {
                // One IN, served by ix_dc_audit_events_source (source_name COLLATE NOCASE, id): NOCASE folds ASCII as
                // OrdinalIgnoreCase does for an ASCII name.
                var parameters = names.Select((_, i) => "@s" + i.ToString(CultureInfo.InvariantCulture)).ToList();
                terms.Add($"{_dialect.CaseFolded("source_name")} IN ({string.Join(", ", parameters.Select(_dialect.CaseFolded))})");
                for (var i = 0; i < names.Count; i++)
                {
                    command.AddParameter(parameters[i], names[i]);
                }
            }

            if (globs.Count > 0)
            {
                // A superset for names of printable ASCII, as in EnumerateSources; any other name is left to the pattern.
                for (var i = 0; i < globs.Count; i++)
                {
                    var parameter = "@g" + i.ToString(CultureInfo.InvariantCulture);
                    terms.Add($"source_name GLOB {parameter}");
                    command.AddParameter(parameter, globs[i]);
                }

                terms.Add("source_name GLOB '*[^ -~]*'");
            }

            conditions.Add("(" + string.Join(" OR ", terms) + ")");
            return globs.Count == 0;
        }

        /// <summary>One row as an event; a part that cannot be read is left empty and named in its Problem.</summary>
        private static StoredAuditEvent ReadAuditEvent(DbDataReader reader, string? sourceName)
        {
            var id = AuditInteger(reader, 0) ?? 0L;
            var action = AuditText(reader, 5) ?? string.Empty;
            var what = string.Create(CultureInfo.InvariantCulture,
                $"audit event {id} ({(action.Length == 0 ? "no action" : action)}{(sourceName == null ? string.Empty : $" of source '{sourceName}'")})");
            var target = id.ToString(CultureInfo.InvariantCulture);
            DataCompassException? problem = null;

            var at = SqliteTimestamp.Parse(reader.IsDBNull(1) ? null : reader.GetValue(1));
            if (at == null)
            {
                problem = new DataCompassException(DcError.AuditEventInvalid, $"The stored time of {what} is not a timestamp.", target);
            }

            var fields = ReadAuditFields(AuditText(reader, 8), what, target, ref problem);
            var context = ReadAuditObject(AuditText(reader, 9), "context", what, target, ref problem);
            var processId = AuditInteger(reader, 4) ?? 0L;

            return new StoredAuditEvent
            {
                Id = id,
                At = at ?? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc),
                User = AuditText(reader, 2) ?? string.Empty,
                Machine = AuditText(reader, 3) ?? string.Empty,
                ProcessId = processId >= int.MinValue && processId <= int.MaxValue ? (int)processId : 0,
                Action = action,
                SourceId = AuditInteger(reader, 6),
                SourceName = sourceName,
                Fields = fields,
                Command = ContextText(context, "command"),
                HostName = ContextText(context, "host_name"),
                Outcome = ContextText(context, "outcome"),
                ErrorId = ContextText(context, "error_id"),
                Details = ContextDetails(context),
                Problem = problem,
            };
        }

        private static List<AuditFieldChange> ReadAuditFields(string? json, string what, string target, ref DataCompassException? problem)
        {
            var changes = new List<AuditFieldChange>();
            foreach (var entry in ReadAuditObject(json, "fields", what, target, ref problem))
            {
                if (entry.Value is OrderedMap change
                    && ChangeSide(change, "old", out var old) && ChangeSide(change, "new", out var @new))
                {
                    changes.Add(new AuditFieldChange(entry.Key, old, @new));
                    continue;
                }

                // The field is still listed, its sides unknown: the change happened, only its record is odd.
                changes.Add(new AuditFieldChange(entry.Key, null, null));
                problem ??= new DataCompassException(
                    DcError.AuditEventInvalid,
                    $"The stored change of field '{entry.Key}' in {what} is not an object of an old and a new text.",
                    target);
            }

            return changes;
        }

        /// <summary>One side of a field change as text; false for a nested value (a side is a reference or a word).</summary>
        private static bool ChangeSide(OrderedMap change, string side, out string? text)
        {
            change.TryGetValue(side, out var value);
            text = value switch
            {
                null => null,
                string word => word,
                bool flag => flag ? "true" : "false",
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                _ => null,
            };
            return value == null || text != null;
        }

        private static OrderedMap ReadAuditObject(string? json, string column, string what, string target, ref DataCompassException? problem)
        {
            try
            {
                return ConnectionInfoJson.Deserialize(json ?? string.Empty, target, $"The stored {column} of {what}", DcError.AuditEventInvalid);
            }
            catch (DataCompassException exception)
            {
                problem ??= exception;
                return new OrderedMap();
            }
        }

        // A known key holding text (or null) is a property; one holding anything else stays among the details.
        private static string? ContextText(OrderedMap context, string key) =>
            context.TryGetValue(key, out var value) ? value as string : null;

        private static OrderedMap ContextDetails(OrderedMap context)
        {
            var details = new OrderedMap();
            foreach (var entry in context)
            {
                if (Array.IndexOf(KnownContextKeys, entry.Key) < 0 || !(entry.Value is null || entry.Value is string))
                {
                    details.Add(entry.Key, entry.Value);
                }
            }

            return details;
        }

        private static string? AuditText(DbDataReader reader, int ordinal) =>
            reader.IsDBNull(ordinal) ? null : Convert.ToString(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

        private static long? AuditInteger(DbDataReader reader, int ordinal)
        {
            if (reader.IsDBNull(ordinal))
            {
                return null;
            }

            var value = reader.GetValue(ordinal);
            return value is long integer ? integer
                : long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed
                : (long?)null;
        }
    }
}

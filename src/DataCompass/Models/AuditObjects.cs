using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Storage;

namespace DataCompass
{
    /// <summary>Builds the audit events PowerShell sees from the core's stored rows.</summary>
    internal static class AuditObjects
    {
        public static DcAuditEvent ToDcAuditEvent(StoredAuditEvent stored, string database) =>
            new DcAuditEvent(
                stored.Id,
                DateTime.SpecifyKind(stored.At, DateTimeKind.Utc),
                stored.Action,
                stored.SourceName,
                stored.SourceId,
                stored.User,
                stored.Machine,
                stored.ProcessId,
                stored.HostName,
                stored.Command,
                stored.Outcome,
                stored.ErrorId,
                stored.Fields.Select(change => new DcAuditFieldChange(change.Field, change.Old, change.New)).ToArray(),
                ToDictionary(stored.Details),
                database);

        // Nested values as PowerShell handles them best: a map as an ordered dictionary, a list as an array.
        private static OrderedDictionary ToDictionary(OrderedMap map)
        {
            var dictionary = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in map)
            {
                // Keys that differ only in case (JSON allows them) keep the first; none of DataCompass's do.
                if (!dictionary.Contains(entry.Key))
                {
                    dictionary.Add(entry.Key, ToValue(entry.Value));
                }
            }

            return dictionary;
        }

        private static object? ToValue(object? value) => value switch
        {
            OrderedMap map => ToDictionary(map),
            List<object?> items => items.Select(ToValue).ToArray(),
            _ => value,
        };
    }
}

using System;
using System.Collections.Generic;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// A row of <c>dc_audit_events</c>, its fields and context parsed. The context's known keys (command,
    /// host_name, outcome, error_id) have their own properties; every other key is in <see cref="Details"/>.
    /// </summary>
    public sealed class StoredAuditEvent
    {
        public long Id { get; init; }

        /// <summary>When it happened, in UTC; <see cref="DateTime.MinValue"/> when the stored time is unreadable (see <see cref="Problem"/>).</summary>
        public DateTime At { get; init; }

        public string User { get; init; } = string.Empty;

        /// <summary>The machine name (the <c>host</c> column).</summary>
        public string Machine { get; init; } = string.Empty;

        public int ProcessId { get; init; }

        public string Action { get; init; } = string.Empty;

        /// <summary>The source's id when the event happened: the source may be gone since, or its id reused.</summary>
        public long? SourceId { get; init; }

        public string? SourceName { get; init; }

        /// <summary>Per field, the old and new reference or provenance, in stored order; never a value.</summary>
        public IReadOnlyList<AuditFieldChange> Fields { get; init; } = Array.Empty<AuditFieldChange>();

        /// <summary>The command that made the change (Add-DcSource, ...).</summary>
        public string? Command { get; init; }

        /// <summary>The PowerShell host's name (ConsoleHost, ...).</summary>
        public string? HostName { get; init; }

        /// <summary>succeeded or failed, as stored.</summary>
        public string? Outcome { get; init; }

        public string? ErrorId { get; init; }

        /// <summary>The other context keys (vault, key_id, references, ...), in stored order, values as parsed.</summary>
        public OrderedMap Details { get; init; } = new OrderedMap();

        /// <summary>
        /// Why part of the stored row could not be read (its fields or context are not JSON objects, its time is
        /// not a timestamp): that part is then empty, and the other events are read as usual. Null for a readable row.
        /// </summary>
        public DataCompassException? Problem { get; init; }
    }
}

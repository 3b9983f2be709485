using System.Collections.Generic;
using DataCompass.Core.Common;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// An event to record, as an operation describes it; the catalog adds the time, the actor, and the source's id
    /// and name, and writes it in the transaction of the change.
    /// </summary>
    public sealed class AuditEntry
    {
        public AuditEntry(string action, IReadOnlyList<AuditFieldChange>? fields = null)
        {
            Action = action;
            Fields = fields ?? new List<AuditFieldChange>();
        }

        public string Action { get; }

        /// <summary>Per field: the old and the new reference or provenance (see AuditValues), never a value.</summary>
        public IReadOnlyList<AuditFieldChange> Fields { get; }

        /// <summary>For an event about one source the catalog does not look up itself (a resolution).</summary>
        public long? SourceId { get; init; }

        public string? SourceName { get; init; }

        /// <summary>The error id when the action failed (a resolution); null when it succeeded.</summary>
        public string? ErrorId { get; init; }

        /// <summary>More context: the vault written to, the key id, the references resolved. Names only.</summary>
        public OrderedMap Details { get; init; } = new OrderedMap();
    }

    /// <summary>One field's change: each side a reference (<c>${secret:V/N}</c>, <c>${VAR}</c>) or a provenance word, or null.</summary>
    public sealed class AuditFieldChange
    {
        public AuditFieldChange(string field, string? old, string? @new)
        {
            Field = field;
            Old = old;
            New = @new;
        }

        public string Field { get; }

        public string? Old { get; }

        public string? New { get; }
    }
}

using System;
using System.Collections.Generic;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// Which events <see cref="SourceCatalog.ReadAuditEvents"/> returns: every filter that is set must hold, and
    /// with none set, every event. An empty list (no source, no action) matches nothing, never everything.
    /// </summary>
    public sealed class AuditQuery
    {
        /// <summary>The sources whose events are wanted; null for every event, those about no source included.</summary>
        public IReadOnlyList<AuditSourceName>? Sources { get; init; }

        /// <summary>The actions, as stored (<see cref="AuditActions"/>); null for every action.</summary>
        public IReadOnlyCollection<string>? Actions { get; init; }

        /// <summary>The earliest time, inclusive, to the microsecond. A local or unspecified time is taken as local.</summary>
        public DateTime? Since { get; init; }

        /// <summary>The latest time, inclusive, to the microsecond. A local or unspecified time is taken as local.</summary>
        public DateTime? Until { get; init; }

        /// <summary>Only the newest this many of the events that match, still returned oldest first.</summary>
        public int? Last { get; init; }
    }

    /// <summary>
    /// One name of <see cref="AuditQuery.Sources"/>: an exact name, matched ignoring case through
    /// ix_dc_audit_events_source, or a pattern. The pattern's own test decides; its GLOB (from
    /// <see cref="SourceNameGlob"/>) only narrows the rows SQLite hands over, as for <see cref="SourceFilter"/>.
    /// </summary>
    public sealed class AuditSourceName
    {
        private readonly Func<string, bool>? _isMatch;

        private AuditSourceName(string? name, Func<string, bool>? isMatch, string? glob)
        {
            Name = name;
            _isMatch = isMatch;
            Glob = glob;
        }

        /// <summary>The exact name, or null for a pattern.</summary>
        public string? Name { get; }

        /// <summary>A pattern's SQLite GLOB prefilter, or null when there is none (then every row is tested).</summary>
        public string? Glob { get; }

        public static AuditSourceName Exact(string name) => new AuditSourceName(name ?? throw new ArgumentNullException(nameof(name)), null, null);

        public static AuditSourceName Pattern(Func<string, bool> isMatch, string? glob) =>
            new AuditSourceName(null, isMatch ?? throw new ArgumentNullException(nameof(isMatch)), glob);

        public bool IsMatch(string sourceName) =>
            Name != null ? string.Equals(sourceName, Name, StringComparison.OrdinalIgnoreCase) : _isMatch!(sourceName);
    }
}

using System;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Storage
{
    /// <summary>A row of <c>data_sources</c>.</summary>
    public sealed class StoredSource
    {
        public long Id { get; init; }

        public string Name { get; init; } = string.Empty;

        public string? DisplayName { get; init; }

        public string SourceType { get; init; } = string.Empty;

        public OrderedMap ConnectionInfo { get; init; } = new OrderedMap();

        /// <summary>
        /// Why the stored connection_info could not be read (then <see cref="ConnectionInfo"/> is empty), so one
        /// damaged row does not hide the rest of the catalog. Null for a readable row.
        /// </summary>
        public DataCompassException? ConnectionInfoProblem { get; init; }

        /// <summary>The sync_config JSON text as stored (often the text "null").</summary>
        public string? SyncConfig { get; init; }

        public bool IsActive { get; init; }

        public DateTime? LastScanAt { get; init; }

        public string? LastScanStatus { get; init; }

        public string? LastScanMessage { get; init; }

        public DateTime CreatedAt { get; init; }

        public DateTime UpdatedAt { get; init; }
    }
}

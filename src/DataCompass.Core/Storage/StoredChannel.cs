using System;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Storage
{
    /// <summary>A row of the Python tool's <c>notification_channels</c> table.</summary>
    public sealed class StoredChannel
    {
        public long Id { get; init; }

        public string Name { get; init; } = string.Empty;

        public string ChannelType { get; init; } = string.Empty;

        /// <summary>The parsed config, in stored key order; empty when <see cref="ConfigProblem"/> is set.</summary>
        public OrderedMap Config { get; init; } = new OrderedMap();

        /// <summary>Why the stored config could not be read, so one damaged row does not hide the others. Null for a readable row.</summary>
        public DataCompassException? ConfigProblem { get; init; }

        public bool IsActive { get; init; }

        public DateTime CreatedAt { get; init; }

        public DateTime UpdatedAt { get; init; }
    }
}

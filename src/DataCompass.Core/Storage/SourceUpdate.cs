using System.Collections.Generic;
using DataCompass.Core.Common;

namespace DataCompass.Core.Storage
{
    /// <summary>A source's row as a change leaves it, and the secret records that change with it.</summary>
    public sealed class SourceUpdate
    {
        public SourceUpdate(OrderedMap connectionInfo, string? displayName, bool isActive)
        {
            ConnectionInfo = connectionInfo;
            DisplayName = displayName;
            IsActive = isActive;
        }

        public OrderedMap ConnectionInfo { get; }

        public string? DisplayName { get; }

        public bool IsActive { get; }

        /// <summary>Vault secrets written for the change: the source owns them.</summary>
        public IReadOnlyList<OwnedSecret> Owned { get; init; } = new List<OwnedSecret>();

        /// <summary>Owned secrets the change stops using, recorded under <c>&lt;field&gt;:replaced</c> until they are removed.</summary>
        public IReadOnlyList<OwnedSecret> Replaced { get; init; } = new List<OwnedSecret>();

        /// <summary>The change overwrites secret text stored in the clear: the file is to be scrubbed of it.</summary>
        public bool OverwritesPlaintext { get; init; }
    }
}

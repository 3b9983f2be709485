using System;
using System.Collections.Generic;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Operations.Inventory
{
    /// <summary>One vault secret: who refers to it, whether the vault holds it, whether DataCompass created it.</summary>
    public sealed class InventoryItem
    {
        public InventoryItem(string? vault, string name, string status, bool? exists, bool owned, IReadOnlyList<InventoryUser> users,
            IReadOnlyList<string> ownedBy, DateTime? expires, string? type, string vaultFrom, string? problem)
        {
            Vault = vault;
            Name = name;
            Status = status;
            Exists = exists;
            Owned = owned;
            Users = users;
            OwnedBy = ownedBy;
            Expires = expires;
            Type = type;
            VaultFrom = vaultFrom;
            Problem = problem;
        }

        /// <summary>Null only for an unqualified reference when no vault is registered (or none could be listed).</summary>
        public string? Vault { get; }

        public string Name { get; }

        public string Status { get; }

        /// <summary>Null when the vault could not be asked.</summary>
        public bool? Exists { get; }

        public bool Owned { get; }

        public IReadOnlyList<InventoryUser> Users { get; }

        /// <summary>The ownership records, as source.field (field:replaced, field:left:Vault for the records rotations leave).</summary>
        public IReadOnlyList<string> OwnedBy { get; }

        public DateTime? Expires { get; }

        public string? Type { get; }

        public string VaultFrom { get; }

        public string? Problem { get; }
    }

    public sealed class InventoryResult
    {
        public InventoryResult(IReadOnlyList<InventoryItem> items, IReadOnlyList<DataCompassException> problems)
        {
            Items = items;
            Problems = problems;
        }

        public IReadOnlyList<InventoryItem> Items { get; }

        /// <summary>What kept part of the inventory from being complete: an unreadable source, a vault that could not be asked.</summary>
        public IReadOnlyList<DataCompassException> Problems { get; }
    }
}

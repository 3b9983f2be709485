using System;

namespace DataCompass
{
    /// <summary>One vault secret as Get-DcSecretInventory reports it, from the vault's Get-SecretInfo: never its value.</summary>
    public sealed class DcSecretInventoryItem
    {
        internal DcSecretInventoryItem(string? vault, string name, DcInventoryStatus status, bool? exists, bool owned, DcSecretUser[] users,
            string[] ownedBy, DateTime? expires, string? type, string vaultFrom, string? problem, string database)
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
            Database = database;
        }

        /// <summary>The vault; null only for an unqualified reference when no vault could be found for it.</summary>
        public string? Vault { get; }

        public string Name { get; }

        /// <summary>Ok, Missing, Expired, Orphaned, VaultLocked, VaultNotFound, VaultFailed or SecretManagementNotInstalled.</summary>
        public DcInventoryStatus Status { get; }

        /// <summary>Whether the vault holds the secret; null when the vault could not be asked.</summary>
        public bool? Exists { get; }

        /// <summary>DataCompass created it (its ownership records name it).</summary>
        public bool Owned { get; }

        /// <summary>The source (and notification channel) fields that refer to it.</summary>
        public DcSecretUser[] Users { get; }

        /// <summary>The ownership records, as source.field.</summary>
        public string[] OwnedBy { get; }

        /// <summary>The expiry the vault's metadata gives (Expires, Expiration, ExpiresOn, NotAfter, ...), in UTC; null if none.</summary>
        public DateTime? Expires { get; }

        /// <summary>The vault's type for the secret (String, SecureString, PSCredential, Hashtable, ByteArray).</summary>
        public string? Type { get; }

        /// <summary>reference, default vault, vault search (an unqualified reference) or ownership record.</summary>
        public string VaultFrom { get; }

        /// <summary>Why the status is not Ok; null when it is.</summary>
        public string? Problem { get; }

        /// <summary>The catalog database the inventory was taken from.</summary>
        public string Database { get; }

        public override string ToString() => $"{Vault ?? "(no vault)"}/{Name}: {Status}";
    }
}

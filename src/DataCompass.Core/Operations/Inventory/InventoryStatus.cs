namespace DataCompass.Core.Operations.Inventory
{
    /// <summary>The Status of an inventory item.</summary>
    public static class InventoryStatus
    {
        public const string Ok = "Ok";

        /// <summary>Referenced, and the vault does not hold it.</summary>
        public const string Missing = "Missing";

        /// <summary>Referenced and held, and the vault's metadata gives an expiry that has passed.</summary>
        public const string Expired = "Expired";

        /// <summary>DataCompass created it and nothing in the catalog refers to it any more.</summary>
        public const string Orphaned = "Orphaned";

        public const string VaultLocked = "VaultLocked";

        public const string VaultNotFound = "VaultNotFound";

        public const string VaultFailed = "VaultFailed";

        public const string SecretManagementNotInstalled = "SecretManagementNotInstalled";
    }

    /// <summary>How an item's vault was found.</summary>
    public static class InventoryVaultFrom
    {
        /// <summary>A reference names it (${secret:Vault/Name}, vault://Vault/Name).</summary>
        public const string Reference = "reference";

        /// <summary>An unqualified ${secret:Name}, taken from SecretManagement's default vault.</summary>
        public const string DefaultVault = "default vault";

        /// <summary>An unqualified ${secret:Name} the default vault lacks, found in the first other vault (by name) holding it.</summary>
        public const string VaultSearch = "vault search";

        /// <summary>Only DataCompass's record of a secret it created names it.</summary>
        public const string OwnershipRecord = "ownership record";
    }
}

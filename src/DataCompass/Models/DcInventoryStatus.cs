using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace DataCompass
{
    /// <summary>The state of one vault secret in Get-DcSecretInventory (DcSecretInventoryItem.Status). ConvertTo-Json writes its name, not its number.</summary>
    [JsonConverter(typeof(StringEnumConverter))]
    public enum DcInventoryStatus
    {
        Ok,

        /// <summary>Referenced, and the vault does not hold it.</summary>
        Missing,

        /// <summary>Referenced and held, and the vault's metadata gives an expiry that has passed.</summary>
        Expired,

        /// <summary>DataCompass created it and nothing in the catalog refers to it any more.</summary>
        Orphaned,

        VaultLocked,
        VaultNotFound,
        VaultFailed,
        SecretManagementNotInstalled,
    }
}

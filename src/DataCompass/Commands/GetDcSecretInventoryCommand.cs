using System;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Inventory;

namespace DataCompass.Commands
{
    /// <summary>Get-DcSecretInventory. Its help (synopsis, parameters, examples) is module/help/Get-DcSecretInventory.psd1.</summary>
    [Cmdlet(VerbsCommon.Get, "DcSecretInventory", HelpUri = HelpLinks.Help + "Get-DcSecretInventory.md")]
    [OutputType(typeof(DcSecretInventoryItem))]
    public sealed class GetDcSecretInventoryCommand : DataCompassCmdlet
    {
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string[]? Vault { get; set; }

        protected override void End()
        {
            var databasePath = ResolveDatabasePath();
            var patterns = Vault?.Select(vault => new WildcardPattern(vault, WildcardOptions.IgnoreCase)).ToList();
            var inventory = new SecretInventory(Backend);
            InventoryResult result;
            using (var catalog = OpenExistingCatalog(databasePath))
            {
                result = inventory.Take(
                    catalog.ListSources(),
                    catalog.ListNotificationChannels(),
                    catalog.AllOwnedSecrets().Concat(catalog.PendingSecretRemovals()).ToList(),
                    patterns == null ? null : vault => patterns.Any(pattern => pattern.IsMatch(vault)),
                    DateTime.UtcNow);
            }

            foreach (var item in result.Items)
            {
                WriteObject(new DcSecretInventoryItem(
                    item.Vault,
                    item.Name,
                    OutputEnum.From<DcInventoryStatus>(item.Status),
                    item.Exists,
                    item.Owned,
                    item.Users.Select(user => new DcSecretUser(OutputEnum.From<DcSecretUserKind>(user.Kind), user.Name, user.Field, user.Reference)).ToArray(),
                    item.OwnedBy.ToArray(),
                    item.Expires,
                    item.Type,
                    item.VaultFrom,
                    item.Problem,
                    databasePath));
            }

            foreach (var problem in result.Problems)
            {
                WriteDcError(problem);
            }

            // A vault name without wildcards that the catalog never mentions and SecretManagement does not know is a typo,
            // not an empty vault.
            foreach (var name in (Vault ?? Array.Empty<string>()).Where(name => !WildcardPattern.ContainsWildcardCharacters(name)))
            {
                if (!result.Items.Any(item => string.Equals(item.Vault, name, StringComparison.OrdinalIgnoreCase)) && inventory.IsRegistered(name) == false)
                {
                    WriteDcError(new DataCompassException(
                        DcError.VaultNotFound,
                        $"No SecretManagement vault named '{name}' is registered, and no secret in the catalog names it. Get-SecretVault lists the vaults.",
                        name));
                }
            }
        }
    }
}

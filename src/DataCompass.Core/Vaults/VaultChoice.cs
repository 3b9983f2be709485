using System;
using System.Linq;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Vaults
{
    /// <summary>
    /// Which vault a new DataCompass secret goes to: -Vault, else config secrets_backend, else
    /// SecretManagement's default vault. When there is none, says why, so the error can say how to fix it.
    /// </summary>
    public sealed class VaultChoice
    {
        private VaultChoice(string? vault, string? unavailableReason)
        {
            Vault = vault;
            UnavailableReason = unavailableReason;
        }

        public string? Vault { get; }

        public string? UnavailableReason { get; }

        public static VaultChoice Choose(string? explicitVault, DcConfig config, ISecretBackend backend)
        {
            var wanted = !string.IsNullOrEmpty(explicitVault) ? explicitVault : config.SecretsBackend;
            try
            {
                var vaults = backend.GetVaults();
                if (!string.IsNullOrEmpty(wanted))
                {
                    var match = vaults.FirstOrDefault(vault => string.Equals(vault.Name, wanted, StringComparison.OrdinalIgnoreCase));
                    if (match == null)
                    {
                        throw new DataCompassException(
                            DcError.VaultNotFound,
                            $"No SecretManagement vault named '{wanted}' is registered{(string.IsNullOrEmpty(explicitVault) ? " (it is the secrets_backend in the DataCompass config)" : string.Empty)}. Get-SecretVault lists the vaults.",
                            wanted);
                    }

                    return new VaultChoice(match.Name, null);
                }

                var fallback = vaults.FirstOrDefault(vault => vault.IsDefault);
                return fallback != null
                    ? new VaultChoice(fallback.Name, null)
                    : new VaultChoice(null, vaults.Count == 0 ? "no SecretManagement vault is registered" : "no vault was named and SecretManagement has no default vault");
            }
            catch (DataCompassException exception) when (exception.Error == DcError.SecretManagementNotInstalled && !string.IsNullOrEmpty(explicitVault))
            {
                // -Vault asks for a vault by name: the answer is how to get SecretManagement, not a fallback.
                throw;
            }
            catch (DataCompassException exception) when (exception.Error == DcError.NoVaultAvailable && !string.IsNullOrEmpty(explicitVault))
            {
                throw new DataCompassException(
                    DcError.VaultNotFound,
                    $"No SecretManagement vault named '{explicitVault}' is registered (no vault is). Register-SecretVault adds one.",
                    explicitVault);
            }
            catch (DataCompassException exception) when (exception.Error == DcError.SecretManagementNotInstalled || exception.Error == DcError.NoVaultAvailable)
            {
                return new VaultChoice(null, exception.Error == DcError.SecretManagementNotInstalled
                    ? "Microsoft.PowerShell.SecretManagement is not installed"
                    : "no SecretManagement vault is registered");
            }
        }
    }
}

using System;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Vaults
{
    /// <summary>DataCompass never overwrites a vault secret: a name it is about to write must be free.</summary>
    public static class SecretNameGuard
    {
        /// <summary>Refuses a secret name that already exists in the vault: it may be another source's or someone else's.</summary>
        public static void EnsureFree(string source, string field, string vault, string secretName, ISecretBackend backend, Func<string, string, string?> findOwner)
        {
            if (backend.GetSecretType(vault, secretName) == null)
            {
                return;
            }

            var owner = findOwner(vault, secretName);
            var whose = owner == null
                ? "a secret DataCompass did not create"
                : string.Equals(owner, source, StringComparison.OrdinalIgnoreCase) ? "a secret this source already owns" : $"the secret of source '{owner}'";
            throw new DataCompassException(
                DcError.SecretNameConflict,
                $"Source '{source}', field '{field}': the vault '{vault}' already holds '{secretName}', {whose}; DataCompass will not overwrite it. " +
                $"Reference it with ${{secret:{vault}/{secretName}}}, remove it, or change secret_name_template with Set-DcConfig.",
                secretName);
        }
    }
}

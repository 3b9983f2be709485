using System.Collections.Generic;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Vaults
{
    /// <summary>
    /// Where secrets live. The module implements it over SecretManagement's cmdlets; tests use an in-memory
    /// store. Every failure is a <see cref="Errors.DataCompassException"/> with a DataCompass error: vault
    /// not found or locked, secret not found, SecretManagement not installed. No method prompts.
    /// </summary>
    public interface ISecretBackend
    {
        /// <summary>The registered vaults. Throws SecretManagementNotInstalled when there is no SecretManagement.</summary>
        IReadOnlyList<VaultInfo> GetVaults();

        /// <summary>Reads one secret; a null vault lets SecretManagement search (default vault first).</summary>
        SecretValue Get(string? vault, string name);

        /// <summary>
        /// The vault's type name for the secret (String, SecureString, PSCredential, Hashtable, ByteArray), or
        /// null when there is no such secret. A metadata probe: no value is read.
        /// </summary>
        string? GetSecretType(string vault, string name);

        /// <summary>The names of every secret in a vault (one metadata listing, no value read).</summary>
        IReadOnlyCollection<string> GetSecretNames(string vault);

        /// <summary>Every secret in a vault with its type and metadata (one Get-SecretInfo, no value read).</summary>
        IReadOnlyList<VaultSecretInfo> ListSecrets(string vault);

        /// <summary>Writes a text secret, replacing any secret of that name.</summary>
        void SetText(string vault, string name, string value);

        /// <summary>Writes a credential secret (user name and password), replacing any secret of that name.</summary>
        void SetCredential(string vault, string name, string userName, string password);

        /// <summary>Writes a Hashtable secret (a secret_ref's: field name to text), replacing any secret of that name.</summary>
        void SetMap(string vault, string name, IReadOnlyDictionary<string, string?> entries);

        void Remove(string vault, string name);

        /// <summary>Whether the vault answers (Test-SecretVault); false for a locked vault.</summary>
        bool Test(string vault);

        /// <summary>Unlocks a vault with its password (Unlock-SecretVault), for config vault_unlock.</summary>
        void Unlock(string vault, string password);
    }
}

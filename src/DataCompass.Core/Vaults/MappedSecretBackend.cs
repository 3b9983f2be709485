using System;
using System.Collections.Generic;
using System.Linq;

namespace DataCompass.Core.Vaults
{
    /// <summary>
    /// Config <c>vault_map</c>: a catalog shared by machines names its vaults logically (<c>${secret:Corp/...}</c>),
    /// and each machine maps a logical name to the vault registered there (<c>Corp: CorpKeyVault</c>). Every vault
    /// name on its way to SecretManagement goes through the map; what the catalog stores, and every name a user
    /// sees, stays logical. A name the map does not hold is used as it is.
    /// </summary>
    public sealed class MappedSecretBackend : ISecretBackend
    {
        private readonly ISecretBackend _inner;
        private readonly Func<IReadOnlyDictionary<string, string>> _map;

        /// <param name="map">Logical vault name to registered vault name (keys compared ignoring case); read at each call.</param>
        public MappedSecretBackend(ISecretBackend inner, Func<IReadOnlyDictionary<string, string>> map)
        {
            _inner = inner;
            _map = map;
        }

        private string? Registered(string? vault) => vault != null && _map().TryGetValue(vault, out var registered) ? registered : vault;

        /// <summary>The registered vaults, each also under every logical name that maps to it.</summary>
        public IReadOnlyList<VaultInfo> GetVaults()
        {
            var vaults = _inner.GetVaults();
            var map = _map();
            if (map.Count == 0)
            {
                return vaults;
            }

            var logical = map
                .SelectMany(entry => vaults.Where(vault => string.Equals(vault.Name, entry.Value, StringComparison.OrdinalIgnoreCase))
                    .Select(vault => new VaultInfo(entry.Key, vault.ModuleName, vault.IsDefault)))
                .ToList();
            return logical.Concat(vaults.Where(vault => !logical.Any(mapped => string.Equals(mapped.Name, vault.Name, StringComparison.OrdinalIgnoreCase)))).ToList();
        }

        public SecretValue Get(string? vault, string name) => _inner.Get(Registered(vault), name);

        public string? GetSecretType(string vault, string name) => _inner.GetSecretType(Registered(vault)!, name);

        public IReadOnlyCollection<string> GetSecretNames(string vault) => _inner.GetSecretNames(Registered(vault)!);

        public IReadOnlyList<VaultSecretInfo> ListSecrets(string vault) => _inner.ListSecrets(Registered(vault)!);

        public void SetText(string vault, string name, string value) => _inner.SetText(Registered(vault)!, name, value);

        public void SetCredential(string vault, string name, string userName, string password) => _inner.SetCredential(Registered(vault)!, name, userName, password);

        public void SetMap(string vault, string name, IReadOnlyDictionary<string, string?> entries) => _inner.SetMap(Registered(vault)!, name, entries);

        public void Remove(string vault, string name) => _inner.Remove(Registered(vault)!, name);

        public bool Test(string vault) => _inner.Test(Registered(vault)!);

        public void Unlock(string vault, string password) => _inner.Unlock(Registered(vault)!, password);
    }
}

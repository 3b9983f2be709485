using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Errors;
using DataCompass.Core.Vaults;

namespace DataCompass.Tests
{
    /// <summary>A secret backend in memory, for the core's policy tests: vaults, a default, locks, failures and a call log.</summary>
    internal sealed class InMemorySecretBackend : ISecretBackend
    {
        private readonly Dictionary<string, Dictionary<string, SecretValue>> _vaults = new Dictionary<string, Dictionary<string, SecretValue>>(StringComparer.OrdinalIgnoreCase);

        private readonly Dictionary<(string, string), IReadOnlyDictionary<string, object?>> _metadata = new Dictionary<(string, string), IReadOnlyDictionary<string, object?>>();

        public InMemorySecretBackend(params string[] vaults)
        {
            foreach (var vault in vaults)
            {
                _vaults[vault] = new Dictionary<string, SecretValue>(StringComparer.OrdinalIgnoreCase);
            }

            DefaultVault = vaults.FirstOrDefault();
        }

        public string? DefaultVault { get; set; }

        public HashSet<string> LockedVaults { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>Set calls fail once this many have succeeded.</summary>
        public int? FailSetsAfter { get; set; }

        public List<string> Calls { get; } = new List<string>();

        /// <summary>Remove calls fail while set.</summary>
        public bool FailRemoves { get; set; }

        /// <summary>Changes what Get returns, to play a vault that does not give back what was written.</summary>
        public Func<SecretValue, SecretValue>? AlterReads { get; set; }

        public void Put(string vault, string name, SecretValue value) => _vaults[vault][name] = value;

        public SecretValue? Peek(string vault, string name) => _vaults[vault].TryGetValue(name, out var value) ? value : null;

        public IReadOnlyList<VaultInfo> GetVaults() =>
            _vaults.Keys.Select(name => new VaultInfo(name, "InMemory", string.Equals(name, DefaultVault, StringComparison.OrdinalIgnoreCase))).ToList();

        public SecretValue Get(string? vault, string name)
        {
            Calls.Add($"Get {vault}/{name}");
            foreach (var candidate in vault == null ? _vaults.Keys.OrderBy(v => v != DefaultVault).ToArray() : new[] { vault })
            {
                var secrets = Vault(candidate);
                if (secrets.TryGetValue(name, out var value))
                {
                    return AlterReads?.Invoke(value) ?? value;
                }
            }

            throw new DataCompassException(DcError.SecretNotFound, $"The secret '{name}' was not found in the vault '{vault}'.", name);
        }

        public string? GetSecretType(string vault, string name)
        {
            Calls.Add($"Info {vault}/{name}");
            return Vault(vault).TryGetValue(name, out var value) ? value.TypeName : null;
        }

        public IReadOnlyCollection<string> GetSecretNames(string vault)
        {
            Calls.Add($"List {vault}");
            return Vault(vault).Keys.ToList();
        }

        public IReadOnlyList<VaultSecretInfo> ListSecrets(string vault)
        {
            Calls.Add($"List {vault}");
            return Vault(vault)
                .Select(secret => new VaultSecretInfo(secret.Key, secret.Value.TypeName, _metadata.TryGetValue((vault, secret.Key), out var metadata) ? metadata : null))
                .ToList();
        }

        /// <summary>Sets the metadata Get-SecretInfo reports for a secret (as Set-SecretInfo would).</summary>
        public void PutMetadata(string vault, string name, IReadOnlyDictionary<string, object?> metadata) => _metadata[(vault, name)] = metadata;

        public void SetText(string vault, string name, string value) => Set(vault, name, SecretValue.FromText(value));

        public void SetCredential(string vault, string name, string userName, string password) =>
            Set(vault, name, SecretValue.FromCredential(userName, password));

        public void SetMap(string vault, string name, IReadOnlyDictionary<string, string?> entries) =>
            Set(vault, name, SecretValue.FromMap(new Dictionary<string, string?>(entries, StringComparer.OrdinalIgnoreCase)));

        public void Remove(string vault, string name)
        {
            Calls.Add($"Remove {vault}/{name}");
            if (FailRemoves)
            {
                throw new DataCompassException(DcError.VaultFailed, $"The vault '{vault}' failed.", vault);
            }

            // As SecretManagement does: removing a secret that is not there is an error.
            if (!Vault(vault).Remove(name))
            {
                throw new DataCompassException(DcError.SecretNotFound, $"The secret '{name}' was not found in the vault '{vault}'.", name);
            }
        }

        public bool Test(string vault)
        {
            if (!_vaults.ContainsKey(vault))
            {
                throw new DataCompassException(DcError.VaultNotFound, $"No vault '{vault}'.", vault);
            }

            return !LockedVaults.Contains(vault);
        }

        /// <summary>The password that unlocks a locked vault; a vault without one cannot be unlocked.</summary>
        public Dictionary<string, string> Passwords { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public void Unlock(string vault, string password)
        {
            Calls.Add($"Unlock {vault}");
            if (!Passwords.TryGetValue(vault, out var expected) || expected != password)
            {
                throw new DataCompassException(DcError.VaultFailed, $"The password for vault '{vault}' is not valid.", vault);
            }

            LockedVaults.Remove(vault);
        }

        private void Set(string vault, string name, SecretValue value)
        {
            Calls.Add($"Set {vault}/{name}");
            var secrets = Vault(vault);
            if (FailSetsAfter is { } limit && Calls.Count(call => call.StartsWith("Set ", StringComparison.Ordinal)) > limit)
            {
                throw new DataCompassException(DcError.VaultFailed, $"The vault '{vault}' failed.", vault);
            }

            secrets[name] = value;
        }

        private Dictionary<string, SecretValue> Vault(string vault)
        {
            if (!_vaults.TryGetValue(vault, out var secrets))
            {
                throw new DataCompassException(DcError.VaultNotFound, $"No vault '{vault}'.", vault);
            }

            if (LockedVaults.Contains(vault))
            {
                throw new DataCompassException(DcError.VaultLocked, $"The vault '{vault}' is locked.", vault);
            }

            return secrets;
        }
    }
}

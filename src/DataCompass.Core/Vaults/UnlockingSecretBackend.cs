using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Vaults
{
    /// <summary>
    /// Unlocks a locked vault with the password config <c>vault_unlock</c> names for it, once a command, then makes the
    /// call again. Only on DcVaultLocked, so an unlocked vault costs nothing; never a prompt.
    /// </summary>
    public sealed class UnlockingSecretBackend : ISecretBackend
    {
        private readonly ISecretBackend _inner;
        private readonly Func<IReadOnlyDictionary<string, string>> _sources;
        private readonly Func<string, string?> _environment;
        private readonly string _home;
        private readonly HashSet<string> _tried = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <param name="sources">Registered vault name to its password's source (vault_unlock); read when a vault is found locked.</param>
        public UnlockingSecretBackend(ISecretBackend inner, Func<IReadOnlyDictionary<string, string>> sources, Func<string, string?> environment, string home)
        {
            _inner = inner;
            _sources = sources;
            _environment = environment;
            _home = home;
        }

        private T WithUnlock<T>(string? vault, Func<T> call)
        {
            try
            {
                return call();
            }
            catch (DataCompassException exception) when (exception.Error == DcError.VaultLocked && vault != null && !_tried.Contains(vault))
            {
                // Vault names are compared ignoring case, as SecretManagement compares them.
                var source = _sources().FirstOrDefault(entry => string.Equals(entry.Key, vault, StringComparison.OrdinalIgnoreCase)).Value;
                if (source == null)
                {
                    throw;
                }

                _tried.Add(vault);
                var password = VaultUnlock.ReadPassword(vault, source, _environment, _home);
                try
                {
                    _inner.Unlock(vault, password);
                }
                catch (DataCompassException failure)
                {
                    throw new DataCompassException(
                        DcError.VaultUnlockFailed,
                        $"The vault '{vault}' is locked, and unlocking it with the password from {VaultUnlock.Describe(source)} (config vault_unlock) failed: {failure.Message}",
                        vault,
                        failure);
                }

                return call();
            }
        }

        private void WithUnlock(string vault, Action call) => WithUnlock<int>(vault, () =>
        {
            call();
            return 0;
        });

        public IReadOnlyList<VaultInfo> GetVaults() => _inner.GetVaults();

        public SecretValue Get(string? vault, string name) => WithUnlock(vault, () => _inner.Get(vault, name));

        public string? GetSecretType(string vault, string name) => WithUnlock(vault, () => _inner.GetSecretType(vault, name));

        public IReadOnlyCollection<string> GetSecretNames(string vault) => WithUnlock(vault, () => _inner.GetSecretNames(vault));

        public IReadOnlyList<VaultSecretInfo> ListSecrets(string vault) => WithUnlock(vault, () => _inner.ListSecrets(vault));

        public void SetText(string vault, string name, string value) => WithUnlock(vault, () => _inner.SetText(vault, name, value));

        public void SetCredential(string vault, string name, string userName, string password) =>
            WithUnlock(vault, () => _inner.SetCredential(vault, name, userName, password));

        public void SetMap(string vault, string name, IReadOnlyDictionary<string, string?> entries) => WithUnlock(vault, () => _inner.SetMap(vault, name, entries));

        public void Remove(string vault, string name) => WithUnlock(vault, () => _inner.Remove(vault, name));

        public bool Test(string vault) => _inner.Test(vault);

        public void Unlock(string vault, string password) => _inner.Unlock(vault, password);
    }
}

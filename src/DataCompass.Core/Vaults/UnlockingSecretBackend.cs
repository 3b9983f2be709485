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
        // Each vault this command tried to unlock, and why that failed (null when it worked): tried once, its failure kept.
        private readonly Dictionary<string, DataCompassException?> _tried = new Dictionary<string, DataCompassException?>(StringComparer.OrdinalIgnoreCase);

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
            catch (DataCompassException exception) when (exception.Error == DcError.VaultLocked && vault != null)
            {
                // Not in the filter: an exception thrown by a filter is swallowed, and the unlock's own failure must surface.
                if (!TryUnlock(vault))
                {
                    throw;
                }
            }

            return call();
        }

        /// <summary>
        /// Unlocks the vault with its vault_unlock password, once a command: true when it did (the call is worth making
        /// again), false when no password is configured for it; an unlock that failed throws its reason, every time.
        /// </summary>
        private bool TryUnlock(string vault)
        {
            if (_tried.TryGetValue(vault, out var earlier))
            {
                return earlier == null ? false : throw earlier;
            }

            // Vault names are compared ignoring case, as SecretManagement compares them.
            var source = _sources().FirstOrDefault(entry => string.Equals(entry.Key, vault, StringComparison.OrdinalIgnoreCase)).Value;
            if (source == null)
            {
                return false;
            }

            try
            {
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

                _tried[vault] = null;
                return true;
            }
            catch (DataCompassException failure)
            {
                _tried[vault] = failure;
                throw;
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

        /// <summary>A locked vault (false) is unlocked and tested again, so the commands that test first see it open.</summary>
        public bool Test(string vault) => _inner.Test(vault) || (TryUnlock(vault) && _inner.Test(vault));

        public void Unlock(string vault, string password) => _inner.Unlock(vault, password);
    }
}

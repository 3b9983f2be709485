using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Remove
{
    /// <summary>
    /// Removes sources from a catalog and, when asked, the vault secrets DataCompass created for them.
    /// The rules: a secret another source still refers to is kept; every vault that would lose a secret must
    /// answer before the row goes (a locked vault leaves the source as it was, never a row removed with its
    /// secret orphaned); then the row goes first and the secrets after it, so a secret that cannot be removed
    /// is left over, never a source pointing at nothing. The row's transaction queues those secrets in the catalog
    /// and each is dropped from the queue once its vault let go of it: a removal killed in between leaves the queue,
    /// which the next <c>-RemoveSecret</c> run finishes (<see cref="FinishPending"/>).
    /// </summary>
    public sealed class SourceRemoval
    {
        private readonly SourceCatalog _catalog;
        private readonly Func<ISecretBackend> _backend;

        /// <param name="catalog">A catalog open for writing.</param>
        /// <param name="backend">Called only when a secret has to be removed.</param>
        public SourceRemoval(SourceCatalog catalog, Func<ISecretBackend> backend)
        {
            _catalog = catalog;
            _backend = backend;
        }

        /// <summary>Removes one source; throws a <see cref="DataCompassException"/> when a vault is not ready (nothing changed then).</summary>
        public SourceRemovalResult Remove(StoredSource source, bool removeSecrets)
        {
            var toRemove = new List<OwnedSecret>();
            var kept = new List<KeptSecret>();
            if (removeSecrets)
            {
                foreach (var secret in _catalog.OwnedSecrets(source.Id))
                {
                    if (SourceReferences.FirstUser(_catalog.ListSources(), secret.Vault, secret.SecretName, source.Id) is { } user)
                    {
                        kept.Add(new KeptSecret(secret, user));
                    }
                    else
                    {
                        toRemove.Add(secret);
                    }
                }

                foreach (var vault in toRemove.Select(secret => secret.Vault).Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    if (!VaultAnswers(vault))
                    {
                        throw new DataCompassException(
                            DcError.VaultLocked,
                            $"Source '{source.Name}' was not removed: the vault '{vault}' that holds its secrets did not pass Test-SecretVault " +
                            $"(it is locked or cannot be reached). Run Unlock-SecretVault -Name '{vault}' if it is locked and try again, " +
                            "or remove the source without removing its secrets.",
                            source.Name);
                    }
                }
            }

            var audit = new AuditEntry(AuditActions.Remove, AuditValues.Changes(AdapterCatalog.Find(source.SourceType), source.ConnectionInfo, null))
            {
                Details = new OrderedMap { { "secrets_removed", toRemove.Select(secret => (object?)new SecretReference(secret.Vault, secret.SecretName).ToPlaceholder()).ToList() } },
            };
            if (!_catalog.RemoveSource(source.Id, toRemove, audit))
            {
                return new SourceRemovalResult(source, removed: false, kept, Array.Empty<OwnedSecret>(), Array.Empty<FailedSecret>());
            }

            var removed = new List<OwnedSecret>();
            var failed = new List<FailedSecret>();
            foreach (var secret in toRemove)
            {
                try
                {
                    try
                    {
                        _backend().Remove(secret.Vault, secret.SecretName);
                    }
                    catch (DataCompassException exception) when (exception.Error == DcError.SecretNotFound)
                    {
                        // Already gone (an earlier run removed it and was stopped before it could say so): removed.
                    }

                    _catalog.ForgetPendingSecretRemoval(secret.Vault, secret.SecretName);
                    removed.Add(secret);
                }
                catch (DataCompassException exception)
                {
                    failed.Add(new FailedSecret(secret, exception));
                }
            }

            return new SourceRemovalResult(source, removed: true, kept, removed, failed);
        }

        /// <summary>
        /// Finishes the secret removals an earlier run queued but did not complete. A secret a source refers to
        /// again is kept (and dropped from the queue); one the vault no longer holds counts as removed. Each
        /// secret is offered to <paramref name="confirm"/> first. Failures are returned, and stay queued.
        /// </summary>
        public PendingRemovalResult FinishPending(Func<OwnedSecret, bool> confirm)
        {
            var removed = new List<OwnedSecret>();
            var failed = new List<FailedSecret>();
            var pending = _catalog.PendingSecretRemovals();
            if (pending.Count == 0)
            {
                return new PendingRemovalResult(removed, failed);
            }

            var sources = _catalog.ListSources();
            foreach (var secret in pending)
            {
                if (SourceReferences.FirstUser(sources, secret.Vault, secret.SecretName) != null)
                {
                    _catalog.ForgetPendingSecretRemoval(secret.Vault, secret.SecretName);
                    continue;
                }

                if (!confirm(secret))
                {
                    continue;
                }

                try
                {
                    if (_backend().GetSecretType(secret.Vault, secret.SecretName) != null)
                    {
                        _backend().Remove(secret.Vault, secret.SecretName);
                    }

                    _catalog.ForgetPendingSecretRemoval(secret.Vault, secret.SecretName);
                    removed.Add(secret);
                }
                catch (DataCompassException exception)
                {
                    failed.Add(new FailedSecret(secret, exception));
                }
            }

            return new PendingRemovalResult(removed, failed);
        }

        private bool VaultAnswers(string vault)
        {
            try
            {
                return _backend().Test(vault);
            }
            catch (DataCompassException exception) when (exception.Error == DcError.VaultNotFound)
            {
                // An unregistered vault will never answer: removing the source must stay possible, and the
                // secret it held is reported as left over.
                return true;
            }
        }
    }

    /// <summary>What removing one source did.</summary>
    public sealed class SourceRemovalResult
    {
        public SourceRemovalResult(StoredSource source, bool removed, IReadOnlyList<KeptSecret> kept,
            IReadOnlyList<OwnedSecret> removedSecrets, IReadOnlyList<FailedSecret> failedSecrets)
        {
            Source = source;
            Removed = removed;
            Kept = kept;
            RemovedSecrets = removedSecrets;
            FailedSecrets = failedSecrets;
        }

        public StoredSource Source { get; }

        /// <summary>False when another process removed the row first.</summary>
        public bool Removed { get; }

        /// <summary>Secrets kept because another source refers to them.</summary>
        public IReadOnlyList<KeptSecret> Kept { get; }

        public IReadOnlyList<OwnedSecret> RemovedSecrets { get; }

        /// <summary>Secrets whose removal failed after the row was gone: left over in their vault.</summary>
        public IReadOnlyList<FailedSecret> FailedSecrets { get; }
    }

    /// <summary>What finishing an earlier run's queued secret removals did.</summary>
    public sealed record PendingRemovalResult(IReadOnlyList<OwnedSecret> RemovedSecrets, IReadOnlyList<FailedSecret> FailedSecrets);

    public sealed record KeptSecret(OwnedSecret Secret, string UsedBy);

    public sealed record FailedSecret(OwnedSecret Secret, DataCompassException Error);
}

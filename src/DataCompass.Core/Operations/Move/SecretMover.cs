using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Move
{
    /// <summary>
    /// Moves the vault secrets that sources refer to into another vault, under the same name (so a secret two
    /// sources share stays one secret). Per reference: read it from the old vault, write it to the new one (a copy
    /// already there with the same value is used as it is, one with another value is a conflict), read it back and
    /// compare, then swap the reference in the row only if it still holds the old one, in one transaction with the
    /// ownership records and the audit event. The old copy is removed after that commit, and only when DataCompass
    /// created it and no source in the catalog refers to it any more: a kill leaves at worst an extra copy (queued
    /// for removal, or adopted by the next run), never a source pointing at nothing.
    /// </summary>
    public static class SecretMover
    {
        /// <summary>
        /// The registered spelling of both vaults. Stops before anything changes when they are the same, when one is
        /// not registered, or when one does not pass Test-SecretVault (locked).
        /// </summary>
        public static (string From, string To) CheckVaults(ISecretBackend backend, string from, string to)
        {
            if (string.Equals(from, to, StringComparison.OrdinalIgnoreCase))
            {
                throw new DataCompassException(DcError.MoveVaultsSame, $"-From and -To both name the vault '{from}'; name two different vaults.", to);
            }

            IReadOnlyList<VaultInfo> vaults;
            try
            {
                vaults = backend.GetVaults();
            }
            catch (DataCompassException exception) when (exception.Error == DcError.NoVaultAvailable)
            {
                vaults = Array.Empty<VaultInfo>();
            }

            string Registered(string name, string parameter) =>
                vaults.FirstOrDefault(vault => string.Equals(vault.Name, name, StringComparison.OrdinalIgnoreCase))?.Name ?? throw new DataCompassException(
                    DcError.VaultNotFound,
                    $"No SecretManagement vault named '{name}' is registered (-{parameter}); nothing was moved. Get-SecretVault lists the vaults; Register-SecretVault adds one.",
                    name);

            var registered = (Registered(from, "From"), Registered(to, "To"));
            foreach (var vault in new[] { registered.Item1, registered.Item2 })
            {
                if (!backend.Test(vault))
                {
                    throw new DataCompassException(
                        DcError.VaultLocked,
                        $"The vault '{vault}' is locked (it did not pass Test-SecretVault); nothing was moved. Run Unlock-SecretVault -Name '{vault}' first, or configure the vault so that automation does not need a password.",
                        vault);
                }
            }

            return registered;
        }

        /// <summary>One item per field reference to a secret in <paramref name="from"/>, and per field already referring to <paramref name="to"/>.</summary>
        public static IReadOnlyList<MoveItem> Plan(IEnumerable<StoredSource> sources, string from, string to)
        {
            var items = new List<MoveItem>();
            foreach (var source in sources)
            {
                if (source.ConnectionInfoProblem != null)
                {
                    items.Add(new MoveItem(source.Id, source.Name, "connection_info", null, null, false, MoveStatus.Failed)
                    {
                        Message = source.ConnectionInfoProblem.Message,
                        Problem = source.ConnectionInfoProblem,
                    });
                    continue;
                }

                foreach (var entry in source.ConnectionInfo)
                {
                    items.AddRange(PlanField(source, entry.Key, entry.Value, from, to));
                }
            }

            return items;
        }

        private static IEnumerable<MoveItem> PlanField(StoredSource source, string field, object? value, string from, string to)
        {
            var isSecretRef = string.Equals(field, SourceValidator.SecretRefField, StringComparison.OrdinalIgnoreCase);
            var references = value switch
            {
                string text => isSecretRef ? SecretRefOf(text) : SecretsIn(text),
                IEnumerable<object?> list when !isSecretRef => list.OfType<string>().SelectMany(SecretsIn).ToList(),
                _ => new List<SecretReference>(),
            };

            var moving = references.Where(reference => InVault(reference, from)).Distinct().ToList();
            if (moving.Count > 0 && !(value is string))
            {
                yield return new MoveItem(source.Id, source.Name, field, moving[0], new SecretReference(to, moving[0].Name), false, MoveStatus.Skipped)
                {
                    Message = "The reference is inside a list value, which is not moved; change the field with Set-DcSource.",
                };
                yield break;
            }

            foreach (var reference in moving)
            {
                yield return new MoveItem(source.Id, source.Name, field, reference, new SecretReference(to, reference.Name), isSecretRef, MoveStatus.Planned);
            }

            if (moving.Count == 0 && value is string && references.FirstOrDefault(reference => InVault(reference, to)) is { } moved)
            {
                yield return new MoveItem(source.Id, source.Name, field, null, moved, isSecretRef, MoveStatus.AlreadyMoved)
                {
                    Message = $"The field already refers to the vault '{to}'.",
                };
            }
        }

        /// <summary>Moves one planned reference; the item's status and message say how it went. Throws for a failure (the row is unchanged then).</summary>
        /// <param name="targetNames">The target vault's secret names, listed once for the whole run and kept up to date here.</param>
        public static void Move(MoveItem item, ISecretBackend backend, SourceCatalog catalog, ISet<string> targetNames, bool removeOld)
        {
            if (item.Status != MoveStatus.Planned)
            {
                return;
            }

            var from = item.FromSecret!;
            var to = item.ToSecret!;
            try
            {
                var value = backend.Get(from.Vault, from.Name);
                if (value.Kind == SecretKind.Other)
                {
                    item.Status = MoveStatus.Skipped;
                    item.Message = $"'{from.Name}' is a {value.TypeName} secret, which no field can use; it was not copied.";
                    return;
                }

                var reused = targetNames.Contains(to.Name);
                if (reused)
                {
                    if (!backend.Get(to.Vault, to.Name).SameAs(value))
                    {
                        throw new DataCompassException(
                            DcError.MoveTargetConflict,
                            $"The vault '{to.Vault}' already holds '{to.Name}' with another value; DataCompass will not overwrite it, and the field keeps {item.From}. Remove or rename that secret, then run the move again.",
                            to.ToPlaceholder());
                    }
                }
                else
                {
                    Write(backend, to, value);
                    targetNames.Add(to.Name);
                }

                if (!backend.Get(to.Vault, to.Name).SameAs(value))
                {
                    throw new DataCompassException(
                        DcError.VaultFailed,
                        $"The vault '{to.Vault}' returned a different value for '{to.Name}' than was written; the field keeps {item.From}.",
                        to.Vault);
                }

                var (move, kept) = Decide(item, catalog, removeOld);
                var audit = new AuditEntry(AuditActions.Move, new[] { new AuditFieldChange(item.Field, item.From, item.To) })
                {
                    Details = new OrderedMap
                    {
                        { "from_vault", from.Vault },
                        { "to_vault", to.Vault },
                        { "target_reused", reused },
                        { "old_copy", move.QueueRemoval ? "removed" : "kept" },
                    },
                };
                if (!catalog.MoveReference(item.SourceId, item.Field, text => Rewrite(text, item), move, audit))
                {
                    throw new DataCompassException(
                        DcError.SourceChanged,
                        $"The field no longer holds {item.From} (it was changed or removed meanwhile); it was left as it is. The copy in '{to.Vault}' stays.",
                        item.Source);
                }

                item.Status = MoveStatus.Moved;
                var copied = reused ? $"The copy already in '{to.Vault}' holds the same value and is used" : $"Copied to '{to.Vault}'";
                if (move.QueueRemoval)
                {
                    RemoveOld(item, backend, catalog);
                    item.Message = item.Removed
                        ? $"{copied}; the old copy was removed from '{from.Vault}'."
                        : $"{copied}; the old copy could not be removed from '{from.Vault}' yet: it stays queued, and Move-DcSourceSecret -RemoveOld or Remove-DcSource -RemoveSecret removes it.";
                }
                else
                {
                    item.Message = $"{copied}; the old copy stays in '{from.Vault}'{kept}.";
                }
            }
            catch (DataCompassException exception)
            {
                item.Status = MoveStatus.Failed;
                item.Message = exception.WithContext(item.Context).Message;
                throw new DataCompassException(exception.Error, item.Message, exception.Target);
            }
        }

        /// <summary>What the swap records, and why an old copy is kept (for the message).</summary>
        private static (SecretMove Move, string Kept) Decide(MoveItem item, SourceCatalog catalog, bool removeOld)
        {
            var from = item.FromSecret!;
            var to = item.ToSecret!;
            var sources = catalog.ListSources();
            var ownsOld = catalog.OwnedSecrets(item.SourceId).Any(owned => SameSecret(owned.Vault, owned.SecretName, from));
            var creator = catalog.FindSecretOwner(from.Vault!, from.Name);
            var user = SourceReferences.FirstUser(sources, from.Vault!, from.Name, item.SourceId)
                ?? (StillUsedByItsOwnSource(sources.FirstOrDefault(source => source.Id == item.SourceId), item) ? item.Source : null);
            var targetOwner = catalog.FindSecretOwner(to.Vault!, to.Name);
            var remove = removeOld && creator != null && user == null;
            var move = new SecretMove(from.Vault!, from.Name)
            {
                // A copy another source already owns stays that source's.
                Owned = ownsOld && (targetOwner == null || string.Equals(targetOwner, item.Source, StringComparison.OrdinalIgnoreCase))
                    ? new OwnedSecret(item.Field, to.Vault!, to.Name)
                    : null,
                // As Set-DcSourceSecret -Vault does: the kept copy's record says DataCompass made it, so Get-DcSecretInventory
                // shows it as orphaned and Remove-DcSource -RemoveSecret still removes it.
                LeftBehind = ownsOld && !remove ? new OwnedSecret(OwnedSecret.LeftBehindFieldOf(item.Field, from.Vault!), from.Vault!, from.Name) : null,
                QueueRemoval = remove,
            };
            var kept = !removeOld ? string.Empty
                : user != null ? $": source '{user}' still uses it"
                : ": DataCompass did not create it, so it is never removed";
            return (move, kept);
        }

        private static void RemoveOld(MoveItem item, ISecretBackend backend, SourceCatalog catalog)
        {
            var from = item.FromSecret!;
            try
            {
                try
                {
                    backend.Remove(from.Vault!, from.Name);
                }
                catch (DataCompassException exception) when (exception.Error == DcError.SecretNotFound)
                {
                    // Already gone: removed.
                }

                catalog.ForgetPendingSecretRemoval(from.Vault!, from.Name);
                item.Removed = true;
            }
            catch (DataCompassException exception)
            {
                item.RemovalProblem = exception.WithContext($"{item.Context}: moved, but the old copy {from.ToPlaceholder()} was not removed");
            }
        }

        /// <summary>The field's value with the old reference swapped for the new one; null when it no longer holds the old one.</summary>
        private static string? Rewrite(string text, MoveItem item)
        {
            try
            {
                if (item.IsSecretRef)
                {
                    return SecretReference.ParseUri(text, item.Context).Equals(item.FromSecret) ? item.ToSecret!.ToUri() : null;
                }

                var rewritten = new StringBuilder();
                var replaced = false;
                foreach (var segment in ReferenceGrammar.Parse(text, item.Context))
                {
                    if (segment.Kind == SegmentKind.Secret && item.FromSecret!.Equals(segment.Secret))
                    {
                        rewritten.Append(item.ToSecret!.ToPlaceholder());
                        replaced = true;
                    }
                    else
                    {
                        rewritten.Append(segment.Text);
                    }
                }

                return replaced ? rewritten.ToString() : null;
            }
            catch (DataCompassException)
            {
                return null;
            }
        }

        /// <summary>Whether another field of the item's own source still refers to the old copy after the swap.</summary>
        private static bool StillUsedByItsOwnSource(StoredSource? source, MoveItem item)
        {
            if (source == null)
            {
                return false;
            }

            try
            {
                return SourceReferences.List(source).Any(reference =>
                    !string.Equals(reference.Field, item.Field, StringComparison.Ordinal) && reference.Secret != null && item.FromSecret!.Equals(reference.Secret));
            }
            catch (DataCompassException)
            {
                return false;
            }
        }

        private static void Write(ISecretBackend backend, SecretReference to, SecretValue value)
        {
            switch (value.Kind)
            {
                case SecretKind.Credential:
                    backend.SetCredential(to.Vault!, to.Name, value.UserName ?? string.Empty, value.Text ?? string.Empty);
                    break;
                case SecretKind.Map:
                    backend.SetMap(to.Vault!, to.Name, value.Map!);
                    break;
                default:
                    backend.SetText(to.Vault!, to.Name, value.Text ?? string.Empty);
                    break;
            }
        }

        private static List<SecretReference> SecretRefOf(string uri)
        {
            try
            {
                return new List<SecretReference> { SecretReference.ParseUri(uri, SourceValidator.SecretRefField) };
            }
            catch (DataCompassException)
            {
                return new List<SecretReference>();
            }
        }

        private static List<SecretReference> SecretsIn(string text)
        {
            if (!ReferenceGrammar.HasPlaceholder(text))
            {
                return new List<SecretReference>();
            }

            try
            {
                return ReferenceGrammar.Parse(text, "field").Where(segment => segment.Kind == SegmentKind.Secret).Select(segment => segment.Secret!).ToList();
            }
            catch (DataCompassException)
            {
                // A malformed reference names no secret that could move.
                return new List<SecretReference>();
            }
        }

        private static bool InVault(SecretReference reference, string vault) =>
            reference.Vault != null && string.Equals(reference.Vault, vault, StringComparison.OrdinalIgnoreCase);

        // Ownership records compare ignoring case, as FindSecretOwner does.
        private static bool SameSecret(string vault, string name, SecretReference reference) =>
            string.Equals(vault, reference.Vault, StringComparison.OrdinalIgnoreCase) && string.Equals(name, reference.Name, StringComparison.OrdinalIgnoreCase);
    }
}

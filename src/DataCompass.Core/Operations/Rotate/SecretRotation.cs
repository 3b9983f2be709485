using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Rotate
{
    /// <summary>
    /// Rotates one credential of a source without re-adding it. A field that already points at one vault
    /// secret gets the new value written there; any other field gets a DataCompass-owned secret and then the
    /// reference, in that order, so the source never points at a secret that does not exist. A field stored
    /// encrypted, or any field when no vault is available but a key is, gets the new value encrypted.
    /// A credential whose user name changes too is never written in place: see <see cref="Staged"/>.
    /// </summary>
    public static class SecretRotation
    {
        /// <summary>Plans the rotation: which vault secret gets written and whether the row changes.</summary>
        /// <param name="keys">
        /// For a field stored encrypted (and no -Vault given), or when no vault is available: the new value is
        /// encrypted under the primary key instead of going to a vault.
        /// </param>
        public static RotationPlan Plan(StoredSource source, string field, string? userName, string? explicitVault, DcConfig config,
            ISecretBackend backend, ICatalogLookup catalog, KeyRingSource? keys = null)
        {
            var adapter = AdapterCatalog.Find(source.SourceType) ?? throw new DataCompassException(
                DcError.SourceTypeUnknown, $"Source '{source.Name}' has the type '{source.SourceType}', which this version of DataCompass does not know.", source.Name);
            var schema = adapter.FindField(field);
            if (schema == null || !schema.IsSecret)
            {
                throw new DataCompassException(
                    DcError.FieldNotSecret,
                    $"Source '{source.Name}' ({adapter.Type}): '{field}' is not a secret field. Its secret fields are: {string.Join(", ", adapter.SecretFields.Select(f => f.Name))}.",
                    field);
            }

            if (userName != null && (adapter.UsernameField == null || !string.Equals(adapter.PasswordField, schema.Name, StringComparison.Ordinal)))
            {
                throw new DataCompassException(
                    DcError.FieldNotSecret,
                    $"Source '{source.Name}' ({adapter.Type}) has no user name and password pair for a credential; use -Field and -Secret.",
                    field);
            }

            source.ConnectionInfo.TryGetValue(schema.Name, out var current);
            var existing = SingleVaultReference(current as string, $"source '{source.Name}', field '{schema.Name}'");
            var changes = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (userName != null && !Equals(source.ConnectionInfo.TryGetValue(adapter.UsernameField!, out var currentUser) ? currentUser : null, userName))
            {
                changes[adapter.UsernameField!] = userName;
            }

            if (existing != null && (explicitVault == null || string.Equals(explicitVault, existing.Vault, StringComparison.OrdinalIgnoreCase)))
            {
                // Only the secret changes: one value, written in place, is atomic on its own.
                return changes.Count == 0
                    ? new RotationPlan(source, schema.Name, existing.Vault!, existing.Name, changes, ownsNewSecret: false)
                    : Staged(source, schema.Name, existing, changes, config, backend, catalog);
            }

            if (explicitVault == null && EncryptedValue.IsEncrypted(current) && keys?.Find() is { } currentRing)
            {
                // Encrypted it was, encrypted it stays: a rotation does not move a credential somewhere new.
                return RotationPlan.Encrypted(source, schema.Name, changes, currentRing, keys);
            }

            var choice = VaultChoice.Choose(explicitVault, config, backend);
            if (choice.Vault == null && keys?.Find() is { } ring)
            {
                return RotationPlan.Encrypted(source, schema.Name, changes, ring, keys!);
            }

            if (choice.Vault == null)
            {
                throw new DataCompassException(
                    DcError.NoVaultAvailable,
                    $"Source '{source.Name}', field '{schema.Name}': there is no vault to keep the new value in: {choice.UnavailableReason}. Name one with -Vault or Set-DcConfig -SecretVault.",
                    source.Name);
            }

            var secretName = SecretNameTemplate.Apply(config.EffectiveSecretNameTemplate, source.Name, schema.Name);
            // A -Vault move keeps the old secret where it was; if DataCompass owns it, the record stays too, so
            // Get-DcSecretInventory can show it as orphaned and Remove-DcSource -RemoveSecret still removes it.
            var leftBehind = existing != null && string.Equals(catalog.FindSecretOwner(existing.Vault!, existing.Name), source.Name, StringComparison.OrdinalIgnoreCase)
                ? new OwnedSecret(OwnedSecret.LeftBehindFieldOf(schema.Name, existing.Vault!), existing.Vault!, existing.Name)
                : null;
            return NewOwnedSecret(source, schema.Name, choice.Vault, secretName, changes, leftBehind, backend, catalog);
        }

        /// <summary>
        /// A credential whose user name changes with the secret. Written in place, the new password would pair
        /// with the old user name until the row is updated, and a kill in between leaves that pair. So the new
        /// value goes to a name the field does not use (the planned name, or its "-2" twin when the field uses
        /// the planned name), and one transaction switches the user name and the reference: for the catalog the
        /// pair changes at once or not at all. The secret it replaces, if DataCompass owns it, is recorded as
        /// replaced in that same transaction and removed after it; a kill in between leaves it recorded, and the
        /// next rotation of the field (or Remove-DcSource -RemoveSecret) removes it. Names alternate, so a field
        /// never needs more than two.
        /// </summary>
        private static RotationPlan Staged(StoredSource source, string field, SecretReference existing, Dictionary<string, object?> changes,
            DcConfig config, ISecretBackend backend, ICatalogLookup catalog)
        {
            var template = config.EffectiveSecretNameTemplate;
            var planned = SecretNameTemplate.Apply(template, source.Name, field);
            var secretName = string.Equals(existing.Name, planned, StringComparison.OrdinalIgnoreCase)
                ? SecretNameTemplate.Apply(template, source.Name, field + "-2")
                : planned;
            var replaced = string.Equals(catalog.FindSecretOwner(existing.Vault!, existing.Name), source.Name, StringComparison.OrdinalIgnoreCase)
                ? new OwnedSecret(OwnedSecret.ReplacedFieldOf(field), existing.Vault!, existing.Name)
                : null;
            return NewOwnedSecret(source, field, existing.Vault!, secretName, changes, replaced, backend, catalog);
        }

        /// <summary>
        /// Plans a DataCompass-owned secret for the field: a free name, or one this source owns. A secret no
        /// source owns or refers to may be what a killed rotation left; it is used if it holds the new value
        /// (checked in <see cref="Apply"/>), and is a conflict otherwise.
        /// </summary>
        private static RotationPlan NewOwnedSecret(StoredSource source, string field, string vault, string secretName, Dictionary<string, object?> changes,
            OwnedSecret? replaced, ISecretBackend backend, ICatalogLookup catalog)
        {
            var unclaimed = false;
            if (!string.Equals(catalog.FindSecretOwner(vault, secretName), source.Name, StringComparison.OrdinalIgnoreCase))
            {
                unclaimed = UnclaimedSecret.Exists(vault, secretName, backend, catalog);
                if (!unclaimed)
                {
                    SecretNameGuard.EnsureFree(source.Name, field, vault, secretName, backend, catalog.FindSecretOwner);
                }
            }

            changes[field] = new SecretReference(vault, secretName).ToPlaceholder();
            return new RotationPlan(source, field, vault, secretName, changes, ownsNewSecret: true) { IsUnclaimed = unclaimed, Replaced = replaced };
        }

        /// <summary>Writes the secret, then (only if the reference changes) the row, then removes a secret the field no longer uses.</summary>
        public static StoredSource Apply(RotationPlan plan, string newValue, ISecretBackend backend, SourceCatalog catalog)
        {
            if (plan.Ring != null)
            {
                var changes = new Dictionary<string, object?>(plan.RowChanges, StringComparer.Ordinal) { [plan.Field] = plan.Ring.Encrypt(newValue) };
                return KeyRingGuard.Commit(plan.Keys, new[] { changes[plan.Field] }, $"Source '{plan.Source.Name}', field '{plan.Field}'", () =>
                    catalog.UpdateFields(plan.Source.Id, changes, null, audit: RotationEvent(plan, changes, secretWritten: null)));
            }

            if (!plan.IsUnclaimed || !UnclaimedSecret.Holds(plan.Vault!, plan.SecretName!, newValue, backend))
            {
                if (plan.IsUnclaimed)
                {
                    SecretNameGuard.EnsureFree(plan.Source.Name, plan.Field, plan.Vault!, plan.SecretName!, backend, catalog.FindSecretOwner);
                }

                backend.SetText(plan.Vault!, plan.SecretName!, newValue);
            }

            var audit = RotationEvent(plan, plan.RowChanges, new SecretReference(plan.Vault, plan.SecretName!).ToPlaceholder());
            StoredSource updated;
            if (plan.RowChanges.Count == 0)
            {
                // The value changed in the vault under the same reference: no row changes, but the event is still due.
                catalog.RecordEvents(new[] { audit });
                updated = plan.Source;
            }
            else
            {
                updated = catalog.UpdateFields(
                    plan.Source.Id, plan.RowChanges, plan.OwnsNewSecret ? new OwnedSecret(plan.Field, plan.Vault!, plan.SecretName!) : null, plan.Replaced, audit);
            }

            ReplacedSecrets.RemoveUnused(plan.Source.Id, plan.Field, backend, catalog);
            return updated;
        }

        /// <summary>
        /// The rotate-secret event: each field the row changes, old and new described (never a value), and the rotated
        /// field itself even when only its vault value changed under the same reference.
        /// </summary>
        private static AuditEntry RotationEvent(RotationPlan plan, IReadOnlyDictionary<string, object?> rowChanges, string? secretWritten)
        {
            var adapter = AdapterCatalog.Find(plan.Source.SourceType);
            var info = plan.Source.ConnectionInfo;
            object? Stored(string field) => info.TryGetValue(field, out var value) ? value : null;
            var changes = rowChanges.Select(change => AuditValues.Change(adapter, change.Key, Stored(change.Key), change.Value)).ToList();
            if (!rowChanges.ContainsKey(plan.Field))
            {
                changes.Add(AuditValues.Change(adapter, plan.Field, Stored(plan.Field), Stored(plan.Field)));
            }

            var details = new OrderedMap();
            if (secretWritten != null)
            {
                details["secret_written"] = secretWritten;
            }

            return new AuditEntry(AuditActions.RotateSecret, changes) { SourceId = plan.Source.Id, SourceName = plan.Source.Name, Details = details };
        }

        /// <summary>The reference when the value is exactly one vault-qualified ${secret:...} placeholder.</summary>
        private static SecretReference? SingleVaultReference(string? value, string context)
        {
            if (value == null)
            {
                return null;
            }

            var segments = ReferenceGrammar.Parse(value, context);
            return segments.Count == 1 && segments[0].Kind == SegmentKind.Secret && segments[0].Secret!.IsVaultQualified
                ? segments[0].Secret
                : null;
        }
    }

    public sealed class RotationPlan
    {
        public RotationPlan(StoredSource source, string field, string vault, string secretName, IReadOnlyDictionary<string, object?> rowChanges, bool ownsNewSecret)
        {
            Source = source;
            Field = field;
            Vault = vault;
            SecretName = secretName;
            RowChanges = rowChanges;
            OwnsNewSecret = ownsNewSecret;
        }

        private RotationPlan(StoredSource source, string field, IReadOnlyDictionary<string, object?> rowChanges, KeyRing ring, KeyRingSource keys)
        {
            Source = source;
            Field = field;
            RowChanges = rowChanges;
            Ring = ring;
            Keys = keys;
        }

        public StoredSource Source { get; }

        public string Field { get; }

        /// <summary>The vault the new value goes to; null when it is stored encrypted.</summary>
        public string? Vault { get; }

        public string? SecretName { get; }

        /// <summary>Set when the new value is stored encrypted under this ring's primary key instead.</summary>
        public KeyRing? Ring { get; }

        /// <summary>Where <see cref="Ring"/> came from: read again when the encrypted value is committed.</summary>
        internal KeyRingSource? Keys { get; }

        /// <summary>Field values the row gets besides an encrypted value: the new reference, and the user name of a credential.</summary>
        public IReadOnlyDictionary<string, object?> RowChanges { get; }

        public bool OwnsNewSecret { get; }

        /// <summary>The name is held by a secret no source owns or refers to: used if it already holds the new value.</summary>
        public bool IsUnclaimed { get; internal init; }

        /// <summary>
        /// The owned secret the field stops using, recorded with the row change: as replaced (removed after it) by a
        /// credential rotation, as left behind (kept in its vault) by a move to another vault.
        /// </summary>
        public OwnedSecret? Replaced { get; internal init; }

        /// <summary>Where the new value ends up, for messages.</summary>
        public string Target => Ring != null
            ? $"stored encrypted with key {Ring.Primary.Id}"
            : $"the vault secret {new SecretReference(Vault, SecretName!).ToPlaceholder()}";

        public string? Reference => Vault == null ? null : new SecretReference(Vault, SecretName!).ToPlaceholder();

        internal static RotationPlan Encrypted(StoredSource source, string field, IReadOnlyDictionary<string, object?> rowChanges, KeyRing ring, KeyRingSource keys) =>
            new RotationPlan(source, field, rowChanges, ring, keys);
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Rotate
{
    /// <summary>
    /// Rotates one credential of a source without re-adding it. A field that already points at one vault
    /// secret gets the new value written there; any other field gets a DataCompass-owned secret and then the
    /// reference, in that order, so the source never points at a secret that does not exist. A field stored
    /// encrypted, or any field when no vault is available but a key is, gets the new value encrypted.
    /// </summary>
    public static class SecretRotation
    {
        /// <summary>Plans the rotation: which vault secret gets written and whether the row changes.</summary>
        /// <param name="keys">
        /// For a field stored encrypted (and no -Vault given), or when no vault is available: the new value is
        /// encrypted under the primary key instead of going to a vault.
        /// </param>
        public static RotationPlan Plan(StoredSource source, string field, string? userName, string? explicitVault, DcConfig config,
            ISecretBackend backend, Func<string, string, string?> findOwner, KeyRingSource? keys = null)
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
                return new RotationPlan(source, schema.Name, existing.Vault!, existing.Name, changes, ownsNewSecret: false);
            }

            if (explicitVault == null && EncryptedValue.IsEncrypted(current) && keys?.Find() is { } currentRing)
            {
                // Encrypted it was, encrypted it stays: a rotation does not move a credential somewhere new.
                return RotationPlan.Encrypted(source, schema.Name, changes, currentRing);
            }

            var choice = VaultChoice.Choose(explicitVault, config, backend);
            if (choice.Vault == null && keys?.Find() is { } ring)
            {
                return RotationPlan.Encrypted(source, schema.Name, changes, ring);
            }

            if (choice.Vault == null)
            {
                throw new DataCompassException(
                    DcError.NoVaultAvailable,
                    $"Source '{source.Name}', field '{schema.Name}': there is no vault to keep the new value in: {choice.UnavailableReason}. Name one with -Vault or Set-DcConfig -SecretVault.",
                    source.Name);
            }

            var secretName = SecretNameTemplate.Apply(config.EffectiveSecretNameTemplate, source.Name, schema.Name);
            var owner = findOwner(choice.Vault, secretName);
            if (!string.Equals(owner, source.Name, StringComparison.OrdinalIgnoreCase))
            {
                SecretNameGuard.EnsureFree(source.Name, schema.Name, choice.Vault, secretName, backend, findOwner);
            }

            changes[schema.Name] = new SecretReference(choice.Vault, secretName).ToPlaceholder();
            return new RotationPlan(source, schema.Name, choice.Vault, secretName, changes, ownsNewSecret: true);
        }

        /// <summary>Writes the secret, then (only if the reference changes) the row.</summary>
        public static StoredSource Apply(RotationPlan plan, string newValue, ISecretBackend backend, SourceCatalog catalog)
        {
            if (plan.Ring != null)
            {
                var changes = new Dictionary<string, object?>(plan.RowChanges, StringComparer.Ordinal) { [plan.Field] = plan.Ring.Encrypt(newValue) };
                return catalog.UpdateFields(plan.Source.Id, changes, null);
            }

            backend.SetText(plan.Vault!, plan.SecretName!, newValue);
            if (plan.RowChanges.Count == 0)
            {
                return plan.Source;
            }

            var owned = plan.OwnsNewSecret ? new OwnedSecret(plan.Field, plan.Vault!, plan.SecretName!) : null;
            return catalog.UpdateFields(plan.Source.Id, plan.RowChanges, owned);
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

        private RotationPlan(StoredSource source, string field, IReadOnlyDictionary<string, object?> rowChanges, KeyRing ring)
        {
            Source = source;
            Field = field;
            RowChanges = rowChanges;
            Ring = ring;
        }

        public StoredSource Source { get; }

        public string Field { get; }

        /// <summary>The vault the new value goes to; null when it is stored encrypted.</summary>
        public string? Vault { get; }

        public string? SecretName { get; }

        /// <summary>Set when the new value is stored encrypted under this ring's primary key instead.</summary>
        public KeyRing? Ring { get; }

        /// <summary>Field values the row gets besides an encrypted value: the new reference, and the user name of a credential.</summary>
        public IReadOnlyDictionary<string, object?> RowChanges { get; }

        public bool OwnsNewSecret { get; }

        /// <summary>Where the new value ends up, for messages.</summary>
        public string Target => Ring != null
            ? $"stored encrypted with key {Ring.Primary.Id}"
            : $"the vault secret {new SecretReference(Vault, SecretName!).ToPlaceholder()}";

        public string? Reference => Vault == null ? null : new SecretReference(Vault, SecretName!).ToPlaceholder();

        internal static RotationPlan Encrypted(StoredSource source, string field, IReadOnlyDictionary<string, object?> rowChanges, KeyRing ring) =>
            new RotationPlan(source, field, rowChanges, ring);
    }
}

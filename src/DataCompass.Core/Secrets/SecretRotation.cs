using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Secrets
{
    /// <summary>
    /// Rotates one credential of a source without re-adding it. A field that already points at one vault
    /// secret gets the new value written there; any other field gets a DataCompass-owned secret and then the
    /// reference, in that order, so the source never points at a secret that does not exist.
    /// </summary>
    public static class SecretRotation
    {
        /// <summary>Plans the rotation: which vault secret gets written and whether the row changes.</summary>
        public static RotationPlan Plan(StoredSource source, string field, string? userName, string? explicitVault, DcConfig config,
            ISecretBackend backend, Func<string, string, string?> findOwner)
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

            var choice = VaultChoice.Choose(explicitVault, config, backend);
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
                SecretPolicy.EnsureFree(source.Name, schema.Name, choice.Vault, secretName, backend, findOwner);
            }

            changes[schema.Name] = new SecretReference(choice.Vault, secretName).ToPlaceholder();
            return new RotationPlan(source, schema.Name, choice.Vault, secretName, changes, ownsNewSecret: true);
        }

        /// <summary>Writes the secret, then (only if the reference changes) the row.</summary>
        public static StoredSource Apply(RotationPlan plan, string newValue, ISecretBackend backend, SourceCatalog catalog)
        {
            backend.SetText(plan.Vault, plan.SecretName, newValue);
            if (plan.RowChanges.Count == 0)
            {
                return plan.Source;
            }

            var owned = plan.OwnsNewSecret ? new OwnedSecret(plan.Field, plan.Vault, plan.SecretName) : null;
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

        public StoredSource Source { get; }

        public string Field { get; }

        public string Vault { get; }

        public string SecretName { get; }

        /// <summary>Field values the row gets: the new reference, and the user name of a credential.</summary>
        public IReadOnlyDictionary<string, object?> RowChanges { get; }

        public bool OwnsNewSecret { get; }

        public string Reference => new SecretReference(Vault, SecretName).ToPlaceholder();
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Set
{
    /// <summary>What Set-DcSource was given. Only what is given changes.</summary>
    public sealed class SourceEdit
    {
        /// <summary>Fields to replace; a null value clears an optional field (its default, if it has one).</summary>
        public OrderedMap Fields { get; init; } = new OrderedMap();

        public bool SetsDisplayName { get; init; }

        public string? DisplayName { get; init; }

        public bool? IsActive { get; init; }
    }

    /// <summary>
    /// Edits a stored source in place (DESIGN: "The source lifecycle"): the given fields are merged into the stored
    /// ones and the result validated as on add; given secret values follow the add-time steps
    /// (<see cref="SecretPlacement"/>), the others are kept as stored. A literal goes to a new vault secret the source
    /// owns (never the one the field uses now, so a failed update leaves that one intact); an owned secret the field
    /// stops using is recorded as replaced with the row change and removed once no source refers to it.
    /// </summary>
    public static class SourceEditor
    {
        public const string DisplayNameField = "display_name";
        public const string ActiveField = AuditValues.ActiveField;

        public static EditPlan Plan(StoredSource source, SourceEdit edit, SecretPolicyOptions options, ISecretBackend backend, ICatalogLookup catalog)
        {
            var adapter = AdapterCatalog.Find(source.SourceType) ?? throw new DataCompassException(
                DcError.SourceTypeUnknown, $"Source '{source.Name}' has the type '{source.SourceType}', which this version of DataCompass does not know.", source.Name);
            if (source.ConnectionInfoProblem is { } problem)
            {
                throw problem;
            }

            MaskedSecretInput.Check(source.Name, adapter, edit.Fields);
            var before = source.ConnectionInfo;
            var (merged, given) = Merge(adapter, before, edit.Fields);
            var hasSecretRef = merged.ContainsKey(SourceValidator.SecretRefField);
            var cleared = edit.Fields.Where(entry => entry.Value == null).Select(entry => adapter.FindField(entry.Key))
                .Where(field => field != null && field.Required && !(field.IsSecret && hasSecretRef)).Select(field => field!.Name).ToList();
            if (cleared.Count > 0)
            {
                throw new DataCompassException(
                    DcError.SourceInvalid,
                    $"Source '{source.Name}' ({adapter.Type}): the field {string.Join(", ", cleared.Select(name => $"'{name}'"))} is required and cannot be cleared. Give it a new value instead.",
                    source.Name);
            }

            var normalized = SourceDefinition.PrepareChange(source.Name, adapter, merged, given);
            var template = options.Config.EffectiveSecretNameTemplate;
            string SecretName(string vault, string field)
            {
                // The name the field uses now is kept intact until the row no longer refers to it: its "-2" twin instead.
                var planned = SecretNameTemplate.Apply(template, source.Name, field);
                var inUse = VaultReferences(before.TryGetValue(field, out var current) ? current : null, field)
                    .Any(reference => SameSecret(reference, vault, planned))
                    || string.Equals(catalog.FindSecretOwner(vault, planned), source.Name, StringComparison.OrdinalIgnoreCase);
                return inUse ? SecretNameTemplate.Apply(template, source.Name, field + "-2") : planned;
            }

            var placed = SecretPlacement.Place(source.Name, adapter, normalized, new PlacementScope(SecretName, given.Contains), options, backend, catalog);
            var after = placed.ConnectionInfo;

            var displayName = edit.SetsDisplayName ? (string.IsNullOrEmpty(edit.DisplayName) ? null : edit.DisplayName) : source.DisplayName;
            var isActive = edit.IsActive ?? source.IsActive;
            var changes = AuditValues.Changes(adapter, before, after).ToList();
            if (!string.Equals(displayName, source.DisplayName, StringComparison.Ordinal))
            {
                changes.Add(new AuditFieldChange(DisplayNameField, source.DisplayName, displayName));
            }

            if (isActive != source.IsActive)
            {
                changes.Add(new AuditFieldChange(ActiveField, AuditValues.DescribeActive(source.IsActive), AuditValues.DescribeActive(isActive)));
            }

            var replaced = new List<OwnedSecret>();
            var replacedFields = new List<string>();
            var overwritesPlaintext = false;
            foreach (var field in adapter.SecretFields.Where(field => given.Contains(field.Name)))
            {
                before.TryGetValue(field.Name, out var old);
                after.TryGetValue(field.Name, out var @new);
                if (Equals(old, @new))
                {
                    continue;
                }

                overwritesPlaintext |= old != null && SourceDescriber.HoldsPlaintextSecret(old, $"source '{source.Name}', field '{field.Name}'");
                var stillUsed = VaultReferences(@new, field.Name).ToList();
                var owned = VaultReferences(old, field.Name).FirstOrDefault(reference =>
                    !stillUsed.Any(used => SameSecret(used, reference.Vault!, reference.Name))
                    && string.Equals(catalog.FindSecretOwner(reference.Vault!, reference.Name), source.Name, StringComparison.OrdinalIgnoreCase));
                if (owned != null)
                {
                    replaced.Add(new OwnedSecret(OwnedSecret.ReplacedFieldOf(field.Name), owned.Vault!, owned.Name));
                    replacedFields.Add(field.Name);
                }
            }

            var update = new SourceUpdate(after, displayName, isActive)
            {
                Owned = placed.Secrets.Select(secret => new OwnedSecret(secret.Field, secret.Vault, secret.Name)).ToList(),
                Replaced = replaced,
                OverwritesPlaintext = overwritesPlaintext,
            };
            return new EditPlan(source, before, update, changes, placed) { ReplacedFields = replacedFields, Keys = options.Keys };
        }

        /// <summary>
        /// Writes the plan's vault secrets, then the row and its event in one transaction (the secrets just written are
        /// removed again if that fails; a new encrypted value is committed only while its key is in the key ring, see
        /// <see cref="KeyRingGuard"/>), then removes the owned secrets the source stopped using. A plan without
        /// changes writes nothing and returns the source as it was.
        /// </summary>
        public static StoredSource Apply(EditPlan plan, ISecretBackend backend, SourceCatalog catalog)
        {
            if (!plan.HasChanges)
            {
                return plan.Source;
            }

            var written = plan.Update.ConnectionInfo.Where(entry => !plan.Before.TryGetValue(entry.Key, out var old) || !Equals(old, entry.Value)).Select(entry => entry.Value);
            var updated = PendingSecrets.WriteThen(plan.Source.Name, plan.Secrets, backend, () => KeyRingGuard.Commit(plan.Keys, written, $"Source '{plan.Source.Name}'", () =>
                catalog.UpdateSource(plan.Source.Id, plan.Before, plan.Update, new AuditEntry(AuditActions.Set, plan.Changes))));
            foreach (var field in plan.ReplacedFields)
            {
                ReplacedSecrets.RemoveUnused(plan.Source.Id, field, backend, catalog);
            }

            return updated;
        }

        private static (OrderedMap Merged, HashSet<string> Given) Merge(AdapterSchema adapter, OrderedMap stored, OrderedMap fields)
        {
            // Given keys under the adapter's spelling; an unknown one stays as given, for the validator to name.
            var given = new HashSet<string>(StringComparer.Ordinal);
            var values = new OrderedMap();
            foreach (var entry in fields)
            {
                var name = adapter.FindField(entry.Key)?.Name
                    ?? (string.Equals(entry.Key, SourceValidator.SecretRefField, StringComparison.OrdinalIgnoreCase) ? SourceValidator.SecretRefField : entry.Key);
                given.Add(name);
                if (!values.ContainsKey(name))
                {
                    values.Add(name, entry.Value);
                }
            }

            var merged = new OrderedMap();
            foreach (var entry in stored.Where(entry => !given.Any(name => string.Equals(name, entry.Key, StringComparison.OrdinalIgnoreCase))))
            {
                merged.Add(entry.Key, entry.Value);
            }

            foreach (var entry in values)
            {
                // A null secret_ref clears it; a null field is the validator's to default or refuse.
                if (entry.Value != null || entry.Key != SourceValidator.SecretRefField)
                {
                    merged.Add(entry.Key, entry.Value);
                }
            }

            return (merged, given);
        }

        private static IEnumerable<SecretReference> VaultReferences(object? value, string field)
        {
            if (!(value is string text) || !ReferenceGrammar.HasPlaceholder(text))
            {
                return Enumerable.Empty<SecretReference>();
            }

            try
            {
                return ReferenceGrammar.Parse(text, field).Where(segment => segment.Kind == SegmentKind.Secret && segment.Secret!.IsVaultQualified)
                    .Select(segment => segment.Secret!).ToList();
            }
            catch (DataCompassException)
            {
                return Enumerable.Empty<SecretReference>();
            }
        }

        private static bool SameSecret(SecretReference reference, string vault, string name) =>
            string.Equals(reference.Vault, vault, StringComparison.OrdinalIgnoreCase) && string.Equals(reference.Name, name, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A planned change of one source: what the row becomes, the event that records it, the secrets to write first.</summary>
    public sealed class EditPlan
    {
        internal EditPlan(StoredSource source, OrderedMap before, SourceUpdate update, IReadOnlyList<AuditFieldChange> changes, PlacedSecrets placed)
        {
            Source = source;
            Before = before;
            Update = update;
            Changes = changes;
            Secrets = placed.Secrets;
            EncryptedFields = placed.EncryptedFields;
            Warnings = placed.Warnings;
        }

        public StoredSource Source { get; }

        internal OrderedMap Before { get; }

        internal SourceUpdate Update { get; }

        /// <summary>Secret fields whose owned vault secret the change stops using.</summary>
        public IReadOnlyList<string> ReplacedFields { get; internal init; } = new List<string>();

        /// <summary>Per changed field (display_name and is_active included), old and new described: never a value.</summary>
        public IReadOnlyList<AuditFieldChange> Changes { get; }

        public IReadOnlyList<PendingSecret> Secrets { get; }

        public IReadOnlyList<string> EncryptedFields { get; }

        public IReadOnlyList<string> Warnings { get; }

        /// <summary>The key ring new encrypted values came from, checked again at commit.</summary>
        internal KeyRingSource? Keys { get; init; }

        public bool HasChanges => Changes.Count > 0 || Secrets.Count > 0;

        /// <summary>The change overwrote secret text stored in the clear: the catalog file is to be scrubbed.</summary>
        public bool OverwritesPlaintext => Update.OverwritesPlaintext;

        /// <summary>The plan field by field, for -WhatIf: "field: old -> new", described as in the audit trail.</summary>
        public IEnumerable<string> Describe() =>
            Changes.Select(change => $"{change.Field}: {change.Old ?? "(none)"} -> {change.New ?? "(none)"}");
    }
}

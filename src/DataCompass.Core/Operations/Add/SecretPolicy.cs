using System.Collections.Generic;
using DataCompass.Core.Encryption;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Add
{
    /// <summary>
    /// Decides where a new source's secret values end up (see <see cref="SecretPlacement"/>, which set shares):
    /// every field is input, a literal goes under the name the template gives, and the source's name must be free
    /// before anything is written to a vault. Plans only: nothing is written here.
    /// </summary>
    public static class SecretPolicy
    {
        public static SourcePlan Plan(DraftSource draft, SecretPolicyOptions options, ISecretBackend backend, ICatalogLookup catalog)
        {
            // Stars copied from a listing (or the Python tool's "**********") are no credential: refused, as Set-DcSource refuses them.
            MaskedSecretInput.Check(draft.Name, draft.Adapter, draft.ConnectionInfo);
            var scope = new PlacementScope(
                (vault, field) => SecretNameTemplate.Apply(options.Config.EffectiveSecretNameTemplate, draft.Name, field))
            {
                // A taken source name is the real problem; checked first, it is reported as such.
                BeforeVault = () => catalog.EnsureNameIsFree(draft.Name),
            };
            var placed = SecretPlacement.Place(draft.Name, draft.Adapter, draft.ConnectionInfo, scope, options, backend, catalog);
            return new SourcePlan(new NewSource(draft.Name, draft.Adapter.Type, draft.DisplayName, placed.ConnectionInfo, draft.IsActive), placed.Secrets, placed.EncryptedFields, placed.Warnings)
            {
                Keys = options.Keys,
            };
        }
    }

    /// <summary>A source ready to store and the vault secrets to write first.</summary>
    public sealed class SourcePlan
    {
        public SourcePlan(NewSource source, IReadOnlyList<PendingSecret> secrets, IReadOnlyList<string> encryptedFields, IReadOnlyList<string> warnings)
        {
            Source = source;
            Secrets = secrets;
            EncryptedFields = encryptedFields;
            Warnings = warnings;
        }

        public NewSource Source { get; }

        public IReadOnlyList<PendingSecret> Secrets { get; }

        /// <summary>Secret fields whose literal value the source stores encrypted.</summary>
        public IReadOnlyList<string> EncryptedFields { get; }

        public IReadOnlyList<string> Warnings { get; }

        /// <summary>The key ring the encrypted values came from, checked again when the row is committed (<see cref="KeyRingGuard"/>).</summary>
        public KeyRingSource? Keys { get; init; }
    }
}

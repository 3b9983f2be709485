using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Encryption;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Add
{
    /// <summary>
    /// Carries out a <see cref="SourcePlan"/>: vault secrets first, then the row (which already holds their
    /// references) in one transaction, which also records every one of them as the source's own. If the row
    /// cannot be written, the secrets just written are removed again (see <see cref="PendingSecrets.WriteThen"/>).
    /// A row with encrypted values is committed only while their keys are in the key ring (<see cref="KeyRingGuard"/>).
    /// </summary>
    public static class SourceAdder
    {
        public static StoredSource Add(SourcePlan plan, ISecretBackend backend, SourceCatalog catalog)
        {
            if (plan.Secrets.Any(secret => !secret.AlreadyWritten))
            {
                // Before anything goes into a vault; the insert checks the name again in its transaction.
                catalog.EnsureNameIsFree(plan.Source.Name);
            }

            return PendingSecrets.WriteThen(plan.Source.Name, plan.Secrets, backend, () => KeyRingGuard.Commit(plan.Keys, plan.Source.ConnectionInfo.Select(entry => entry.Value), $"Source '{plan.Source.Name}'", () =>
            {
                var owned = plan.Secrets.Select(secret => new OwnedSecret(secret.Field, secret.Vault, secret.Name)).ToList();
                var changes = AuditValues.Changes(AdapterCatalog.Find(plan.Source.SourceType), null, plan.Source.ConnectionInfo).ToList();
                if (!plan.Source.IsActive)
                {
                    // Added inactive (a source file's active: false): recorded as Set-DcSource -Active records it.
                    changes.Add(new AuditFieldChange(AuditValues.ActiveField, null, AuditValues.DescribeActive(false)));
                }

                var audit = new AuditEntry(AuditActions.Add, changes);
                return catalog.AddSource(plan.Source, owned, audit);
            }));
        }
    }
}

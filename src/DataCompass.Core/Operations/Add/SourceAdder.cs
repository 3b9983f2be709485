using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Errors;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Add
{
    /// <summary>
    /// Carries out a <see cref="SourcePlan"/>: vault secrets first, then the row (which already holds their
    /// references) in one transaction, which also records every one of them as the source's own. If the row
    /// cannot be written, the secrets just written are removed again, so a failure leaves neither a source
    /// pointing at nothing nor a stray secret; one found already in the vault is left as it was found.
    /// </summary>
    public static class SourceAdder
    {
        public static StoredSource Add(SourcePlan plan, ISecretBackend backend, SourceCatalog catalog)
        {
            var toWrite = plan.Secrets.Where(secret => !secret.AlreadyWritten).ToList();
            if (toWrite.Count > 0)
            {
                // Before anything goes into a vault; the insert checks the name again in its transaction.
                catalog.EnsureNameIsFree(plan.Source.Name);
            }

            var written = new List<PendingSecret>();
            try
            {
                foreach (var secret in toWrite)
                {
                    try
                    {
                        backend.SetText(secret.Vault, secret.Name, secret.Value);
                    }
                    catch (DataCompassException exception)
                    {
                        throw exception.WithContext($"Source '{plan.Source.Name}', field '{secret.Field}'");
                    }

                    written.Add(secret);
                }

                var owned = plan.Secrets.Select(secret => new OwnedSecret(secret.Field, secret.Vault, secret.Name)).ToList();
                var audit = new AuditEntry(
                    AuditActions.Add, AuditValues.Changes(AdapterCatalog.Find(plan.Source.SourceType), null, plan.Source.ConnectionInfo));
                return catalog.AddSource(plan.Source, owned, audit);
            }
            catch (Exception)
            {
                foreach (var secret in written)
                {
                    try
                    {
                        backend.Remove(secret.Vault, secret.Name);
                    }
                    catch (DataCompassException)
                    {
                        // The original failure is the one to report; a leftover secret holds no catalog state.
                    }
                }

                throw;
            }
        }
    }
}

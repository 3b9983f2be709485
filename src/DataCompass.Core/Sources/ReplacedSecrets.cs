using System.Linq;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// Secrets DataCompass owned for a field until the field was switched to another value: recorded as
    /// <c>&lt;field&gt;:replaced</c> in the transaction of the switch, and removed from their vault after it.
    /// </summary>
    public static class ReplacedSecrets
    {
        /// <summary>Removes the secrets the field replaced (this run's or a killed run's) once no source refers to them.</summary>
        public static void RemoveUnused(long sourceId, string field, ISecretBackend backend, SourceCatalog catalog)
        {
            var key = OwnedSecret.ReplacedFieldOf(field);
            foreach (var secret in catalog.OwnedSecrets(sourceId).Where(secret => secret.Field == key))
            {
                if (SourceReferences.FirstUser(catalog.ListSources(), secret.Vault, secret.SecretName) != null)
                {
                    continue;
                }

                try
                {
                    backend.Remove(secret.Vault, secret.SecretName);
                }
                catch (DataCompassException exception) when (exception.Error != DcError.SecretNotFound)
                {
                    // The change itself is done; the secret stays recorded, and the next change of the field tries again.
                    continue;
                }

                catalog.ForgetOwnedSecret(sourceId, key);
            }
        }
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Operations.Keys;
using DataCompass.Core.Storage;
using DataCompass.Secrets;

namespace DataCompass.Completion
{
    /// <summary>
    /// Completes -KeyId with the ids of the key ring of the catalog the command would use (-Database honoured):
    /// environment, vault or key file, as the command finds it. The tooltip gives the key's role and how many of
    /// the catalog's values need it. Ids only; a key is never read into a completion.
    /// </summary>
    public sealed class KeyIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var path = CompletionCatalog.PathFor(fakeBoundParameters);
                var ring = new KeyRingSource(
                    Environment.GetEnvironmentVariable,
                    () => ConfigFile.Read(ConfigFile.PathFor(path)),
                    KeyFile.PathFor(path),
                    new SecretManagementBridge(null)).Find();
                if (ring == null)
                {
                    return Array.Empty<CompletionResult>();
                }

                CatalogEncryptedValues? values = null;
                using (var catalog = SourceCatalog.OpenForRead(path))
                {
                    if (catalog != null)
                    {
                        values = CatalogEncryptedValues.Read(catalog);
                    }
                }

                var pattern = CompletionText.Pattern(wordToComplete);
                return ring.Keys
                    .Where(key => pattern.IsMatch(key.Id))
                    .Select(key => new CompletionResult(key.Id, key.Id, CompletionResultType.ParameterValue, ToolTip(key, ring, values)))
                    .ToList();
            }
            catch (Exception)
            {
                // Completion must never throw at the user: no catalog, no key, a locked vault offer nothing.
                return Array.Empty<CompletionResult>();
            }
        }

        private static string ToolTip(FernetKey key, KeyRing ring, CatalogEncryptedValues? values)
        {
            var role = key == ring.Primary ? "primary" : "secondary";
            if (values == null)
            {
                return $"{key.Id} ({role})";
            }

            var count = values.Needing(key.Id).Count;
            return $"{key.Id} ({role}, {count} value{(count == 1 ? string.Empty : "s")} in the catalog)";
        }
    }
}

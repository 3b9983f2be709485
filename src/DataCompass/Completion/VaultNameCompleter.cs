using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataCompass.Secrets;

namespace DataCompass.Completion
{
    /// <summary>Completes -Vault with the registered SecretManagement vaults, the default first.</summary>
    public sealed class VaultNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var pattern = CompletionText.Pattern(wordToComplete);
                return new SecretManagementBridge(null).GetVaults()
                    .Where(vault => pattern.IsMatch(vault.Name))
                    .OrderByDescending(vault => vault.IsDefault)
                    .ThenBy(vault => vault.Name, StringComparer.OrdinalIgnoreCase)
                    .Select(vault => new CompletionResult(
                        CompletionText.Quote(vault.Name),
                        vault.Name,
                        CompletionResultType.ParameterValue,
                        $"{vault.Name} ({vault.ModuleName}{(vault.IsDefault ? ", default" : string.Empty)})"))
                    .ToList();
            }
            catch (Exception)
            {
                // No SecretManagement, or a vault that fails: completion offers nothing rather than an error.
                return Array.Empty<CompletionResult>();
            }
        }
    }
}

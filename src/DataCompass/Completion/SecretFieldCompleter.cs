using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataCompass.Core.Adapters;

namespace DataCompass.Completion
{
    /// <summary>
    /// Completes -Field with the secret fields of the source's type (the source named by -Name, or by the
    /// Get-DcSource piped in; -Database honoured). While no source is known, the secret fields of every type.
    /// </summary>
    public sealed class SecretFieldCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var adapters = CompletionAdapters.For(commandName, commandAst, fakeBoundParameters);
                if (adapters.Count == 0)
                {
                    adapters = AdapterCatalog.All;
                }

                var pattern = CompletionText.Pattern(wordToComplete);
                return adapters
                    .SelectMany(adapter => adapter.SecretFields.Select(field => (Field: field.Name, adapter.Type)))
                    .Where(secret => pattern.IsMatch(secret.Field))
                    .GroupBy(secret => secret.Field, StringComparer.OrdinalIgnoreCase)
                    .Select(group => new CompletionResult(group.Key, group.Key, CompletionResultType.ParameterValue,
                        $"{group.Key} (secret field of {string.Join(", ", group.Select(secret => secret.Type))})"))
                    .ToList();
            }
            catch (Exception)
            {
                // Completion must never throw at the user; an unreadable catalog offers nothing.
                return Array.Empty<CompletionResult>();
            }
        }
    }
}

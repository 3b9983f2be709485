using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataCompass.Core.Adapters;

namespace DataCompass.Completion
{
    /// <summary>Completes -Type with the adapter names.</summary>
    public sealed class SourceTypeCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var pattern = CompletionText.Pattern(wordToComplete);
            return AdapterCatalog.All
                .Where(adapter => pattern.IsMatch(adapter.Type))
                .Select(adapter => new CompletionResult(adapter.Type, adapter.Type, CompletionResultType.ParameterValue, adapter.DisplayName))
                .ToList();
        }
    }
}

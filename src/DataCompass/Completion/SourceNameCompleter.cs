using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataCompass.Core.Storage;

namespace DataCompass.Completion
{
    /// <summary>Completes source names from the catalog the command would use (-Database honoured).</summary>
    public sealed class SourceNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var path = CompletionCatalog.PathFor(fakeBoundParameters);
                using var catalog = SourceCatalog.OpenForRead(path);
                if (catalog == null)
                {
                    return Array.Empty<CompletionResult>();
                }

                var pattern = CompletionText.Pattern(wordToComplete);
                return catalog.ListSources()
                    .Where(source => pattern.IsMatch(source.Name))
                    .Select(source => new CompletionResult(CompletionText.Quote(source.Name), source.Name, CompletionResultType.ParameterValue, $"{source.Name} ({source.SourceType})"))
                    .ToList();
            }
            catch (Exception)
            {
                // Completion must never throw at the user; an unreadable catalog just offers nothing.
                return Array.Empty<CompletionResult>();
            }
        }
    }
}

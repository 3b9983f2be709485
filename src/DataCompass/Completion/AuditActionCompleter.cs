using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataCompass.Core.Storage;

namespace DataCompass.Completion
{
    /// <summary>Completes Get-DcAuditEvent -Action with the audit action names, in their recorded order.</summary>
    public sealed class AuditActionCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var pattern = CompletionText.Pattern(wordToComplete);
            return AuditActions.All
                .Where(action => pattern.IsMatch(action))
                .Select(action => new CompletionResult(action, action, CompletionResultType.ParameterValue, action))
                .ToList();
        }
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataCompass.Core.Adapters;

namespace DataCompass.Completion
{
    /// <summary>
    /// Completes -Connection with a hashtable to fill in. Add-DcSource (-Type typed): one hashtable of the type's
    /// required fields. Set-DcSource (the source named by -Name or piped from Get-DcSource): one hashtable per
    /// field of the source's type, to pick the field to change. PowerShell asks an argument completer only for
    /// the whole argument, never for a key inside @{ }, so this is offered before the @{ is typed.
    /// </summary>
    public sealed class ConnectionCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var word = wordToComplete ?? string.Empty;
                if (word.Length > 0 && word != "@")
                {
                    return Array.Empty<CompletionResult>();
                }

                var adapters = CompletionAdapters.For(commandName, commandAst, fakeBoundParameters);
                if (fakeBoundParameters?["Type"] is string)
                {
                    return adapters.Select(RequiredFields).ToList();
                }

                return adapters
                    .SelectMany(adapter => adapter.Fields.Select(field => (Field: field, adapter.Type)))
                    .GroupBy(candidate => candidate.Field.Name, StringComparer.OrdinalIgnoreCase)
                    .Select(group => OneField(group.First().Field, group.Select(candidate => candidate.Type)))
                    .ToList();
            }
            catch (Exception)
            {
                // Completion must never throw at the user; an unreadable catalog offers nothing.
                return Array.Empty<CompletionResult>();
            }
        }

        private static CompletionResult RequiredFields(AdapterSchema adapter)
        {
            string? DefaultText(string name) => adapter.FindField(name)?.Default as string;
            var required = adapter.Fields.Where(field => field.IsRequiredGiven(DefaultText)).ToList();
            var optional = adapter.Fields.Except(required)
                .Select(field => field.Default == null || field.Default is IEnumerable && !(field.Default is string)
                    ? field.Name
                    : string.Create(CultureInfo.InvariantCulture, $"{field.Name} ({field.Default})"));
            return new CompletionResult(
                "@{ " + string.Join("; ", required.Select(field => $"{field.Name} = {Placeholder(field)}")) + " }",
                $"required fields of {adapter.Type}",
                CompletionResultType.ParameterValue,
                $"{adapter.DisplayName}: {string.Join(", ", required.Select(field => field.Name))}. Optional: {string.Join(", ", optional)}.");
        }

        private static CompletionResult OneField(FieldSchema field, IEnumerable<string> types)
        {
            var facts = new List<string>
            {
                field.Kind switch { FieldKind.Integer => "integer", FieldKind.StringList => "list of text", _ => "text" },
            };
            if (field.Minimum != null && field.Maximum != null)
            {
                facts.Add(string.Create(CultureInfo.InvariantCulture, $"{field.Minimum} to {field.Maximum}"));
            }

            if (field.IsSecret)
            {
                facts.Add("secret");
            }

            if (field.Required)
            {
                facts.Add("required");
            }

            if (field.AllowedValues != null)
            {
                facts.Add("one of " + string.Join(", ", field.AllowedValues));
            }

            return new CompletionResult(
                $"@{{ {field.Name} = {Placeholder(field)} }}",
                field.Name,
                CompletionResultType.ParameterValue,
                $"{field.Name} ({string.Join(", ", types)}): {string.Join("; ", facts)}");
        }

        /// <summary>The value written for the user to replace: the field's default where it has one, else an empty one of its kind.</summary>
        private static string Placeholder(FieldSchema field) => field.Default switch
        {
            long number => number.ToString(CultureInfo.InvariantCulture),
            string text => "'" + text.Replace("'", "''") + "'",
            IEnumerable<string> items => string.Join(", ", items.Select(item => "'" + item.Replace("'", "''") + "'")),
            _ => field.Kind switch
            {
                FieldKind.Integer => "0",
                FieldKind.StringList => "@()",
                _ => "''",
            },
        };
    }
}

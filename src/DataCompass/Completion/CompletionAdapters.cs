using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataCompass.Core.Adapters;
using DataCompass.Core.Storage;

namespace DataCompass.Completion
{
    /// <summary>
    /// The adapters whose fields a completion offers: the -Type typed on the line, else the types of the sources
    /// the command acts on, named by its -Name or by the Get-DcSource piped into it (Get-DcSource prod | ...).
    /// </summary>
    internal static class CompletionAdapters
    {
        public static IReadOnlyList<AdapterSchema> For(string commandName, CommandAst? commandAst, IDictionary? fakeBoundParameters)
        {
            if (fakeBoundParameters?["Type"] is string type)
            {
                return AdapterCatalog.Find(type) is { } adapter ? new[] { adapter } : Array.Empty<AdapterSchema>();
            }

            // Add-DcSource -Name names a source that is not there yet.
            if (IsCommand(commandName, "Add-DcSource"))
            {
                return Array.Empty<AdapterSchema>();
            }

            var (names, database) = SourcesNamed(commandAst, fakeBoundParameters);
            if (names.Count == 0)
            {
                return Array.Empty<AdapterSchema>();
            }

            using var catalog = SourceCatalog.OpenForRead(CompletionCatalog.PathFor(database));
            if (catalog == null)
            {
                return Array.Empty<AdapterSchema>();
            }

            var types = new List<string>();
            IReadOnlyList<StoredSource>? all = null;
            foreach (var name in names)
            {
                var sources = WildcardPattern.ContainsWildcardCharacters(name)
                    ? (all ??= catalog.ListSources()).Where(source => new WildcardPattern(name, WildcardOptions.IgnoreCase).IsMatch(source.Name))
                    : catalog.FindSource(name) is { } found ? new[] { found } : Enumerable.Empty<StoredSource>();
                types.AddRange(sources.Select(source => source.SourceType));
            }

            return AdapterCatalog.All.Where(adapter => types.Contains(adapter.Type, StringComparer.OrdinalIgnoreCase)).ToList();
        }

        /// <summary>The source names and -Database of the command, or of the Get-DcSource piped into it.</summary>
        private static (IReadOnlyList<string> Names, string? Database) SourcesNamed(CommandAst? commandAst, IDictionary? fakeBoundParameters)
        {
            var database = fakeBoundParameters?["Database"] as string;
            if (fakeBoundParameters?["Name"] is { } bound)
            {
                return (Strings(bound), database);
            }

            if (commandAst?.Parent is PipelineAst pipeline)
            {
                var index = pipeline.PipelineElements.IndexOf(commandAst);
                if (index > 0 && pipeline.PipelineElements[index - 1] is CommandAst previous && IsCommand(previous.GetCommandName(), "Get-DcSource"))
                {
                    var binding = StaticParameterBinder.BindCommand(previous, true);
                    var names = binding.BoundParameters.TryGetValue("Name", out var name) ? Strings(name.ConstantValue ?? name.Value) : Array.Empty<string>();
                    if (binding.BoundParameters.TryGetValue("Database", out var piped) && piped.ConstantValue is string pipedDatabase)
                    {
                        database = pipedDatabase;
                    }

                    return (names, database);
                }
            }

            return (Array.Empty<string>(), database);
        }

        private static IReadOnlyList<string> Strings(object? value) => value switch
        {
            null => Array.Empty<string>(),
            PSObject wrapped => Strings(wrapped.BaseObject),
            string text => new[] { text },
            StringConstantExpressionAst constant => new[] { constant.Value },
            ArrayLiteralAst list => list.Elements.SelectMany(element => Strings(element)).ToList(),
            IEnumerable items when !(value is Ast) => items.Cast<object?>().SelectMany(Strings).ToList(),
            _ => Array.Empty<string>(),
        };

        private static bool IsCommand(string? name, string cmdlet) =>
            name != null && (string.Equals(name, cmdlet, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, "DataCompass\\" + cmdlet, StringComparison.OrdinalIgnoreCase));
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>Get-DcSource. Its help (synopsis, parameters, examples) is module/help/Get-DcSource.psd1.</summary>
    [Cmdlet(VerbsCommon.Get, "DcSource", HelpUri = HelpLinks.Help + "Get-DcSource.md")]
    [OutputType(typeof(DcSource))]
    public sealed class GetDcSourceCommand : DataCompassCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceTypeCompleter))]
        public string[]? Type { get; set; }

        protected override void Process()
        {
            var databasePath = ResolveDatabasePath();
            var typePatterns = Patterns(Type);
            Func<string, bool>? type = typePatterns == null ? null : sourceType => typePatterns.Any(pattern => pattern.IsMatch(sourceType));

            // Read to the end and closed before the first object goes down the pipeline: the next command is often
            // Remove-DcSource or Set-DcSourceSecret on the same file, and a read held open across its writes keeps
            // their checkpoint waiting for the busy timeout.
            Queue<StoredSource> selected;
            using (var catalog = OpenExistingCatalog(databasePath))
            {
                selected = new Queue<StoredSource>(Name == null
                    ? catalog.EnumerateSources(type == null ? null : new SourceFilter { Type = type })
                    : SelectNamed(catalog, databasePath, Name, type));
            }

            // Each row's connection_info is parsed as it is emitted, and the row is let go then: a large catalog never
            // has every parsed row alive at once (bench/Measure-Catalog.ps1).
            while (selected.Count > 0)
            {
                var source = selected.Dequeue();
                if (source.ConnectionInfoProblem != null)
                {
                    // Listed all the same, without fields, so it can still be found and removed.
                    WriteDcError(source.ConnectionInfoProblem);
                }

                WriteObject(SourceObjects.ToDcSource(source, databasePath));
            }
        }

        /// <summary>
        /// SourceSelection's rule, looked up in SQL: an exact name through the name indexes, a wildcard as a filtered
        /// stream. Every exact name is looked up first, so a missing one is reported before any source is written,
        /// as before; wildcard matches are streamed in their place in the order of the names.
        /// </summary>
        private IEnumerable<StoredSource> SelectNamed(SourceCatalog catalog, string databasePath, string[] names, Func<string, bool>? type)
        {
            var steps = new List<(WildcardPattern? Pattern, string Name, StoredSource? Exact)>(names.Length);
            foreach (var name in names)
            {
                if (WildcardPattern.ContainsWildcardCharacters(name))
                {
                    steps.Add((new WildcardPattern(name, WildcardOptions.IgnoreCase), name, null));
                    continue;
                }

                var exact = catalog.FindSource(name, type);
                if (exact == null)
                {
                    // There under another type: say so, rather than that there is no such source.
                    var untyped = type == null ? null : catalog.FindSource(name);
                    WriteDcError(untyped != null
                        ? SourceNameMatch.OtherType(untyped, databasePath, Type!)
                        : SourceNameMatch.NotFound(name, databasePath, SourceNameMatch.NamesIn(catalog)));
                }
                else
                {
                    steps.Add((null, name, exact));
                }
            }

            return Stream(catalog, steps, type);
        }

        private static IEnumerable<StoredSource> Stream(SourceCatalog catalog, List<(WildcardPattern? Pattern, string Name, StoredSource? Exact)> steps, Func<string, bool>? type)
        {
            var seen = new HashSet<long>();
            foreach (var (pattern, name, exact) in steps)
            {
                if (pattern == null)
                {
                    if (seen.Add(exact!.Id))
                    {
                        yield return exact;
                    }

                    continue;
                }

                var filter = new SourceFilter { Name = pattern.IsMatch, Type = type, NameGlob = SourceNameGlob.TryTranslate(name) };
                foreach (var source in catalog.EnumerateSources(filter))
                {
                    if (seen.Add(source.Id))
                    {
                        yield return source;
                    }
                }
            }
        }

        private static WildcardPattern[]? Patterns(string[]? values) =>
            values?.Select(value => new WildcardPattern(value, WildcardOptions.IgnoreCase)).ToArray();
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;

namespace DataCompass.Commands
{
    /// <summary>Get-DcSource. Its help (synopsis, parameters, examples) is module/help/Get-DcSource.psd1.</summary>
    [Cmdlet(VerbsCommon.Get, "DcSource")]
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
            var sources = ReadSources(databasePath);

            var typePatterns = Patterns(Type);
            var selected = sources.Where(source => typePatterns == null || typePatterns.Any(pattern => pattern.IsMatch(source.SourceType)));
            foreach (var source in SourceSelection.Select(this, databasePath, selected, Name))
            {
                if (source.ConnectionInfoProblem != null)
                {
                    // Listed all the same, without fields, so it can still be found and removed.
                    WriteDcError(source.ConnectionInfoProblem);
                }

                WriteObject(SourceObjects.ToDcSource(source, databasePath));
            }
        }

        private static WildcardPattern[]? Patterns(string[]? values) =>
            values?.Select(value => new WildcardPattern(value, WildcardOptions.IgnoreCase)).ToArray();
    }
}

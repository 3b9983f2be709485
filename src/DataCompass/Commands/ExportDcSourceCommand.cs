using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Export;
using DataCompass.Core.Sources;

namespace DataCompass.Commands
{
    /// <summary>Export-DcSource. Its help (synopsis, parameters, examples) is module/help/Export-DcSource.psd1.</summary>
    [Cmdlet(VerbsData.Export, "DcSource", HelpUri = HelpLinks.Help + "Export-DcSource.md", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DcSourceExport))]
    public sealed class ExportDcSourceCommand : DataCompassCmdlet
    {
        private const string PathSet = "Path";
        private const string TextSet = "Text";

        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceTypeCompleter))]
        public string[]? Type { get; set; }

        // An empty path reaches Process, so it gets a DataCompass error instead of PowerShell's binding error.
        [Parameter(Mandatory = true, ParameterSetName = PathSet)]
        [AllowEmptyString]
        public string Path { get; set; } = string.Empty;

        [Parameter(ParameterSetName = PathSet)]
        public SwitchParameter Force { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = TextSet)]
        public SwitchParameter PassThru { get; set; }

        protected override void Process()
        {
            ExportFolder? folder = null;
            if (ParameterSetName == PathSet)
            {
                if (string.IsNullOrWhiteSpace(Path))
                {
                    throw new DataCompassException(DcError.ExportPathInvalid, "-Path is empty. Name the folder to write the source files to, or use -PassThru alone for the text.", Path);
                }

                folder = new ExportFolder(ResolveFileSystemPath(Path, nameof(Path)));
            }

            var databasePath = ResolveDatabasePath();
            var typePatterns = Type?.Select(value => new WildcardPattern(value, WildcardOptions.IgnoreCase)).ToArray();
            var sources = ReadSources(databasePath).Where(source => typePatterns == null || typePatterns.Any(pattern => pattern.IsMatch(source.SourceType)));
            foreach (var source in SourceSelection.Select(this, databasePath, sources, Name).ToList())
            {
                try
                {
                    if (source.ConnectionInfoProblem != null)
                    {
                        throw source.ConnectionInfoProblem;
                    }

                    var file = folder?.FileFor(source.Name);
                    if (file != null && !ShouldProcess($"source '{source.Name}' ({source.SourceType}) to {file}", "Export"))
                    {
                        continue;
                    }

                    // Read-only for the catalog: nothing is decrypted, and no value of a secret is in the export.
                    var export = SourceExporter.Export(source);
                    if (file != null)
                    {
                        folder!.Write(file, export, Force);
                        WriteVerbose($"Exported source '{source.Name}' to {file}.");
                    }

                    foreach (var placeholder in export.Placeholders)
                    {
                        WriteWarning(placeholder.Warning);
                    }

                    if (PassThru)
                    {
                        WriteObject(new DcSourceExport(export.Name, export.Type, export.Yaml));
                    }
                }
                catch (DataCompassException exception)
                {
                    WriteDcError(exception);
                }
            }
        }
    }
}

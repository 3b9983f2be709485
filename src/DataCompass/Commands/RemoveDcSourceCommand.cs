using System;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes data sources from the catalog, with everything catalogued under them.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "DcSource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveDcSourceCommand : DataCompassCmdlet
    {
        private const string NameSet = "Name";
        private const string InputObjectSet = "InputObject";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Sources from Get-DcSource; each is removed from the database it was read from.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public DcSource[] InputObject { get; set; } = Array.Empty<DcSource>();

        protected override void ProcessRecord()
        {
            try
            {
                if (ParameterSetName == InputObjectSet)
                {
                    foreach (var source in InputObject)
                    {
                        RemoveFrom(Database == null ? source.Database : ResolveDatabasePath(), new[] { source.Name });
                    }
                }
                else
                {
                    RemoveFrom(ResolveDatabasePath(), Name);
                }
            }
            catch (DataCompassException exception)
            {
                ThrowDcError(exception);
            }
        }

        private void RemoveFrom(string databasePath, string[] names)
        {
            using var reader = SourceCatalog.OpenForRead(databasePath);
            var sources = reader?.ListSources() ?? Array.Empty<StoredSource>();
            var chosen = SourceSelection.Select(this, sources, names);
            reader?.Dispose();

            SourceCatalog? writer = null;
            try
            {
                foreach (var source in chosen)
                {
                    if (!ShouldProcess($"source '{source.Name}' ({source.SourceType}) and its catalog in {databasePath}", "Remove"))
                    {
                        continue;
                    }

                    writer ??= SourceCatalog.OpenForWrite(databasePath);
                    if (writer.RemoveSource(source.Id))
                    {
                        WriteVerbose($"Removed source '{source.Name}' from {databasePath}.");
                    }
                    else
                    {
                        WriteError(ErrorRecords.From(DcError.SourceNotFound, $"The source '{source.Name}' was already removed from '{databasePath}'.", source.Name));
                    }
                }
            }
            finally
            {
                writer?.Dispose();
            }
        }
    }
}

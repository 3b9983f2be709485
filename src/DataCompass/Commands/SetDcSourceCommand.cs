using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Set;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>Set-DcSource. Its help (synopsis, parameters, examples) is module/help/Set-DcSource.psd1.</summary>
    [Cmdlet(VerbsCommon.Set, "DcSource", HelpUri = HelpLinks.Help + "Set-DcSource.md", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DcSource))]
    public sealed class SetDcSourceCommand : DataCompassCmdlet
    {
        private const string PathSet = "Path";
        private const string ConnectionSet = "Connection";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string Name { get; set; } = string.Empty;

        /// <summary>A new display name; an empty one clears it.</summary>
        [Parameter]
        [AllowEmptyString]
        [AllowNull]
        public string? DisplayName { get; set; }

        [Parameter]
        public bool Active { get; set; }

        /// <summary>A YAML file with only the fields to change.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The fields to change; a $null value clears an optional field.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ConnectionSet)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(ConnectionCompleter))]
        public IDictionary Connection { get; set; } = new Hashtable();

        [Parameter]
        public SwitchParameter ResolveNow { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string? Vault { get; set; }

        [Parameter]
        public SwitchParameter Encrypt { get; set; }

        [Parameter]
        public SwitchParameter AllowPlaintext { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void Process()
        {
            try
            {
                var fields = ParameterSetName == ConnectionSet ? ConnectionInput.Copy(Connection, Name)
                    : Path != null ? SourceFileReader.ReadFile(ResolveFileSystemPath(Path, nameof(Path)))
                    : new OrderedMap();
                if (ResolveNow)
                {
                    fields = SourceDefinition.ResolveEnvironment(Name, fields, Environment.GetEnvironmentVariable);
                }

                var databasePath = ResolveDatabasePath();
                var edit = new SourceEdit
                {
                    Fields = fields,
                    SetsDisplayName = MyInvocation.BoundParameters.ContainsKey(nameof(DisplayName)),
                    DisplayName = DisplayName,
                    IsActive = MyInvocation.BoundParameters.ContainsKey(nameof(Active)) ? Active : (bool?)null,
                };
                var options = new SecretPolicyOptions(ConfigFor(databasePath), Vault, AllowPlaintext, KeyRingFor(databasePath), Encrypt);
                EditPlan plan;
                using (var catalog = OpenExistingCatalog(databasePath))
                {
                    var stored = catalog.FindSource(Name) ?? throw SourceNameMatch.NotFound(Name, databasePath, SourceNameMatch.NamesIn(catalog));
                    plan = SourceEditor.Plan(stored, edit, options, Backend, catalog);
                }

                var source = plan.Source;
                if (!plan.HasChanges)
                {
                    WriteVerbose($"Source '{source.Name}': every value given equals the stored one, so nothing was changed.");
                    WriteSource(source, databasePath);
                    return;
                }

                var secrets = plan.Secrets.Count == 0 ? string.Empty : $"; writing {string.Join(", ", plan.Secrets)}";
                var encrypted = plan.EncryptedFields.Count == 0 ? string.Empty : $"; encrypting {string.Join(", ", plan.EncryptedFields)}";
                if (!ShouldProcess($"source '{source.Name}' ({source.SourceType}) in {databasePath}: {string.Join("; ", plan.Describe())}{secrets}{encrypted}", "Set"))
                {
                    return;
                }

                foreach (var warning in plan.Warnings)
                {
                    WriteWarning(warning);
                }

                StoredSource updated;
                using (var writer = OpenCatalogForWrite(databasePath))
                {
                    updated = SourceEditor.Apply(plan, Backend, writer);
                    if (plan.OverwritesPlaintext)
                    {
                        ScrubAfterReplacing(writer);
                    }
                }

                foreach (var change in plan.Describe())
                {
                    WriteVerbose($"Source '{updated.Name}', {change}.");
                }

                WriteVerbose($"Changed source '{updated.Name}' ({updated.SourceType}) in {databasePath}.");
                WriteSource(updated, databasePath);
            }
            catch (DataCompassException exception) when (!exception.IsPrecondition)
            {
                // One bad source does not stop the next one in the pipeline; a precondition ends the command.
                WriteDcError(exception);
            }
        }

        private void WriteSource(StoredSource source, string databasePath)
        {
            if (PassThru)
            {
                WriteObject(SourceObjects.ToDcSource(source, databasePath));
            }
        }
    }
}

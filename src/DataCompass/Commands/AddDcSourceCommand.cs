using System;
using System.Collections;
using System.Management.Automation;
using System.Threading;
using DataCompass.Completion;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>Add-DcSource. Its help (synopsis, parameters, examples) is module/help/Add-DcSource.psd1.</summary>
    [Cmdlet(VerbsCommon.Add, "DcSource", HelpUri = HelpLinks.Help + "Add-DcSource.md", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DcSource))]
    public sealed class AddDcSourceCommand : DataCompassCmdlet, IDisposable
    {
        private const string PathSet = "Path";
        private const string ConnectionSet = "Connection";

        // The catalog written to, opened on the first add that gets past ShouldProcess and kept for the rest of the
        // pipeline: one open and one schema check a command, not a record. Each add is still its own immediate
        // transaction, committed (and fsynced) before the next record, so a kill mid-pipeline loses at most the add
        // in flight. A source piped with another Database gets that catalog (the previous one is closed).
        private SourceCatalog? _catalog;
        private readonly object _catalogGate = new object();

        // Empty names reach SourceNames.Validate, so every bad name gets the same DcSourceNameInvalid error.
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Name { get; set; } = string.Empty;

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SourceTypeCompleter))]
        public string Type { get; set; } = string.Empty;

        // An empty path reaches the check in Process, so it gets a DataCompass error (a piped CSV row with an empty
        // column included) instead of PowerShell's binding error.
        [Parameter(Mandatory = true, Position = 2, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [AllowNull]
        [Alias("FullName")]
        public string Path { get; set; } = string.Empty;

        [Parameter(Mandatory = true, ParameterSetName = ConnectionSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(ConnectionCompleter))]
        public IDictionary Connection { get; set; } = new Hashtable();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? DisplayName { get; set; }

        /// <summary>The vault literal secrets go to; default: config secrets_backend, else SecretManagement's default vault.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string? Vault { get; set; }

        /// <summary>With no vault available, stores a literal secret value in the clear (with a warning) instead of refusing it.</summary>
        [Parameter]
        public SwitchParameter AllowPlaintext { get; set; }

        /// <summary>Resolves ${VAR} placeholders now and stores their values instead (secret values then follow the usual policy).</summary>
        [Parameter]
        public SwitchParameter ResolveNow { get; set; }

        /// <summary>Stores literal secret values encrypted with the primary key, even when a vault is available.</summary>
        [Parameter]
        public SwitchParameter Encrypt { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void Process()
        {
            try
            {
                if (ParameterSetName == PathSet && string.IsNullOrWhiteSpace(Path))
                {
                    throw new DataCompassException(
                        DcError.SourceFileNotFound,
                        $"Source '{Name}': -Path is empty. Name the YAML file that holds the source's fields, or pass them with -Connection.",
                        Name);
                }

                OrderedMap fields;
                var displayName = DisplayName;
                var isActive = true;
                if (ParameterSetName == PathSet)
                {
                    // A file may name its source and type (name:, type:, display_name:, active:, as Export-DcSource writes them).
                    var path = ResolveFileSystemPath(Path, nameof(Path));
                    OrderedMap read;
                    try
                    {
                        read = SourceFileReader.ReadFile(path);
                    }
                    catch (DataCompassException exception)
                    {
                        // A row of Import-Csv sources.csv | Add-DcSource: the message names the source the file is for.
                        throw exception.WithContext($"Source '{Name}'");
                    }

                    var header = SourceFileHeader.Split(read, path);
                    displayName = header.CheckAgainst(Name, Type, DisplayName, path);
                    isActive = header.IsActive;
                    fields = header.Fields;
                }
                else
                {
                    fields = ConnectionInput.Copy(Connection, Name);
                }

                if (ResolveNow)
                {
                    fields = SourceDefinition.ResolveEnvironment(Name, fields, Environment.GetEnvironmentVariable);
                }

                var draft = SourceDefinition.Prepare(Name, Type, displayName, fields, isActive);
                var databasePath = ResolveDatabasePath();
                var config = ConfigFor(databasePath);
                var backend = Backend;
                SourcePlan plan;
                var options = new SecretPolicyOptions(config, Vault, AllowPlaintext, KeyRingFor(databasePath), Encrypt);
                var open = OpenCatalog(databasePath);
                if (open != null)
                {
                    plan = SecretPolicy.Plan(draft, options, backend, open);
                }
                else
                {
                    // Nothing written yet: the policy looks through a read-only connection, opened only if it must.
                    using var lookup = new LazyCatalogLookup(databasePath);
                    plan = SecretPolicy.Plan(draft, options, backend, lookup);
                }

                var secrets = plan.Secrets.Count == 0 ? string.Empty : $", writing {string.Join(", ", plan.Secrets)}";
                var encrypted = plan.EncryptedFields.Count == 0 ? string.Empty : $", encrypting {string.Join(", ", plan.EncryptedFields)}";
                var inactive = draft.IsActive ? string.Empty : ", inactive";
                if (!ShouldProcess($"source '{draft.Name}' ({draft.Adapter.Type}) in {databasePath}{inactive}{secrets}{encrypted}", "Add"))
                {
                    return;
                }

                foreach (var warning in plan.Warnings)
                {
                    WriteWarning(warning);
                }

                StoredSource stored;
                lock (_catalogGate)
                {
                    if (_catalog == null)
                    {
                        _catalog = OpenCatalogForWrite(databasePath);
                    }

                    stored = SourceAdder.Add(plan, backend, _catalog);
                }

                foreach (var secret in plan.Secrets)
                {
                    WriteVerbose($"Stored the literal value of '{secret.Field}' in the vault as {secret.Reference}.");
                }

                foreach (var field in plan.EncryptedFields)
                {
                    WriteVerbose($"Stored the literal value of '{field}' encrypted with key {EncryptedValue.KeyIdOf((string)stored.ConnectionInfo[field]!)}.");
                }

                WriteVerbose($"Added source '{stored.Name}' ({stored.SourceType}) to {databasePath}.");
                if (PassThru)
                {
                    WriteObject(SourceObjects.ToDcSource(stored, databasePath));
                }
            }
            catch (DataCompassException exception) when (!exception.IsPrecondition)
            {
                // One bad source does not stop the next one in the pipeline. A precondition (nowhere safe to put
                // a secret) would meet the next source too, so it ends the command.
                WriteDcError(exception);
            }
        }

        protected override void End() => Dispose();

        /// <summary>Ctrl+C: closes the catalog now unless an add is running (that one finishes or fails, then Dispose closes it).</summary>
        protected override void StopProcessing()
        {
            if (Monitor.TryEnter(_catalogGate))
            {
                try
                {
                    CloseCatalog();
                }
                finally
                {
                    Monitor.Exit(_catalogGate);
                }
            }
        }

        /// <summary>Called by PowerShell however the pipeline ended (an error that stopped it, a stop, a break).</summary>
        public void Dispose()
        {
            lock (_catalogGate)
            {
                CloseCatalog();
            }
        }

        /// <summary>The catalog this command already has open for <paramref name="databasePath"/>; another one open is closed.</summary>
        private SourceCatalog? OpenCatalog(string databasePath)
        {
            lock (_catalogGate)
            {
                if (_catalog != null && !string.Equals(_catalog.Path, databasePath, StringComparison.Ordinal))
                {
                    CloseCatalog();
                }

                return _catalog;
            }
        }

        private void CloseCatalog()
        {
            var catalog = _catalog;
            _catalog = null;
            catalog?.Dispose();
        }
    }
}

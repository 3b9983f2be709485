using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Move;
using DataCompass.Core.Operations.Remove;
using DataCompass.Core.References;

namespace DataCompass.Commands
{
    /// <summary>Move-DcSourceSecret. Its help (synopsis, parameters, examples) is module/help/Move-DcSourceSecret.psd1.</summary>
    [Cmdlet(VerbsCommon.Move, "DcSourceSecret", HelpUri = HelpLinks.Help + "Move-DcSourceSecret.md", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(DcSecretMoveResult))]
    public sealed class MoveDcSourceSecretCommand : DataCompassCmdlet
    {
        private const string NameSet = "Name";
        private const string InputObjectSet = "InputObject";
        private readonly SourceRequests _requests = new SourceRequests();

        [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Sources from Get-DcSource.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public DcSource[] InputObject { get; set; } = Array.Empty<DcSource>();

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string From { get; set; } = string.Empty;

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string To { get; set; } = string.Empty;

        /// <summary>Removes each old copy DataCompass created once no source in the catalog refers to it.</summary>
        [Parameter]
        public SwitchParameter RemoveOld { get; set; }

        protected override void Process() => _requests.AddRecord(this, ParameterSetName == InputObjectSet, InputObject, Name);

        protected override void End()
        {
            foreach (var (databasePath, names) in _requests.ByDatabase)
            {
                MoveIn(databasePath, names);
            }
        }

        private void MoveIn(string databasePath, string[] names)
        {
            var sources = SourceSelection.Select(this, databasePath, ReadSources(databasePath), names).ToList();
            var (from, to) = SecretMover.CheckVaults(Backend, From, To);
            if (RemoveOld)
            {
                FinishQueuedRemovals(databasePath, from);
            }

            var items = SecretMover.Plan(sources, from, to);
            new MoveRun(Backend, () => OpenCatalogForWrite(databasePath), new MoveHost(this), RemoveOld).Run(items);

            int Count(MoveStatus status) => items.Count(item => item.Status == status);
            WriteInformation(new InformationRecord(
                $"Moved {Count(MoveStatus.Moved)}, already moved {Count(MoveStatus.AlreadyMoved)}, skipped {Count(MoveStatus.Skipped)}, failed {Count(MoveStatus.Failed)}, " +
                $"declined {Count(MoveStatus.Declined)}, not done {Count(MoveStatus.Planned)}; old copies removed {items.Count(item => item.Removed)}.",
                "Move-DcSourceSecret"));
        }

        /// <summary>Old copies an interrupted -RemoveOld run swapped away from but did not get to remove.</summary>
        private void FinishQueuedRemovals(string databasePath, string from)
        {
            bool InFrom(string vault) => string.Equals(vault, from, StringComparison.OrdinalIgnoreCase);
            using (var reader = OpenExistingCatalog(databasePath))
            {
                if (!reader.PendingSecretRemovals().Any(secret => InFrom(secret.Vault)))
                {
                    return;
                }
            }

            using var catalog = OpenCatalogForWrite(databasePath);
            var result = new SourceRemoval(catalog, () => Backend).FinishPending(secret =>
                InFrom(secret.Vault) && ShouldProcess(new SecretReference(secret.Vault, secret.SecretName).ToPlaceholder(), "Remove the old copy an interrupted move left queued"));
            foreach (var secret in result.RemovedSecrets)
            {
                WriteVerbose($"Removed {new SecretReference(secret.Vault, secret.SecretName).ToPlaceholder()}, the old copy an interrupted move of source '{secret.SourceName}' left queued.");
            }

            foreach (var failed in result.FailedSecrets)
            {
                WriteDcError(failed.Error.WithContext($"The old copy {new SecretReference(failed.Secret.Vault, failed.Secret.SecretName).ToPlaceholder()} stays queued"));
            }
        }

        private void WriteResult(MoveItem item) =>
            WriteObject(new DcSecretMoveResult(item.Source, item.Field, item.From, item.To, OutputEnum.From<DcMoveStatus>(item.Status), item.Removed, item.Message));

        /// <summary>The run's results, errors and progress, as this cmdlet's output, error and progress streams.</summary>
        private sealed class MoveHost : IMoveHost
        {
            private readonly MoveDcSourceSecretCommand _cmdlet;
            private readonly ProgressRecord _progress = new ProgressRecord(1, "Moving secrets to another vault", "Starting");
            private readonly Stopwatch _clock = Stopwatch.StartNew();

            public MoveHost(MoveDcSourceSecretCommand cmdlet) => _cmdlet = cmdlet;

            public bool ShouldProcess(string target, string action) => _cmdlet.ShouldProcess(target, action);

            public bool IsWhatIf => _cmdlet.IsWhatIf;

            public void Warn(string message) => _cmdlet.WriteWarning(message);

            public void Emit(MoveItem item) => _cmdlet.WriteResult(item);

            public void Error(DataCompassException error) => _cmdlet.WriteDcError(error);

            public void Progress(int done, int planned, MoveItem? current)
            {
                if (current == null)
                {
                    _progress.RecordType = ProgressRecordType.Completed;
                }
                else
                {
                    _progress.StatusDescription = $"{done} of {planned} references, {ProgressRate.PerSecond(done, _clock)} a second: {current.Source}.{current.Field}";
                    _progress.PercentComplete = planned == 0 ? 100 : done * 100 / planned;
                }

                _cmdlet.WriteProgress(_progress);
            }
        }
    }
}

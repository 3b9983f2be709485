using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Convert;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Commands
{
    /// <summary>Convert-DcSourceSecret. Its help (synopsis, parameters, examples) is module/help/Convert-DcSourceSecret.psd1.</summary>
    [Cmdlet(VerbsData.Convert, "DcSourceSecret", HelpUri = HelpLinks.Help + "Convert-DcSourceSecret.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(DcConversionResult))]
    public sealed class ConvertDcSourceSecretCommand : DataCompassCmdlet
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

        /// <summary>The vault the secrets go to; default: config secrets_backend, else SecretManagement's default vault.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string? Vault { get; set; }

        /// <summary>
        /// Also converts the secrets in the Python tool's notification_channels (all of them: -Name and piped
        /// sources choose data sources only). Without it they are only reported, as NotSelected.
        /// </summary>
        [Parameter]
        public SwitchParameter IncludeNotificationChannel { get; set; }

        protected override void Process() => _requests.AddRecord(this, ParameterSetName == InputObjectSet, InputObject, Name);

        protected override void End()
        {
            foreach (var (databasePath, names) in _requests.ByDatabase)
            {
                ConvertIn(databasePath, names);
            }
        }

        private void ConvertIn(string databasePath, string[] names)
        {
            var sources = SourceSelection.Select(this, databasePath, ReadSources(databasePath), names).ToList();
            var channels = ReadChannels(databasePath);
            if (sources.Count == 0 && (!IncludeNotificationChannel || channels.Count == 0))
            {
                // Nothing to convert, so no vault is needed; the channels' plaintext is still reported.
                var report = NotificationChannelSecrets.Report(channels);
                foreach (var item in report.Items)
                {
                    WriteResult(item);
                }

                WarnNotSelected(report);
                return;
            }

            var backend = Backend;
            var config = ConfigFor(databasePath);
            var choice = VaultChoice.Choose(Vault, config, backend);
            if (choice.Vault == null)
            {
                throw new DataCompassException(
                    DcError.NoVaultAvailable,
                    $"There is no vault to move the secrets to: {choice.UnavailableReason}. Name one with -Vault or Set-DcConfig -SecretVault.",
                    databasePath);
            }

            // Channels come after the sources; unselected, their plaintext values pass through as NotSelected.
            var channelPlan = IncludeNotificationChannel
                ? NotificationChannelSecrets.Plan(channels, choice.Vault, config)
                : NotificationChannelSecrets.Report(channels);
            if (IncludeNotificationChannel)
            {
                foreach (var problem in channelPlan.Unreadable)
                {
                    WriteDcError(problem);
                }
            }

            Convert(SecretConverter.Plan(sources, choice.Vault, config, KeyRingFor(databasePath)).Concat(channelPlan.Items).ToList(), databasePath);
            if (!IncludeNotificationChannel)
            {
                WarnNotSelected(channelPlan);
            }
        }

        private void Convert(IReadOnlyList<ConversionItem> items, string databasePath)
        {
            var host = new ConversionHost(this);
            if (!new ConversionRun(Backend, () => OpenCatalogForWrite(databasePath), host).Run(items))
            {
                ScrubIfInterrupted(databasePath);
            }

            WriteInformation(new InformationRecord(Summary(items), "Convert-DcSourceSecret"));
        }

        private void WarnNotSelected(ChannelConversionPlan plan)
        {
            if (plan.NotSelectedWarning() is { } warning)
            {
                WriteWarning(warning);
            }
        }

        private IReadOnlyList<StoredChannel> ReadChannels(string databasePath)
        {
            using var catalog = OpenExistingCatalog(databasePath);
            return catalog.ListNotificationChannels();
        }

        private void WriteResult(ConversionItem item) =>
            WriteObject(new DcConversionResult(OutputEnum.From<DcConversionKind>(item.Target), item.Source, item.Field, OutputEnum.From<DcConversionStatus>(item.Status), item.Reference, item.Message));

        private static string Summary(IReadOnlyList<ConversionItem> items)
        {
            int Count(ConversionStatus status) => items.Count(item => item.Status == status);
            return $"Converted {Count(ConversionStatus.Converted)}, already safe {Count(ConversionStatus.AlreadySafe)}, broken {Count(ConversionStatus.Broken)}, " +
                $"mixed {Count(ConversionStatus.Mixed)}, failed {Count(ConversionStatus.Failed)}, declined {Count(ConversionStatus.Declined)}, not done {Count(ConversionStatus.Planned)}" +
                (Count(ConversionStatus.NotSelected) == 0 ? "." : $", notification channel values not selected {Count(ConversionStatus.NotSelected)}.");
        }

        /// <summary>The run's results, errors and progress, as this cmdlet's output, error and progress streams.</summary>
        private sealed class ConversionHost : IConversionHost
        {
            private readonly ConvertDcSourceSecretCommand _cmdlet;
            private readonly ProgressRecord _progress = new ProgressRecord(1, "Converting plaintext secrets", "Starting");
            private readonly Stopwatch _clock = Stopwatch.StartNew();

            public ConversionHost(ConvertDcSourceSecretCommand cmdlet) => _cmdlet = cmdlet;

            public bool ShouldProcess(string target, string action) => _cmdlet.ShouldProcess(target, action);

            public bool IsWhatIf => _cmdlet.IsWhatIf;

            public void Warn(string message) => _cmdlet.WriteWarning(message);

            public void Emit(ConversionItem item) => _cmdlet.WriteResult(item);

            public void Error(DataCompassException error) => _cmdlet.WriteDcError(error);

            public void Progress(int done, int planned, ConversionItem? current)
            {
                if (current == null)
                {
                    _progress.RecordType = ProgressRecordType.Completed;
                }
                else
                {
                    var channel = current.Target == ConversionTarget.NotificationChannel ? "channel " : string.Empty;
                    _progress.StatusDescription = $"{done} of {planned} fields, {ProgressRate.PerSecond(done, _clock)} a second: {channel}{current.Source}.{current.Field}";
                    _progress.PercentComplete = planned == 0 ? 100 : done * 100 / planned;
                }

                _cmdlet.WriteProgress(_progress);
            }
        }
    }
}

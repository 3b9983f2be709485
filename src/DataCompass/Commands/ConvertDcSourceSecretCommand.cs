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
using DataCompass.Secrets;

namespace DataCompass.Commands
{
    /// <summary>
    /// <para type="synopsis">Moves plaintext secret values of existing sources into a vault and leaves references in their place.</para>
    /// </summary>
    [Cmdlet(VerbsData.Convert, "DcSourceSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(DcConversionResult))]
    public sealed class ConvertDcSourceSecretCommand : DataCompassCmdlet
    {
        private const string NameSet = "Name";
        private const string InputObjectSet = "InputObject";
        private readonly List<string> _names = new List<string>();
        private string? _databasePath;

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

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InputObjectSet)
            {
                foreach (var source in InputObject)
                {
                    _databasePath ??= Database == null ? source.Database : ResolveDatabasePath();
                    _names.Add(source.Name);
                }
            }
            else
            {
                _databasePath ??= ResolveDatabasePath();
                _names.AddRange(Name ?? new[] { "*" });
            }
        }

        protected override void EndProcessing()
        {
            var databasePath = _databasePath ?? ResolveDatabasePath();
            try
            {
                var sources = SourceSelection.Select(this, ReadSources(databasePath), _names.Distinct(StringComparer.OrdinalIgnoreCase).ToArray()).ToList();
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

                var backend = new SecretManagementBridge(SessionState);
                var config = ConfigFile.Read(ConfigFile.PathFor(databasePath));
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

                Convert(SecretConverter.Plan(sources, choice.Vault, config, KeyRingFor(databasePath, backend, config)).Concat(channelPlan.Items).ToList(), backend, databasePath);
                if (!IncludeNotificationChannel)
                {
                    WarnNotSelected(channelPlan);
                }
            }
            catch (DataCompassException exception)
            {
                ThrowDcError(exception);
            }
        }

        private void Convert(IReadOnlyList<ConversionItem> items, ISecretBackend backend, string databasePath)
        {
            // Opened for writing only once a field is really converted: -WhatIf leaves the file as it was.
            SourceCatalog? catalog = null;
            ISet<string>? existingNames = null;
            var planned = items.Count(item => item.Status == ConversionStatus.Planned);
            var progress = new ProgressRecord(1, "Converting plaintext secrets", "Starting");
            var clock = Stopwatch.StartNew();
            var done = 0;
            var converted = false;
            try
            {
                foreach (var item in items)
                {
                    if (item.Status == ConversionStatus.Planned)
                    {
                        if (!ShouldProcess($"{Describe(item)}, field '{item.Field}' -> {item.Reference}", "Move the plaintext value to the vault"))
                        {
                            WriteResult(item);
                            continue;
                        }

                        progress.StatusDescription = $"{done} of {planned} fields, {ProgressRate.PerSecond(done, clock)} a second: {(item.Target == ConversionTarget.NotificationChannel ? "channel " : string.Empty)}{item.Source}.{item.Field}";
                        progress.PercentComplete = planned == 0 ? 100 : done * 100 / planned;
                        WriteProgress(progress);
                        try
                        {
                            existingNames ??= new HashSet<string>(backend.GetSecretNames(item.Vault!), StringComparer.OrdinalIgnoreCase);
                            SecretConverter.Convert(item, backend, catalog ??= SourceCatalog.OpenForWrite(databasePath), existingNames);
                            converted = true;
                        }
                        catch (DataCompassException exception) when (exception.Error == DcError.SecretNameConflict || exception.Error == DcError.SourceInvalid || exception.Error == DcError.NotificationChannelInvalid)
                        {
                            WriteDcError(exception);
                        }
                        catch (DataCompassException exception)
                        {
                            // The vault itself failed: stop, so the remaining sources stay exactly as they were.
                            WriteResult(item);
                            throw new DataCompassException(exception.Error,
                                $"{exception.Message} Converted {done} of {planned} fields before the failure; the rest are unchanged. Run Convert-DcSourceSecret again to continue.",
                                exception.Target);
                        }

                        done++;
                    }
                    else if (item.Status == ConversionStatus.Broken)
                    {
                        WriteWarning(item.Message);
                    }
                    else if (item.Problem != null)
                    {
                        // An encrypted value no key opens: it stays as it is; the other fields go on.
                        WriteDcError(item.Problem);
                    }

                    WriteResult(item);
                }
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
                if (converted)
                {
                    // The plaintext must not survive in free pages or the WAL.
                    ScrubAfterReplacing(catalog!);
                }

                catalog?.Dispose();
            }

            if (!converted)
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
            using var catalog = SourceCatalog.OpenForRead(databasePath);
            return catalog?.ListNotificationChannels() ?? Array.Empty<StoredChannel>();
        }

        private static string Describe(ConversionItem item) =>
            item.Target == ConversionTarget.NotificationChannel ? $"notification channel '{item.Source}'" : $"source '{item.Source}'";

        private void WriteResult(ConversionItem item) =>
            WriteObject(new DcConversionResult(item.Target.ToString(), item.Source, item.Field, item.Status.ToString(), item.Reference, item.Message));

        private static string Summary(IReadOnlyList<ConversionItem> items)
        {
            int Count(ConversionStatus status) => items.Count(item => item.Status == status);
            return $"Converted {Count(ConversionStatus.Converted)}, already safe {Count(ConversionStatus.AlreadySafe)}, broken {Count(ConversionStatus.Broken)}, " +
                $"mixed {Count(ConversionStatus.Mixed)}, failed {Count(ConversionStatus.Failed)}, not done {Count(ConversionStatus.Planned)}" +
                (Count(ConversionStatus.NotSelected) == 0 ? "." : $", notification channel values not selected {Count(ConversionStatus.NotSelected)}.");
        }
    }
}

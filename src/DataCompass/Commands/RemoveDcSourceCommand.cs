using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Remove;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>Remove-DcSource. Its help (synopsis, parameters, examples) is module/help/Remove-DcSource.psd1.</summary>
    [Cmdlet(VerbsCommon.Remove, "DcSource", HelpUri = HelpLinks.Help + "Remove-DcSource.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
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

        /// <summary>Also removes the vault secrets DataCompass created for the source (never a secret it only referenced).</summary>
        [Parameter]
        public SwitchParameter RemoveSecret { get; set; }

        /// <summary>The vault secrets this command already tried to remove: a failed one is not retried by the same command.</summary>
        private readonly HashSet<string> _tried = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        private static string Key(OwnedSecret secret) => secret.Vault + "\0" + secret.SecretName;

        private void RememberTried(IEnumerable<OwnedSecret> removed, IEnumerable<FailedSecret> failed) =>
            _tried.UnionWith(removed.Concat(failed.Select(item => item.Secret)).Select(Key));

        protected override void Process()
        {
            if (ParameterSetName == InputObjectSet)
            {
                foreach (var source in InputObject)
                {
                    RemoveFrom(DatabaseOf(source), new[] { source.Name });
                }
            }
            else
            {
                RemoveFrom(ResolveDatabasePath(), Name);
            }
        }

        private void RemoveFrom(string databasePath, string[] names)
        {
            var chosen = SourceSelection.Select(this, databasePath, ReadSources(databasePath), names);

            SourceCatalog? writer = null;
            try
            {
                foreach (var source in chosen)
                {
                    var what = RemoveSecret ? "its catalog and the vault secrets DataCompass created for it" : "its catalog";
                    if (!ShouldProcess($"source '{source.Name}' ({source.SourceType}) with {what} in {databasePath}", "Remove"))
                    {
                        continue;
                    }

                    writer ??= OpenCatalogForWrite(databasePath);
                    var removal = new SourceRemoval(writer, () => Backend);
                    SourceRemovalResult result;
                    try
                    {
                        result = removal.Remove(source, RemoveSecret);
                    }
                    catch (DataCompassException exception)
                    {
                        WriteError(ErrorRecords.From(exception.Error, exception.Message, source.Name));
                        continue;
                    }

                    RememberTried(result.RemovedSecrets, result.FailedSecrets);
                    Report(result, databasePath);
                }

                if (RemoveSecret)
                {
                    FinishPendingRemovals(ref writer, databasePath);
                }
            }
            finally
            {
                writer?.Dispose();
            }
        }

        /// <summary>Removes the secrets an interrupted earlier removal left queued (see SourceRemoval.FinishPending).</summary>
        private void FinishPendingRemovals(ref SourceCatalog? writer, string databasePath)
        {
            var confirmed = false;
            if (writer == null)
            {
                using var reader = SourceCatalog.OpenForRead(databasePath, Backend);
                var pending = (reader?.PendingSecretRemovals() ?? Array.Empty<OwnedSecret>()).Where(secret => !_tried.Contains(Key(secret))).ToList();
                if (pending.Count == 0 || !ShouldProcess(
                    $"{pending.Count} vault secret(s) left by an interrupted removal of source(s) from {databasePath}", "Remove"))
                {
                    return;
                }

                writer = OpenCatalogForWrite(databasePath);
                confirmed = true;
            }

            var result = new SourceRemoval(writer, () => Backend).FinishPending(secret => !_tried.Contains(Key(secret)) && (confirmed || ShouldProcess(
                $"vault secret '{secret.SecretName}' in '{secret.Vault}', left by an interrupted removal of source '{secret.SourceName}' from {databasePath}",
                "Remove")));
            RememberTried(result.RemovedSecrets, result.FailedSecrets);
            foreach (var secret in result.RemovedSecrets)
            {
                WriteVerbose($"Removed the vault secret '{secret.SecretName}' from '{secret.Vault}', left by an earlier removal of source '{secret.SourceName}'.");
            }

            foreach (var failed in result.FailedSecrets)
            {
                WriteError(ErrorRecords.From(failed.Error.Error,
                    $"The secret '{failed.Secret.SecretName}' in vault '{failed.Secret.Vault}', left by an earlier removal of source '{failed.Secret.SourceName}', was not removed: {failed.Error.Message}",
                    failed.Secret.SecretName));
            }
        }

        private void Report(SourceRemovalResult result, string databasePath)
        {
            var name = result.Source.Name;
            if (!result.Removed)
            {
                WriteError(ErrorRecords.From(DcError.SourceNotFound, $"The source '{name}' was already removed from '{databasePath}'.", name));
                return;
            }

            WriteVerbose($"Removed source '{name}' from {databasePath}.");
            foreach (var kept in result.Kept)
            {
                WriteWarning($"Kept the vault secret '{kept.Secret.SecretName}' in '{kept.Secret.Vault}': source '{kept.UsedBy}' refers to it.");
            }

            foreach (var secret in result.RemovedSecrets)
            {
                WriteVerbose($"Removed the vault secret '{secret.SecretName}' from '{secret.Vault}'.");
            }

            foreach (var failed in result.FailedSecrets)
            {
                WriteError(ErrorRecords.From(failed.Error.Error,
                    $"Source '{name}' was removed, but its secret '{failed.Secret.SecretName}' in vault '{failed.Secret.Vault}' was not: {failed.Error.Message}",
                    failed.Secret.SecretName));
            }
        }
    }
}

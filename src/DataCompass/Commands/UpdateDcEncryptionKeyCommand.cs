using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Encryption;
using DataCompass.Core.Operations.Keys;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>Update-DcEncryptionKey. Its help (synopsis, parameters, examples) is module/help/Update-DcEncryptionKey.psd1.</summary>
    [Cmdlet(VerbsData.Update, "DcEncryptionKey", HelpUri = HelpLinks.Help + "Update-DcEncryptionKey.md", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(DcEncryptionKeyUpdate))]
    public sealed class UpdateDcEncryptionKeyCommand : DataCompassCmdlet
    {
        private const string NameSet = "Name";
        private const string InputObjectSet = "InputObject";
        private readonly SourceRequests _requests = new SourceRequests();

        [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Sources from Get-DcSource: exactly those are re-encrypted, each in the catalog it was read from.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public DcSource[] InputObject { get; set; } = Array.Empty<DcSource>();

        /// <summary>How many values one transaction re-encrypts; a kill loses at most one batch of work, never a value.</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int BatchSize { get; set; } = 100;

        protected override void Process() => _requests.AddRecord(this, ParameterSetName == InputObjectSet, InputObject, Name);

        protected override void End()
        {
            foreach (var (databasePath, names) in _requests.ByDatabase)
            {
                Update(databasePath, names);
            }
        }

        private void Update(string databasePath, string[] names)
        {
            var sources = SourceSelection.Select(this, databasePath, ReadSources(databasePath), names).ToList();
            var ring = KeyRingFor(databasePath).Require("Update-DcEncryptionKey re-encrypts values under the primary key");
            var pending = KeyRotation.Pending(sources, ring);
            var alreadyCurrent = EncryptedField.In(sources).Count() - pending.Count;
            WriteObject(Rotate(pending, ring, databasePath, alreadyCurrent));
        }

        private DcEncryptionKeyUpdate Rotate(IReadOnlyList<EncryptedField> pending, KeyRing ring, string databasePath, int alreadyCurrent)
        {
            var progress = new ProgressRecord(2, $"Re-encrypting under key {ring.Primary.Id}", "Starting");
            var clock = Stopwatch.StartNew();
            int rotated = 0, failed = 0, declined = 0;
            SourceCatalog? catalog = null;
            try
            {
                var batch = new List<EncryptedField>(BatchSize);
                foreach (var field in pending)
                {
                    if (ShouldProcess($"source '{field.Source}', field '{field.Field}'", $"Re-encrypt from key {field.KeyId ?? "(damaged)"} to key {ring.Primary.Id}"))
                    {
                        batch.Add(field);
                    }
                    else
                    {
                        declined++;
                    }

                    if (batch.Count == BatchSize)
                    {
                        RotateBatch(batch);
                    }
                }

                RotateBatch(batch);
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
                if (rotated > 0)
                {
                    // Values under the old key must not survive in free pages or the WAL.
                    ScrubAfterReplacing(catalog!);
                }

                catalog?.Dispose();
            }

            if (rotated == 0)
            {
                ScrubIfInterrupted(databasePath);
            }

            var summary = new DcEncryptionKeyUpdate(ring.Primary.Id, rotated, failed, declined, alreadyCurrent, databasePath);
            WriteInformation(new InformationRecord(
                $"Re-encrypted {rotated} value(s) under key {ring.Primary.Id}; {failed} failed, {declined} not done, {alreadyCurrent} already under it.",
                "Update-DcEncryptionKey"));
            return summary;

            void RotateBatch(List<EncryptedField> fields)
            {
                if (fields.Count == 0)
                {
                    return;
                }

                catalog ??= OpenCatalogForWrite(databasePath);
                foreach (var outcome in KeyRotation.RotateBatch(fields, KeyRingFor(databasePath), catalog))
                {
                    if (outcome.Failure == null)
                    {
                        rotated++;
                    }
                    else
                    {
                        failed++;
                        WriteDcError(outcome.Failure);
                    }
                }

                fields.Clear();
                progress.StatusDescription = $"{rotated + failed} of {pending.Count} values, {ProgressRate.PerSecond(rotated + failed, clock)} a second";
                progress.PercentComplete = pending.Count == 0 ? 100 : (rotated + failed) * 100 / pending.Count;
                WriteProgress(progress);
            }
        }
    }
}

using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Keys;

namespace DataCompass.Commands
{
    /// <summary>Get-DcEncryptionStatus. Its help (synopsis, parameters, examples) is module/help/Get-DcEncryptionStatus.psd1.</summary>
    [Cmdlet(VerbsCommon.Get, "DcEncryptionStatus")]
    [OutputType(typeof(DcEncryptionKeyStatus))]
    public sealed class GetDcEncryptionStatusCommand : DataCompassCmdlet
    {
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[]? Name { get; set; }

        protected override void End()
        {
            var databasePath = ResolveDatabasePath();
            var sources = SourceSelection.Select(this, databasePath, ReadSources(databasePath), Name).ToList();
            KeyRing? ring = null;
            try
            {
                ring = KeyRingFor(databasePath).Find();
            }
            catch (DataCompassException exception)
            {
                // The report is still worth having: every value counts as one no key opens.
                WriteDcError(exception);
            }

            if (ring == null)
            {
                WriteVerbose("No encryption key is configured.");
            }

            var usages = EncryptionStatus.Summarize(sources, ring);
            foreach (var usage in usages)
            {
                WriteObject(new DcEncryptionKeyStatus(
                    usage.KeyId,
                    usage.Role.ToString(),
                    usage.Role == KeyRole.NotInRing ? null : ring!.Origin,
                    usage.Fields.ToArray(),
                    usage.Unreadable.ToArray()));
            }

            var unreadable = usages.SelectMany(usage => usage.Unreadable).ToList();
            if (unreadable.Count > 0)
            {
                WriteWarning($"{unreadable.Count} encrypted value(s) cannot be opened with the configured keys: {string.Join(", ", unreadable)}. " +
                    "Add the missing key to the ring (after the primary), or set those values again with Set-DcSourceSecret.");
            }
        }
    }
}

using System;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Keys;

namespace DataCompass.Commands
{
    /// <summary>Get-DcEncryptionStatus. Its help (synopsis, parameters, examples) is module/help/Get-DcEncryptionStatus.psd1.</summary>
    [Cmdlet(VerbsCommon.Get, "DcEncryptionStatus", HelpUri = HelpLinks.Help + "Get-DcEncryptionStatus.md", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(DcEncryptionKeyStatus))]
    public sealed class GetDcEncryptionStatusCommand : DataCompassCmdlet
    {
        private const string NameSet = "Name";
        private const string InputObjectSet = "InputObject";
        private readonly SourceRequests _requests = new SourceRequests();

        [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Sources from Get-DcSource: exactly those are counted, each in the catalog it was read from.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public DcSource[] InputObject { get; set; } = Array.Empty<DcSource>();

        protected override void Process() => _requests.AddRecord(this, ParameterSetName == InputObjectSet, InputObject, Name);

        protected override void End()
        {
            foreach (var (databasePath, names) in _requests.ByDatabase)
            {
                Report(databasePath, names);
            }
        }

        private void Report(string databasePath, string[] names)
        {
            var sources = SourceSelection.Select(this, databasePath, ReadSources(databasePath), names).ToList();
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

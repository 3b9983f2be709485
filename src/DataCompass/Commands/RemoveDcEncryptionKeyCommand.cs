using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Common;
using DataCompass.Core.Operations.Keys;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>Remove-DcEncryptionKey. Its help (synopsis, parameters, examples) is module/help/Remove-DcEncryptionKey.psd1.</summary>
    [Cmdlet(VerbsCommon.Remove, "DcEncryptionKey", HelpUri = HelpLinks.Help + "Remove-DcEncryptionKey.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(DcEncryptionKeyRemoval))]
    public sealed class RemoveDcEncryptionKeyCommand : DataCompassCmdlet
    {
        private readonly List<string> _keyIds = new List<string>();

        /// <summary>The ids of the keys to remove (8 hex digits); bound by property name from Get-DcEncryptionStatus.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string[] KeyId { get; set; } = Array.Empty<string>();

        /// <summary>Skips the confirmation prompt; never a refusal.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void Process() => _keyIds.AddRange(KeyId);

        protected override void End()
        {
            var databasePath = ResolveDatabasePath();
            var removal = new KeyRemoval(
                databasePath,
                Backend,
                Environment.GetEnvironmentVariable,
                () => ConfigFor(databasePath),
                () =>
                {
                    using var catalog = OpenExistingCatalog(databasePath);
                    return CatalogEncryptedValues.Read(catalog);
                },
                new ForceableHost(OperationHost, SkipsConfirmation));
            var result = removal.Remove(_keyIds);
            foreach (var keyId in result.Removed)
            {
                var entry = new AuditEntry(AuditActions.RemoveKey)
                {
                    Details = new OrderedMap
                    {
                        { "key_id", keyId },
                        { "location", result.Location },
                        { "remaining_key_ids", result.Remaining.Cast<object?>().ToList() },
                    },
                };
                RecordOutsideChange(databasePath, entry, $"Key {keyId} was removed from {result.Location}");
            }

            if (result.Removed.Count > 0)
            {
                WriteObject(new DcEncryptionKeyRemoval(result.Removed.ToArray(), result.Remaining.ToArray(), result.Location, databasePath));
            }

            foreach (var refusal in result.Refused)
            {
                WriteDcError(refusal);
            }
        }

        /// <summary>-Force without -Confirm: no prompt. -WhatIf still only reports.</summary>
        private bool SkipsConfirmation =>
            Force && !MyInvocation.BoundParameters.ContainsKey("Confirm") && !(MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf)
                ? LanguagePrimitives.IsTrue(whatIf)
                : LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference")));
    }

    /// <summary>A host whose ShouldProcess says yes without asking when the command was forced.</summary>
    internal sealed class ForceableHost : IOperationHost
    {
        private readonly IOperationHost _inner;
        private readonly bool _forced;

        public ForceableHost(IOperationHost inner, bool forced)
        {
            _inner = inner;
            _forced = forced;
        }

        public bool ShouldProcess(string target, string action) => _forced || _inner.ShouldProcess(target, action);

        public void Warn(string message) => _inner.Warn(message);
    }
}

using System;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Encryption;
using DataCompass.Core.Common;
using DataCompass.Core.Operations.Keys;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>New-DcEncryptionKey. Its help (synopsis, parameters, examples) is module/help/New-DcEncryptionKey.psd1.</summary>
    [Cmdlet(VerbsCommon.New, "DcEncryptionKey", HelpUri = HelpLinks.Help + "New-DcEncryptionKey.md", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DcEncryptionKeyInfo), ParameterSetName = new[] { PathSet, VaultSet })]
    [OutputType(typeof(string), ParameterSetName = new[] { PlainTextSet })]
    public sealed class NewDcEncryptionKeyCommand : DataCompassCmdlet
    {
        public const string DefaultSecretName = "DataCompass-encryption-key";
        private const string PathSet = "Path";
        private const string VaultSet = "Vault";
        private const string PlainTextSet = "AsPlainText";
        private const string Printed = "printed, not stored";

        /// <summary>The key file; default: the file 'key' beside the catalog database (~/.datacompass/key).</summary>
        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Keeps the key ring in this vault instead of a file, and points config encryption_key_ref at it.</summary>
        [Parameter(Mandatory = true, ParameterSetName = VaultSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string Vault { get; set; } = string.Empty;

        /// <summary>The vault secret that holds the key ring.</summary>
        [Parameter(ParameterSetName = VaultSet)]
        [ValidateNotNullOrEmpty]
        public string SecretName { get; set; } = DefaultSecretName;

        /// <summary>Writes the new key to the output once, as text, and stores it nowhere.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PlainTextSet)]
        public SwitchParameter AsPlainText { get; set; }

        /// <summary>Creates the ring even when the ring in use cannot be read; its keys are then not carried over.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = VaultSet)]
        public SwitchParameter Force { get; set; }

        protected override void End()
        {
            var databasePath = ResolveDatabasePath();
            if (ParameterSetName == PlainTextSet)
            {
                Print(databasePath);
                return;
            }

            var creation = new KeyCreation(databasePath, Backend, Environment.GetEnvironmentVariable, Force, OperationHost);
            var created = ParameterSetName == VaultSet
                ? creation.CreateInVault(Vault, SecretName)
                : creation.CreateInFile(Path == null ? KeyFile.PathFor(databasePath) : ResolveFileSystemPath(Path, nameof(Path)));
            if (created != null)
            {
                var entry = new AuditEntry(AuditActions.NewKey)
                {
                    Details = new OrderedMap
                    {
                        { "key_id", created.KeyId },
                        { "previous_key_id", created.PreviousKeyId },
                        { "key_count", created.KeyCount },
                        { "location", created.Location },
                    },
                };
                RecordOutsideChange(databasePath, entry, $"Key {created.KeyId} was created in {created.Location}");
                WriteObject(new DcEncryptionKeyInfo(created.KeyId, created.Location, created.KeyCount, created.PreviousKeyId));
            }
        }

        /// <summary>The key goes to the output stream only, as one string; its id to the warning and the audit trail.</summary>
        private void Print(string databasePath)
        {
            if (!ShouldProcess(Printed, "Generate an encryption key and write it to the output (it is stored nowhere)"))
            {
                return;
            }

            var key = FernetKey.Generate();
            WriteWarning($"Key {key.Id} is shown this once and stored nowhere: keep it in a secret store now (a CI secret, a vault). " +
                $"DataCompass uses it as $env:{KeyRingSource.EnvironmentVariable}, alone or first in a comma-separated ring.");
            RecordOutsideChange(databasePath, new AuditEntry(AuditActions.NewKey)
            {
                Details = new OrderedMap
                {
                    { "key_id", key.Id },
                    { "previous_key_id", null },
                    { "key_count", 1 },
                    { "location", Printed },
                },
            }, $"Key {key.Id} was {Printed}");
            WriteObject(key.ToText());
        }
    }
}

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
    [Cmdlet(VerbsCommon.New, "DcEncryptionKey", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DcEncryptionKeyInfo))]
    public sealed class NewDcEncryptionKeyCommand : DataCompassCmdlet
    {
        public const string DefaultSecretName = "DataCompass-encryption-key";
        private const string PathSet = "Path";
        private const string VaultSet = "Vault";

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

        /// <summary>Creates the ring even when the ring in use cannot be read; its keys are then not carried over.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void End()
        {
            var databasePath = ResolveDatabasePath();
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
    }
}

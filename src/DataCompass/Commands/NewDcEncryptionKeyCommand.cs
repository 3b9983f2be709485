using System;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Vaults;
using DataCompass.Secrets;

namespace DataCompass.Commands
{
    /// <summary>
    /// <para type="synopsis">Creates a Fernet encryption key and makes it the primary key of the key ring.</para>
    /// </summary>
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

        protected override void EndProcessing()
        {
            var databasePath = ResolveDatabasePath();
            try
            {
                var info = ParameterSetName == VaultSet ? CreateInVault(databasePath) : CreateInFile(databasePath);
                if (info != null)
                {
                    if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(KeyRingSource.EnvironmentVariable)))
                    {
                        WriteWarning($"$env:{KeyRingSource.EnvironmentVariable} is set, and it takes precedence: DataCompass will not use {info.Location} while it is set.");
                    }

                    WriteObject(info);
                }
            }
            catch (DataCompassException exception)
            {
                ThrowDcError(exception);
            }
        }

        private DcEncryptionKeyInfo? CreateInFile(string databasePath)
        {
            var readPath = KeyFile.PathFor(databasePath);
            var path = Path == null ? readPath : ResolveFileSystemPath(Path, nameof(Path));
            var existing = KeyFile.Read(path);
            var inForce = RingInForce(databasePath, new SecretManagementBridge(SessionState));
            var primary = FernetKey.Generate();
            var origin = $"the key file '{path}'";
            if (!ShouldProcess(path, Action(KeyRing.WithNewPrimary(primary, origin, existing, inForce))))
            {
                return null;
            }

            // Under the file's lock the ring is read again: a key another process added meanwhile is kept.
            var ring = KeyFile.Update(path, current => KeyRing.WithNewPrimary(primary, origin, current, inForce));
            if (!string.Equals(System.IO.Path.GetFullPath(path), readPath, StringComparison.Ordinal))
            {
                WriteWarning($"For the catalog '{databasePath}' DataCompass reads keys from '{readPath}', not '{path}'. Move the file there, or put its content in $env:{KeyRingSource.EnvironmentVariable}.");
            }
            else if (ConfigFile.Read(ConfigFile.PathFor(databasePath)).EncryptionKeyRef is { } keyRef)
            {
                WriteWarning($"The config's encryption_key_ref ('{keyRef}') takes precedence over the key file; clear it with Set-DcConfig -EncryptionKeyRef '' to use the file.");
            }

            return Describe(ring, path, inForce ?? existing);
        }

        private DcEncryptionKeyInfo? CreateInVault(string databasePath)
        {
            var backend = new SecretManagementBridge(SessionState);
            var reference = new SecretReference(Vault, SecretName);
            var origin = $"the vault secret {reference.ToUri()}";
            var existing = ReadVaultRing(backend, reference, origin);
            var inForce = RingInForce(databasePath, backend);
            var ring = KeyRing.WithNewPrimary(FernetKey.Generate(), origin, existing, inForce);
            var configPath = ConfigFile.PathFor(databasePath);
            if (!ShouldProcess(reference.ToUri(), Action(ring) + $" and set encryption_key_ref in {configPath}"))
            {
                return null;
            }

            backend.SetText(Vault, SecretName, ring.ToText());

            // A key ring that did not arrive intact would make every value encrypted with it unreadable.
            var stored = backend.Get(Vault, SecretName);
            if (stored.Kind != SecretKind.Text || KeyRing.Parse(stored.Text!, origin).ToText() != ring.ToText())
            {
                throw new DataCompassException(DcError.VaultFailed, $"The vault '{Vault}' returned a different key ring than was written to '{SecretName}'; do not use it.", reference.ToUri());
            }

            var config = ConfigFile.Read(configPath);
            config.EncryptionKeyRef = Vault + "/" + SecretName;
            ConfigFile.Write(configPath, config);
            return Describe(ring, reference.ToUri(), inForce ?? existing);
        }

        /// <summary>
        /// The stored ring DataCompass uses now (vault or key file): its keys go into the new ring too, so values
        /// encrypted with them stay readable wherever the new ring is kept. Keys that live only in
        /// $env:DATACOMPASS_ENCRYPTION_KEY are never copied. A ring in use that cannot be read stops the command,
        /// unless -Force.
        /// </summary>
        private KeyRing? RingInForce(string databasePath, ISecretBackend backend)
        {
            try
            {
                return new KeyRingSource(_ => null, () => ConfigFile.Read(ConfigFile.PathFor(databasePath)), KeyFile.PathFor(databasePath), backend).Find();
            }
            catch (DataCompassException exception) when (Force)
            {
                WriteWarning($"The key ring in use cannot be read, so its keys are not carried over to the new ring (-Force): {exception.Message}");
                return null;
            }
            catch (DataCompassException exception)
            {
                throw new DataCompassException(
                    exception.Error,
                    $"The key ring in use cannot be read, and its keys must be carried over to the new ring so that no value becomes unreadable: {exception.Message} Fix it, or pass -Force to create the ring without them.",
                    exception.Target);
            }
        }

        /// <summary>The key ring already kept in the vault secret, or null when there is none.</summary>
        private static KeyRing? ReadVaultRing(ISecretBackend backend, SecretReference reference, string origin)
        {
            SecretValue secret;
            try
            {
                secret = backend.Get(reference.Vault, reference.Name);
            }
            catch (DataCompassException exception) when (exception.Error == DcError.SecretNotFound)
            {
                return null;
            }

            if (secret.Kind != SecretKind.Text)
            {
                throw new DataCompassException(DcError.EncryptionKeyInvalid, $"The vault secret {reference.ToUri()} is a {secret.TypeName}, not a key ring; choose another -SecretName.", reference.ToUri());
            }

            return KeyRing.Parse(secret.Text!, origin);
        }

        private static string Action(KeyRing ring) => ring.Keys.Count == 1
            ? "Create an encryption key"
            : $"Add a new primary encryption key (keeping {string.Join(", ", ring.Keys.Skip(1).Select(key => key.Id))} for decryption)";

        private static DcEncryptionKeyInfo Describe(KeyRing ring, string location, KeyRing? previous) =>
            new DcEncryptionKeyInfo(ring.Primary.Id, location, ring.Keys.Count, previous?.Primary.Id);
    }
}

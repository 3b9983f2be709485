using System;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Secrets;
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
            var existing = KeyFile.Read(path) ?? RingInForce(databasePath);
            if (!ShouldProcess(path, Action(existing)))
            {
                return null;
            }

            var ring = WithNewPrimary(existing, $"the key file '{path}'");
            KeyFile.Write(path, ring);
            if (!string.Equals(System.IO.Path.GetFullPath(path), readPath, StringComparison.Ordinal))
            {
                WriteWarning($"For the catalog '{databasePath}' DataCompass reads keys from '{readPath}', not '{path}'. Move the file there, or put its content in $env:{KeyRingSource.EnvironmentVariable}.");
            }
            else if (ConfigFile.Read(ConfigFile.PathFor(databasePath)).EncryptionKeyRef is { } keyRef)
            {
                WriteWarning($"The config's encryption_key_ref ('{keyRef}') takes precedence over the key file; clear it with Set-DcConfig -EncryptionKeyRef '' to use the file.");
            }

            return Describe(ring, path, existing);
        }

        private DcEncryptionKeyInfo? CreateInVault(string databasePath)
        {
            var backend = new SecretManagementBridge(SessionState);
            var reference = new SecretReference(Vault, SecretName);
            var origin = $"the vault secret {reference.ToUri()}";
            KeyRing? existing = null;
            if (backend.GetSecretType(Vault, SecretName) != null)
            {
                var secret = backend.Get(Vault, SecretName);
                if (secret.Kind != SecretKind.Text)
                {
                    throw new DataCompassException(DcError.EncryptionKeyInvalid, $"The vault secret {reference.ToUri()} is a {secret.TypeName}, not a key ring; choose another -SecretName.", reference.ToUri());
                }

                existing = KeyRing.Parse(secret.Text!, origin);
            }

            existing ??= RingInForce(databasePath, backend);

            var configPath = ConfigFile.PathFor(databasePath);
            if (!ShouldProcess(reference.ToUri(), Action(existing) + $" and set encryption_key_ref in {configPath}"))
            {
                return null;
            }

            var ring = WithNewPrimary(existing, origin);
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
            return Describe(ring, reference.ToUri(), existing);
        }

        /// <summary>
        /// The stored ring DataCompass uses now (vault or key file), when the new key goes to a place that holds
        /// none yet: its keys are carried over, so values encrypted with them stay readable once the new place
        /// takes precedence. Keys that live only in $env:DATACOMPASS_ENCRYPTION_KEY are not copied anywhere.
        /// </summary>
        private KeyRing? RingInForce(string databasePath, ISecretBackend? backend = null)
        {
            try
            {
                return new KeyRingSource(
                    _ => null,
                    () => ConfigFile.Read(ConfigFile.PathFor(databasePath)),
                    KeyFile.PathFor(databasePath),
                    backend ?? new SecretManagementBridge(SessionState)).Find();
            }
            catch (DataCompassException exception)
            {
                WriteWarning($"The key ring in use cannot be read, so its keys are not carried over to the new ring: {exception.Message}");
                return null;
            }
        }

        private static string Action(KeyRing? existing) => existing == null
            ? "Create an encryption key"
            : $"Add a new primary encryption key (keeping {string.Join(", ", existing.Keys.Select(key => key.Id))} for decryption)";

        /// <summary>A new key in front; every key the ring held stays, so no value ever becomes unreadable.</summary>
        private static KeyRing WithNewPrimary(KeyRing? existing, string origin) =>
            new KeyRing(new[] { FernetKey.Generate() }.Concat(existing?.Keys ?? Enumerable.Empty<FernetKey>()).ToList(), origin);

        private static DcEncryptionKeyInfo Describe(KeyRing ring, string location, KeyRing? existing) =>
            new DcEncryptionKeyInfo(ring.Primary.Id, location, ring.Keys.Count, existing?.Primary.Id);
    }
}

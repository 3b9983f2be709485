using System;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Keys
{
    /// <summary>
    /// New-DcEncryptionKey: a new primary key, kept in a key file or a vault secret. The keys of the ring in use
    /// (vault or key file) are carried over, so every value encrypted with them stays readable wherever the new
    /// ring is kept; a ring in use that cannot be read stops the command unless <c>force</c>. A ring written to a
    /// vault is read back and compared before the config points at it.
    /// </summary>
    public sealed class KeyCreation
    {
        private readonly string _databasePath;
        private readonly ISecretBackend _backend;
        private readonly Func<string, string?> _environment;
        private readonly bool _force;
        private readonly IOperationHost _host;

        public KeyCreation(string databasePath, ISecretBackend backend, Func<string, string?> environment, bool force, IOperationHost host)
        {
            _databasePath = databasePath;
            _backend = backend;
            _environment = environment;
            _force = force;
            _host = host;
        }

        private string ConfigPath => ConfigFile.PathFor(_databasePath);

        /// <summary>Adds the new primary key to the key file at <paramref name="path"/>; null when the host declined.</summary>
        public NewKeyResult? CreateInFile(string path)
        {
            var readPath = KeyFile.PathFor(_databasePath);
            var existing = KeyFile.Read(path);
            var inForce = RingInForce();
            var primary = FernetKey.Generate();
            var origin = $"the key file '{path}'";
            if (!_host.ShouldProcess(path, Action(KeyRing.WithNewPrimary(primary, origin, existing, inForce))))
            {
                return null;
            }

            // Under the file's lock the ring is read again: a key another process added meanwhile is kept.
            var ring = KeyFile.Update(path, current => KeyRing.WithNewPrimary(primary, origin, current, inForce));
            if (!string.Equals(Path.GetFullPath(path), readPath, StringComparison.Ordinal))
            {
                _host.Warn($"For the catalog '{_databasePath}' DataCompass reads keys from '{readPath}', not '{path}'. Move the file there, or put its content in $env:{KeyRingSource.EnvironmentVariable}.");
            }
            else if (ConfigFile.Read(ConfigPath).EncryptionKeyRef is { } keyRef)
            {
                _host.Warn($"The config's encryption_key_ref ('{keyRef}') takes precedence over the key file; clear it with Set-DcConfig -EncryptionKeyRef '' to use the file.");
            }

            return Done(ring, path, inForce ?? existing);
        }

        /// <summary>Writes the new ring to the vault secret, reads it back, and points config encryption_key_ref at it; null when the host declined.</summary>
        public NewKeyResult? CreateInVault(string vault, string secretName)
        {
            var reference = new SecretReference(vault, secretName);
            var origin = $"the vault secret {reference.ToUri()}";
            var existing = ReadVaultRing(reference, origin);
            var inForce = RingInForce();
            var primary = FernetKey.Generate();
            if (!_host.ShouldProcess(reference.ToUri(), Action(KeyRing.WithNewPrimary(primary, origin, existing, inForce)) + $" and set encryption_key_ref in {ConfigPath}"))
            {
                return null;
            }

            // Under the key ring's lock the vault ring is read again: a key another command added or removed
            // meanwhile (Remove-DcEncryptionKey takes the same lock) is not undone.
            KeyRing ring;
            using (KeyFile.Lock(KeyFile.PathFor(_databasePath)))
            {
                ring = KeyRing.WithNewPrimary(primary, origin, ReadVaultRing(reference, origin), inForce);
                WriteVaultRing(_backend, vault, secretName, ring);
            }

            var config = ConfigFile.Read(ConfigPath);
            config.EncryptionKeyRef = vault + "/" + secretName;
            ConfigFile.Write(ConfigPath, config);
            return Done(ring, reference.ToUri(), inForce ?? existing);
        }

        /// <summary>Writes a ring to a vault secret and reads it back: a ring that did not arrive intact would make every value encrypted with it unreadable.</summary>
        internal static void WriteVaultRing(ISecretBackend backend, string vault, string secretName, KeyRing ring)
        {
            backend.SetText(vault, secretName, ring.ToText());
            var stored = backend.Get(vault, secretName);
            if (stored.Kind != SecretKind.Text || KeyRing.Parse(stored.Text!, ring.Origin).ToText() != ring.ToText())
            {
                throw new DataCompassException(
                    DcError.VaultFailed,
                    $"The vault '{vault}' returned a different key ring than was written to '{secretName}'; do not use it.",
                    new SecretReference(vault, secretName).ToUri());
            }
        }

        /// <summary>
        /// The stored ring DataCompass uses now (vault or key file). Keys that live only in
        /// $env:DATACOMPASS_ENCRYPTION_KEY are never copied.
        /// </summary>
        private KeyRing? RingInForce()
        {
            try
            {
                return new KeyRingSource(_ => null, () => ConfigFile.Read(ConfigPath), KeyFile.PathFor(_databasePath), _backend).Find();
            }
            catch (DataCompassException exception) when (_force)
            {
                _host.Warn($"The key ring in use cannot be read, so its keys are not carried over to the new ring (-Force): {exception.Message}");
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
        private KeyRing? ReadVaultRing(SecretReference reference, string origin)
        {
            SecretValue secret;
            try
            {
                secret = _backend.Get(reference.Vault, reference.Name);
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

        private NewKeyResult Done(KeyRing ring, string location, KeyRing? previous)
        {
            if (!string.IsNullOrWhiteSpace(_environment(KeyRingSource.EnvironmentVariable)))
            {
                _host.Warn($"$env:{KeyRingSource.EnvironmentVariable} is set, and it takes precedence: DataCompass will not use {location} while it is set.");
            }

            return new NewKeyResult(ring.Primary.Id, location, ring.Keys.Count, previous?.Primary.Id);
        }

        private static string Action(KeyRing ring) => ring.Keys.Count == 1
            ? "Create an encryption key"
            : $"Add a new primary encryption key (keeping {string.Join(", ", ring.Keys.Skip(1).Select(key => key.Id))} for decryption)";
    }

    /// <summary>The key New-DcEncryptionKey made: its id, where the ring is kept, how many keys it holds, and the primary it replaced.</summary>
    public sealed record NewKeyResult(string KeyId, string Location, int KeyCount, string? PreviousKeyId);
}

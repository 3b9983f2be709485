using System;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Encryption
{
    /// <summary>
    /// Finds the key ring for one command, on first use and once: <c>$env:DATACOMPASS_ENCRYPTION_KEY</c>, else the
    /// vault secret named by config <c>encryption_key_ref</c>, else the key file. The first place that is set is
    /// the one used. There is never a default key.
    /// </summary>
    public sealed class KeyRingSource
    {
        public const string EnvironmentVariable = "DATACOMPASS_ENCRYPTION_KEY";

        private readonly Func<string, string?> _environment;
        private readonly Func<DcConfig> _config;
        private readonly Func<KeyRing?> _load;
        private readonly Lazy<KeyRing?> _ring;

        /// <param name="config">Read only when the environment variable is not set.</param>
        public KeyRingSource(Func<string, string?> environment, Func<DcConfig> config, string keyFilePath, ISecretBackend? backend)
        {
            KeyFilePath = keyFilePath;
            _environment = environment;
            _config = config;
            _load = () => Load(environment, config, keyFilePath, backend);
            _ring = new Lazy<KeyRing?>(_load);
        }

        public string KeyFilePath { get; }

        /// <summary>Where the ring comes from: the first place that is set.</summary>
        public KeyRingPlace Place => PlaceOf(_environment, _config);

        /// <summary>How a user configures a key, for messages.</summary>
        public string HowToConfigure =>
            $"set $env:{EnvironmentVariable}, name a vault secret with Set-DcConfig -EncryptionKeyRef, or create the key file '{KeyFilePath}' with New-DcEncryptionKey";

        /// <summary>The ring, or null when no key is configured. A configured key that cannot be read throws (every time it is asked).</summary>
        public KeyRing? Find() => _ring.Value;

        /// <summary>
        /// The ring as its place holds it now, read again rather than the one this command found first: another
        /// process may have changed it since (see <see cref="KeyRingGuard"/>).
        /// </summary>
        public KeyRing? ReadNow() => _load();

        /// <summary>The ring; when none is configured, <see cref="DcError.EncryptionKeyMissing"/> saying why it was needed.</summary>
        public KeyRing Require(string purpose, string? keyId = null) => Find() ?? throw new DataCompassException(
            DcError.EncryptionKeyMissing,
            $"{purpose}, but no encryption key is configured: {HowToConfigure}.",
            keyId ?? EnvironmentVariable);

        /// <summary>Decrypts a stored value; every failure names <paramref name="context"/> and, where it can, the key id.</summary>
        public string Decrypt(string stored, string context)
        {
            var keyId = EncryptedValue.KeyIdOf(stored);
            return Require($"{context}: the value is encrypted with key {keyId ?? "(unreadable id)"}", keyId).Decrypt(stored, context);
        }

        /// <summary>
        /// Decrypts with <paramref name="keys"/>; when a caller has no key ring at all (a core API used without
        /// one), the value counts as one whose key is missing.
        /// </summary>
        public static string Decrypt(KeyRingSource? keys, string stored, string context) =>
            keys?.Decrypt(stored, context) ?? throw new DataCompassException(
                DcError.EncryptionKeyMissing, $"{context}: the value is encrypted and no key ring was given.", EncryptedValue.KeyIdOf(stored) ?? context);

        /// <summary>Which place a ring is taken from: the first that is set. <paramref name="config"/> is read only when the variable is not set.</summary>
        public static KeyRingPlace PlaceOf(Func<string, string?> environment, Func<DcConfig> config)
        {
            if (!string.IsNullOrWhiteSpace(environment(EnvironmentVariable)))
            {
                return KeyRingPlace.Environment;
            }

            return string.IsNullOrEmpty(config().EncryptionKeyRef) ? KeyRingPlace.KeyFile : KeyRingPlace.Vault;
        }

        private static KeyRing? Load(Func<string, string?> environment, Func<DcConfig> readConfig, string keyFilePath, ISecretBackend? backend)
        {
            var fromEnvironment = environment(EnvironmentVariable);
            DcConfig? config = null;
            switch (PlaceOf(_ => fromEnvironment, () => config = readConfig()))
            {
                case KeyRingPlace.Environment:
                    return KeyRing.Parse(fromEnvironment!, $"$env:{EnvironmentVariable}");
                case KeyRingPlace.Vault:
                    return LoadFromVault(config!.EncryptionKeyRef!, backend);
                default:
                    return KeyFile.Read(keyFilePath);
            }
        }

        private static KeyRing LoadFromVault(string keyRef, ISecretBackend? backend)
        {
            var context = $"The config's {ConfigFile.EncryptionKeyRefKey}";
            var reference = KeyReference.Parse(keyRef, context);
            var origin = $"the vault secret {reference.ToUri()}";
            if (backend == null)
            {
                throw new DataCompassException(DcError.SecretManagementNotInstalled, $"{context} names {origin}, which needs Microsoft.PowerShell.SecretManagement.", keyRef);
            }

            SecretValue secret;
            try
            {
                secret = backend.Get(reference.Vault, reference.Name);
            }
            catch (DataCompassException exception) when (exception.Error == DcError.SecretNotFound)
            {
                throw new DataCompassException(
                    DcError.EncryptionKeyMissing,
                    $"{context} names {origin}, which does not exist. Create it with New-DcEncryptionKey -Vault {reference.Vault}, or correct the setting with Set-DcConfig -EncryptionKeyRef.",
                    keyRef);
            }
            catch (DataCompassException exception)
            {
                throw exception.WithContext($"Reading the encryption key ring ({origin})");
            }

            if (secret.Kind != SecretKind.Text)
            {
                throw new DataCompassException(DcError.EncryptionKeyInvalid, $"{context} names {origin}, a {secret.TypeName}; the key ring must be a String or SecureString secret.", keyRef);
            }

            return KeyRing.Parse(secret.Text!, origin);
        }
    }

    /// <summary>Where a catalog's key ring comes from, in order of precedence.</summary>
    public enum KeyRingPlace
    {
        /// <summary>$env:DATACOMPASS_ENCRYPTION_KEY, which DataCompass reads but never changes.</summary>
        Environment,

        /// <summary>The vault secret named by config encryption_key_ref.</summary>
        Vault,

        /// <summary>The key file beside the catalog.</summary>
        KeyFile,
    }
}

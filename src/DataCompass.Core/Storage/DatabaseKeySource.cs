using System;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// Where the key of an encrypted catalog file comes from: $env:DATACOMPASS_DATABASE_KEY, else the vault secret
    /// named by the config's database_key_ref. The key is read only when a file needs it, and not kept here (the
    /// open connection holds it, and <see cref="SqlCipherKeys"/> the page key derived from it, in memory only).
    /// </summary>
    public sealed class DatabaseKeySource
    {
        public const string EnvironmentVariable = "DATACOMPASS_DATABASE_KEY";

        private readonly string _catalogPath;
        private readonly Func<string, string?> _environment;
        private readonly ISecretBackend? _secrets;
        private DcConfig? _config;

        public DatabaseKeySource(string catalogPath, Func<string, string?> environment, ISecretBackend? secrets)
        {
            _catalogPath = catalogPath;
            _environment = environment;
            _secrets = secrets;
        }

        private string? FromEnvironment => _environment(EnvironmentVariable) is { Length: > 0 } value ? value : null;

        private DcConfig Config => _config ??= ConfigFile.Read(ConfigFile.PathFor(_catalogPath));

        /// <summary>Whether a key is set for this catalog. A config that cannot be read sets none here; the commands that read it report it.</summary>
        public bool IsConfigured
        {
            get
            {
                if (FromEnvironment != null)
                {
                    return true;
                }

                try
                {
                    return !string.IsNullOrEmpty(Config.DatabaseKeyRef);
                }
                catch (DataCompassException)
                {
                    return false;
                }
            }
        }

        /// <summary>Where the key comes from, for messages: never the key itself.</summary>
        public string Origin => FromEnvironment != null
            ? $"$env:{EnvironmentVariable}"
            : string.IsNullOrEmpty(Config.DatabaseKeyRef) ? "nowhere" : $"the vault secret {KeyReference.Parse(Config.DatabaseKeyRef!, ContextOfRef).ToUri()} (config {ConfigFile.DatabaseKeyRefKey})";

        /// <summary>How to set a key, completing a sentence.</summary>
        public static string HowToSet =>
            $"set $env:{EnvironmentVariable}, or name the vault secret that holds it with Set-DcConfig -DatabaseKeyRef";

        private static string ContextOfRef => $"The config's {ConfigFile.DatabaseKeyRefKey}";

        /// <summary>The key; <see cref="DcError.DatabaseKeyInvalid"/> when none is set or its secret is missing or empty.</summary>
        /// <param name="why">What the key is for, completing "... to {why}".</param>
        public string Resolve(string why)
        {
            if (FromEnvironment is { } key)
            {
                return key;
            }

            var keyRef = Config.DatabaseKeyRef;
            if (string.IsNullOrEmpty(keyRef))
            {
                throw new DataCompassException(DcError.DatabaseKeyInvalid, $"A database key is needed to {why}, and none is set: {HowToSet}.", _catalogPath);
            }

            var reference = KeyReference.Parse(keyRef!, ContextOfRef);
            var origin = $"the vault secret {reference.ToUri()}";
            if (_secrets == null)
            {
                throw new DataCompassException(
                    DcError.SecretManagementNotInstalled, $"{ContextOfRef} names {origin}, which this command cannot read; set $env:{EnvironmentVariable} instead.", keyRef);
            }

            SecretValue secret;
            try
            {
                secret = _secrets.Get(reference.Vault, reference.Name);
            }
            catch (DataCompassException exception) when (exception.Error == DcError.SecretNotFound)
            {
                throw new DataCompassException(
                    DcError.DatabaseKeyInvalid,
                    $"A database key is needed to {why}, and {ContextOfRef} names {origin}, which does not exist. Store the key there with Set-Secret, or correct the setting with Set-DcConfig -DatabaseKeyRef.",
                    keyRef);
            }
            catch (DataCompassException exception)
            {
                throw exception.WithContext($"Reading the database key ({origin})");
            }

            if ((secret.Kind != SecretKind.Text && secret.Kind != SecretKind.Credential) || string.IsNullOrEmpty(secret.Text))
            {
                throw new DataCompassException(
                    DcError.DatabaseKeyInvalid, $"{ContextOfRef} names {origin}, a {secret.TypeName} with no text; the database key must be a String or SecureString secret.", keyRef);
            }

            return secret.Text!;
        }
    }
}

using DataCompass.Core.References;

namespace DataCompass.Core.Config
{
    /// <summary>The settings of config.yaml, beside the catalog database.</summary>
    public sealed class DcConfig
    {
        public const string DefaultSecretNameTemplate = "DataCompass-{source}-{field}";

        /// <summary>The vault literal secrets go to when no -Vault is given (config key secrets_backend).</summary>
        public string? SecretsBackend { get; set; }

        /// <summary>How a vault secret is named (config key secret_name_template); null means the default.</summary>
        public string? SecretNameTemplate { get; set; }

        /// <summary>A vault secret holding the encryption key ring (config key encryption_key_ref).</summary>
        public string? EncryptionKeyRef { get; set; }

        public string EffectiveSecretNameTemplate => string.IsNullOrEmpty(SecretNameTemplate) ? DefaultSecretNameTemplate : SecretNameTemplate!;
    }
}

using System.Collections.Generic;
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

        /// <summary>A vault secret holding the key of an encrypted catalog file (config key database_key_ref).</summary>
        public string? DatabaseKeyRef { get; set; }

        /// <summary>Audit events older than this many days are pruned by the next change (config key audit_retention_days); null keeps them all.</summary>
        public int? AuditRetentionDays { get; set; }

        /// <summary>Which resolutions of secrets are recorded in the audit trail (config key audit_resolution).</summary>
        public AuditResolution AuditResolution { get; set; } = AuditResolution.All;

        /// <summary>Config vault_map: a shared catalog's logical vault names, each mapped to the vault registered on this machine.</summary>
        public IReadOnlyDictionary<string, string> VaultMap { get; set; } = new Dictionary<string, string>(System.StringComparer.OrdinalIgnoreCase);

        /// <summary>Config vault_unlock: a vault's registered name to where its password comes from (${VARIABLE} or a 0600 file).</summary>
        public IReadOnlyDictionary<string, string> VaultUnlock { get; set; } = new Dictionary<string, string>(System.StringComparer.OrdinalIgnoreCase);

        public string EffectiveSecretNameTemplate => string.IsNullOrEmpty(SecretNameTemplate) ? DefaultSecretNameTemplate : SecretNameTemplate!;
    }

    /// <summary>Which resolutions of secrets (Get-DcSourceConnection, Test-DcSource) the audit trail records.</summary>
    public enum AuditResolution
    {
        /// <summary>Every resolution, successful or not (the default).</summary>
        All,

        /// <summary>Only resolutions that failed: for catalogs resolved thousands of times a day.</summary>
        Failures,

        /// <summary>None; changes are always recorded.</summary>
        Off,
    }
}

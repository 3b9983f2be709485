using DataCompass.Core.References;

namespace DataCompass
{
    /// <summary>The DataCompass settings in config.yaml, as Get-DcConfig shows them.</summary>
    public sealed class DcConfigInfo
    {
        internal DcConfigInfo(string? secretVault, string secretNameTemplate, string? encryptionKeyRef, string? databaseKeyRef, int? auditRetentionDays, string auditResolution,
            System.Collections.Specialized.OrderedDictionary vaultMap, System.Collections.Specialized.OrderedDictionary vaultUnlock, string path)
        {
            VaultMap = vaultMap;
            VaultUnlock = vaultUnlock;
            AuditRetentionDays = auditRetentionDays;
            AuditResolution = auditResolution;
            SecretVault = secretVault;
            SecretNameTemplate = secretNameTemplate;
            EncryptionKeyRef = encryptionKeyRef;
            DatabaseKeyRef = databaseKeyRef;
            Path = path;
        }

        /// <summary>The vault literal secrets go to when -Vault is not given (config key secrets_backend).</summary>
        public string? SecretVault { get; }

        /// <summary>How new vault secrets are named (config key secret_name_template).</summary>
        public string SecretNameTemplate { get; }

        /// <summary>The vault secret holding the encryption key ring (config key encryption_key_ref).</summary>
        public string? EncryptionKeyRef { get; }

        /// <summary>The vault secret holding the key of an encrypted catalog file (config key database_key_ref).</summary>
        public string? DatabaseKeyRef { get; }

        /// <summary>Audit events older than this many days are pruned by the next change; null keeps them all (config key audit_retention_days).</summary>
        public int? AuditRetentionDays { get; }

        /// <summary>Which resolutions of secrets the audit trail records: All, Failures or Off (config key audit_resolution).</summary>
        public string AuditResolution { get; }

        /// <summary>A shared catalog's vault names, each mapped to the vault registered on this machine (config key vault_map).</summary>
        public System.Collections.Specialized.OrderedDictionary VaultMap { get; }

        /// <summary>Each vault that locks, with where its password comes from: ${VARIABLE} or a 0600 file, never the password (config key vault_unlock).</summary>
        public System.Collections.Specialized.OrderedDictionary VaultUnlock { get; }

        /// <summary>The config file.</summary>
        public string Path { get; }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>Set-DcConfig. Its help (synopsis, parameters, examples) is module/help/Set-DcConfig.psd1.</summary>
    [Cmdlet(VerbsCommon.Set, "DcConfig", HelpUri = HelpLinks.Help + "Set-DcConfig.md", SupportsShouldProcess = true)]
    [OutputType(typeof(DcConfigInfo))]
    public sealed class SetDcConfigCommand : DataCompassCmdlet
    {
        /// <summary>The vault literal secrets go to when Add-DcSource gets no -Vault (config key secrets_backend).</summary>
        [Parameter]
        [AllowEmptyString]
        [Alias("SecretsBackend", "Vault")]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string? SecretVault { get; set; }

        /// <summary>How new vault secrets are named; must contain {source} and {field}.</summary>
        [Parameter]
        [AllowEmptyString]
        public string? SecretNameTemplate { get; set; }

        /// <summary>A vault secret that holds the encryption key ring.</summary>
        [Parameter]
        [AllowEmptyString]
        public string? EncryptionKeyRef { get; set; }

        /// <summary>A vault secret that holds the key of an encrypted catalog file (config key database_key_ref).</summary>
        [Parameter]
        [AllowEmptyString]
        public string? DatabaseKeyRef { get; set; }

        /// <summary>Audit events older than this many days are pruned by the next change; 0 keeps them all.</summary>
        [Parameter]
        [ValidateRange(0, ConfigFile.MaxAuditRetentionDays)]
        public int AuditRetentionDays { get; set; }

        /// <summary>Which resolutions of secrets the audit trail records: All (the default), Failures or Off.</summary>
        [Parameter]
        [ValidateSet("All", "Failures", "Off")]
        public string AuditResolution { get; set; } = "All";

        /// <summary>Maps a shared catalog's vault names to the vaults registered here (config key vault_map); @{} clears it.</summary>
        [Parameter]
        [AllowNull]
        public System.Collections.Hashtable? VaultMap { get; set; }

        /// <summary>Where the password of each vault that locks comes from (config key vault_unlock); @{} clears it.</summary>
        [Parameter]
        [AllowNull]
        public System.Collections.Hashtable? VaultUnlock { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void End()
        {
            var databasePath = ResolveDatabasePath();
            var path = ConfigFile.PathFor(databasePath);
            var config = ConfigFile.Read(path);
            var before = Settings(config);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(SecretVault)))
            {
                config.SecretsBackend = Blank(SecretVault);
                WarnIfUnknownVault(config.SecretsBackend);
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(SecretNameTemplate)))
            {
                config.SecretNameTemplate = Blank(SecretNameTemplate);
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(EncryptionKeyRef)))
            {
                config.EncryptionKeyRef = Blank(EncryptionKeyRef);
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(DatabaseKeyRef)))
            {
                config.DatabaseKeyRef = Blank(DatabaseKeyRef);
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(AuditRetentionDays)))
            {
                config.AuditRetentionDays = AuditRetentionDays == 0 ? null : AuditRetentionDays;
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(AuditResolution)))
            {
                config.AuditResolution = Enum.Parse<Core.Config.AuditResolution>(AuditResolution, ignoreCase: true);
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(VaultMap)))
            {
                var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (System.Collections.DictionaryEntry entry in VaultMap ?? new System.Collections.Hashtable())
                {
                    var logical = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                    var registered = Unwrapped(entry.Value);
                    if (map.ContainsKey(logical) || !(registered is string))
                    {
                        ThrowDcError(new DataCompassException(
                            DcError.ConfigInvalid,
                            $"-VaultMap must map each vault name once to the name of a registered vault (text); '{logical}' does not.",
                            logical));
                    }

                    map[logical] = (string)registered!;
                    WarnIfUnknownVault(map[logical]);
                }

                config.VaultMap = map;
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(VaultUnlock)))
            {
                var sources = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (System.Collections.DictionaryEntry entry in VaultUnlock ?? new System.Collections.Hashtable())
                {
                    var vault = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                    var value = Unwrapped(entry.Value);
                    var problem = sources.ContainsKey(vault) ? "is named twice"
                        : !(value is string source) ? "must be text"
                        : Core.Config.VaultUnlock.Check(source);
                    if (problem != null)
                    {
                        // Never the value: it may be the very password that must not be written here.
                        ThrowDcError(new DataCompassException(DcError.ConfigInvalid, $"-VaultUnlock entry '{vault}' {problem}.", vault));
                    }

                    sources[vault] = (string)value!;
                    WarnIfUnknownVault(vault);
                }

                config.VaultUnlock = sources;
            }

            if (ShouldProcess(path, "Write DataCompass settings"))
            {
                ConfigFile.Write(path, config);
                var after = Settings(config);
                var changes = before.Keys.Where(key => !Equals(before[key], after[key]))
                    .Select(key => new AuditFieldChange(key, before[key], after[key]))
                    .ToList();
                RecordOutsideChange(databasePath, new AuditEntry(AuditActions.SetConfig, changes) { Details = new OrderedMap { { "config_file", path } } },
                    $"The settings in '{path}' were written");
                if (PassThru)
                {
                    WriteObject(ConfigObjects.ToInfo(config, path));
                }
            }
        }

        private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;

        // A value a cmdlet's output put into the hashtable (Join-Path, Get-SecretVault's Name) arrives wrapped.
        private static object? Unwrapped(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

        // The settings as the audit trail shows them: names, templates and references, none of them secret.
        private static Dictionary<string, string?> Settings(DcConfig config) => new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [ConfigFile.SecretsBackendKey] = config.SecretsBackend,
            [ConfigFile.SecretNameTemplateKey] = config.SecretNameTemplate,
            [ConfigFile.EncryptionKeyRefKey] = config.EncryptionKeyRef,
            [ConfigFile.DatabaseKeyRefKey] = config.DatabaseKeyRef,
            [ConfigFile.AuditRetentionDaysKey] = config.AuditRetentionDays?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ConfigFile.AuditResolutionKey] = config.AuditResolution.ToString(),
            [ConfigFile.VaultMapKey] = config.VaultMap.Count == 0 ? null
                : string.Join(", ", config.VaultMap.OrderBy(entry => entry.Key, StringComparer.OrdinalIgnoreCase).Select(entry => $"{entry.Key}: {entry.Value}")),
            [ConfigFile.VaultUnlockKey] = config.VaultUnlock.Count == 0 ? null
                : string.Join(", ", config.VaultUnlock.OrderBy(entry => entry.Key, StringComparer.OrdinalIgnoreCase).Select(entry => $"{entry.Key}: {entry.Value}")),
        };

        private void WarnIfUnknownVault(string? vault)
        {
            if (vault == null)
            {
                return;
            }

            try
            {
                if (!Backend.GetVaults().Any(known => string.Equals(known.Name, vault, StringComparison.OrdinalIgnoreCase)))
                {
                    WriteWarning($"No SecretManagement vault named '{vault}' is registered yet; Add-DcSource will fail until it is.");
                }
            }
            catch (DataCompassException exception)
            {
                WriteWarning($"Cannot check the vault '{vault}': {exception.Message}");
            }
        }
    }
}

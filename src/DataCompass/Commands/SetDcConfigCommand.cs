using System;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Commands
{
    /// <summary>Set-DcConfig. Its help (synopsis, parameters, examples) is module/help/Set-DcConfig.psd1.</summary>
    [Cmdlet(VerbsCommon.Set, "DcConfig", SupportsShouldProcess = true)]
    [OutputType(typeof(DcConfigInfo))]
    public sealed class SetDcConfigCommand : DataCompassCmdlet
    {
        /// <summary>The vault literal secrets go to when Add-DcSource gets no -Vault (config key secrets_backend).</summary>
        [Parameter]
        [AllowEmptyString]
        [Alias("SecretsBackend")]
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

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void End()
        {
            var path = ConfigFile.PathFor(ResolveDatabasePath());
            var config = ConfigFile.Read(path);
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

            if (ShouldProcess(path, "Write DataCompass settings"))
            {
                ConfigFile.Write(path, config);
                if (PassThru)
                {
                    WriteObject(ConfigObjects.ToInfo(config, path));
                }
            }
        }

        private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;

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

using System.Linq;
using System.Management.Automation;
using DataCompass.Core.Config;

namespace DataCompass.Commands
{
    /// <summary>Get-DcConfig. Its help (synopsis, parameters, examples) is module/help/Get-DcConfig.psd1.</summary>
    [Cmdlet(VerbsCommon.Get, "DcConfig", HelpUri = HelpLinks.Help + "Get-DcConfig.md")]
    [OutputType(typeof(DcConfigInfo))]
    public sealed class GetDcConfigCommand : DataCompassCmdlet
    {
        protected override void End()
        {
            var path = ConfigFile.PathFor(ResolveDatabasePath());
            WriteObject(ConfigObjects.ToInfo(ConfigFile.Read(path), path));
        }
    }

    internal static class ConfigObjects
    {
        public static DcConfigInfo ToInfo(DcConfig config, string path) =>
            new DcConfigInfo(config.SecretsBackend, config.EffectiveSecretNameTemplate, config.EncryptionKeyRef, config.DatabaseKeyRef, config.AuditRetentionDays, config.AuditResolution.ToString(),
                Ordered(config.VaultMap), Ordered(config.VaultUnlock), path);

        private static System.Collections.Specialized.OrderedDictionary Ordered(System.Collections.Generic.IReadOnlyDictionary<string, string> entries)
        {
            var map = new System.Collections.Specialized.OrderedDictionary(System.StringComparer.OrdinalIgnoreCase);
            foreach (var entry in entries.OrderBy(entry => entry.Key, System.StringComparer.OrdinalIgnoreCase))
            {
                map.Add(entry.Key, entry.Value);
            }

            return map;
        }
    }
}

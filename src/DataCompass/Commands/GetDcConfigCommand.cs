using System.Management.Automation;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;

namespace DataCompass.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the DataCompass settings from config.yaml beside the catalog database.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "DcConfig")]
    [OutputType(typeof(DcConfigInfo))]
    public sealed class GetDcConfigCommand : DataCompassCmdlet
    {
        protected override void EndProcessing()
        {
            var path = ConfigFile.PathFor(ResolveDatabasePath());
            try
            {
                WriteObject(ConfigObjects.ToInfo(ConfigFile.Read(path), path));
            }
            catch (DataCompassException exception)
            {
                ThrowDcError(exception);
            }
        }
    }

    internal static class ConfigObjects
    {
        public static DcConfigInfo ToInfo(DcConfig config, string path) =>
            new DcConfigInfo(config.SecretsBackend, config.EffectiveSecretNameTemplate, config.EncryptionKeyRef, path);
    }
}

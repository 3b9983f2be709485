using System.Management.Automation;

namespace DataCompass.Commands
{
    /// <summary>Protect-DcDatabase. Its help (synopsis, parameters, examples) is module/help/Protect-DcDatabase.psd1.</summary>
    [Cmdlet(VerbsSecurity.Protect, "DcDatabase", HelpUri = HelpLinks.Help + "Protect-DcDatabase.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(DcDatabaseProtection))]
    public sealed class ProtectDcDatabaseCommand : DataCompassCmdlet
    {
        protected override void End() => CatalogFileEncryption.Convert(this, encrypt: true);
    }
}

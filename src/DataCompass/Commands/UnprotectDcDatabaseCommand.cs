using System.Management.Automation;

namespace DataCompass.Commands
{
    /// <summary>Unprotect-DcDatabase. Its help (synopsis, parameters, examples) is module/help/Unprotect-DcDatabase.psd1.</summary>
    [Cmdlet(VerbsSecurity.Unprotect, "DcDatabase", HelpUri = HelpLinks.Help + "Unprotect-DcDatabase.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(DcDatabaseProtection))]
    public sealed class UnprotectDcDatabaseCommand : DataCompassCmdlet
    {
        protected override void End() => CatalogFileEncryption.Convert(this, encrypt: false);
    }
}

using System;
using System.Management.Automation;
using System.Security;
using DataCompass.Completion;
using DataCompass.Core.Adapters;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Rotate;
using DataCompass.Core.Storage;
using DataCompass.Secrets;

namespace DataCompass.Commands
{
    /// <summary>Set-DcSourceSecret. Its help (synopsis, parameters, examples) is module/help/Set-DcSourceSecret.psd1.</summary>
    [Cmdlet(VerbsCommon.Set, "DcSourceSecret", HelpUri = HelpLinks.Help + "Set-DcSourceSecret.md", SupportsShouldProcess = true, DefaultParameterSetName = SecretSet)]
    [OutputType(typeof(DcSource))]
    public sealed class SetDcSourceSecretCommand : DataCompassCmdlet
    {
        private const string SecretSet = "Secret";
        private const string CredentialSet = "Credential";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string Name { get; set; } = string.Empty;

        /// <summary>The secret field to rotate, e.g. password, access_token, client_secret.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = SecretSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SecretFieldCompleter))]
        public string Field { get; set; } = string.Empty;

        [Parameter(Mandatory = true, Position = 2, ParameterSetName = SecretSet)]
        [ValidateNotNull]
        public SecureString Secret { get; set; } = new SecureString();

        /// <summary>A user name and password: the user name field is updated and the password rotated.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [ValidateNotNull]
        [Credential]
        public PSCredential Credential { get; set; } = PSCredential.Empty;

        /// <summary>The vault for a new secret; default: config secrets_backend, else SecretManagement's default vault.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string? Vault { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void Process()
        {
            try
            {
                var databasePath = ResolveDatabasePath();
                var config = ConfigFor(databasePath);
                using var catalog = OpenExistingCatalog(databasePath);
                var source = catalog.FindSource(Name) ?? throw SourceNameMatch.NotFound(Name, databasePath, SourceNameMatch.NamesIn(catalog));

                var backend = Backend;
                var userName = ParameterSetName == CredentialSet ? Credential.UserName : null;
                var field = ParameterSetName == CredentialSet
                    ? Core.Adapters.AdapterCatalog.Find(source.SourceType)?.PasswordField ?? throw new DataCompassException(
                        DcError.FieldNotSecret,
                        $"Source '{source.Name}' ({source.SourceType}) has no user name and password pair for a credential; use -Field and -Secret.",
                        source.Name)
                    : Field;
                var plan = SecretRotation.Plan(source, field, userName, Vault, config, backend, catalog, KeyRingFor(databasePath));
                var change = plan.Ring != null ? string.Empty
                    : plan.RowChanges.Count == 0 ? "; the reference stays" : $"; the source then refers to {plan.Reference}";
                if (!ShouldProcess($"source '{source.Name}', field '{plan.Field}': {(plan.Ring != null ? "the new value is " : "write ")}{plan.Target}{change}", "Rotate"))
                {
                    return;
                }

                var secret = ParameterSetName == CredentialSet ? Credential.Password : Secret;
                using var writer = OpenCatalogForWrite(databasePath);
                var updated = SecretRotation.Apply(plan, SecureText.Reveal(secret), backend, writer);
                WriteVerbose($"Rotated source '{source.Name}', field '{plan.Field}': {plan.Target}.");
                if (PassThru)
                {
                    WriteObject(SourceObjects.ToDcSource(updated, databasePath));
                }
            }
            catch (DataCompassException exception)
            {
                WriteDcError(exception);
            }
        }
    }
}

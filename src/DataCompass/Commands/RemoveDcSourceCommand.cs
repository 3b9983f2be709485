using System;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Connections;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;
using DataCompass.Secrets;

namespace DataCompass.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes data sources from the catalog, with everything catalogued under them.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "DcSource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveDcSourceCommand : DataCompassCmdlet
    {
        private const string NameSet = "Name";
        private const string InputObjectSet = "InputObject";
        private SecretManagementBridge? _backend;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Sources from Get-DcSource; each is removed from the database it was read from.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public DcSource[] InputObject { get; set; } = Array.Empty<DcSource>();

        /// <summary>Also removes the vault secrets DataCompass created for the source (never a secret it only referenced).</summary>
        [Parameter]
        public SwitchParameter RemoveSecret { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                if (ParameterSetName == InputObjectSet)
                {
                    foreach (var source in InputObject)
                    {
                        RemoveFrom(Database == null ? source.Database : ResolveDatabasePath(), new[] { source.Name });
                    }
                }
                else
                {
                    RemoveFrom(ResolveDatabasePath(), Name);
                }
            }
            catch (DataCompassException exception)
            {
                ThrowDcError(exception);
            }
        }

        /// <summary>A remaining source whose references include this secret, if any.</summary>
        private static string? FirstOtherUser(SourceCatalog catalog, OwnedSecret secret)
        {
            // Names compare ignoring case: many vaults (SecretStore among them) treat them so, and keeping a
            // secret too many is the safe mistake.
            foreach (var other in catalog.ListSources())
            {
                try
                {
                    if (ConnectionResolver.ListReferences(other).Any(reference =>
                        reference.Secret?.Vault != null
                        && string.Equals(reference.Secret.Vault, secret.Vault, StringComparison.OrdinalIgnoreCase)
                        && string.Equals(reference.Secret.Name, secret.SecretName, StringComparison.OrdinalIgnoreCase)))
                    {
                        return other.Name;
                    }
                }
                catch (DataCompassException)
                {
                    // A source with a malformed reference cannot be using this secret through it.
                }
            }

            return null;
        }

        private void RemoveFrom(string databasePath, string[] names)
        {
            var chosen = SourceSelection.Select(this, ReadSources(databasePath), names);

            SourceCatalog? writer = null;
            try
            {
                foreach (var source in chosen)
                {
                    var what = RemoveSecret ? "its catalog and the vault secrets DataCompass created for it" : "its catalog";
                    if (!ShouldProcess($"source '{source.Name}' ({source.SourceType}) with {what} in {databasePath}", "Remove"))
                    {
                        continue;
                    }

                    writer ??= SourceCatalog.OpenForWrite(databasePath);
                    var owned = RemoveSecret ? writer.OwnedSecrets(source.Id) : Array.Empty<OwnedSecret>();
                    if (!writer.RemoveSource(source.Id))
                    {
                        WriteError(ErrorRecords.From(DcError.SourceNotFound, $"The source '{source.Name}' was already removed from '{databasePath}'.", source.Name));
                        continue;
                    }

                    WriteVerbose($"Removed source '{source.Name}' from {databasePath}.");

                    // The row goes first: a secret that cannot be removed is left over, never a source pointing at nothing.
                    foreach (var secret in owned)
                    {
                        if (FirstOtherUser(writer, secret) is { } user)
                        {
                            WriteWarning($"Kept the vault secret '{secret.SecretName}' in '{secret.Vault}': source '{user}' refers to it.");
                            continue;
                        }

                        try
                        {
                            (_backend ??= new SecretManagementBridge(SessionState)).Remove(secret.Vault, secret.SecretName);
                            WriteVerbose($"Removed the vault secret '{secret.SecretName}' from '{secret.Vault}'.");
                        }
                        catch (DataCompassException exception)
                        {
                            WriteError(ErrorRecords.From(exception.Error,
                                $"Source '{source.Name}' was removed, but its secret '{secret.SecretName}' in vault '{secret.Vault}' was not: {exception.Message}",
                                secret.SecretName));
                        }
                    }
                }
            }
            finally
            {
                writer?.Dispose();
            }
        }
    }
}

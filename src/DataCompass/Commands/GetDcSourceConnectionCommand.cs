using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Management.Automation;
using System.Security;
using DataCompass.Completion;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;
using DataCompass.Secrets;

namespace DataCompass.Commands
{
    /// <summary>Get-DcSourceConnection. Its help (synopsis, parameters, examples) is module/help/Get-DcSourceConnection.psd1.</summary>
    [Cmdlet(VerbsCommon.Get, "DcSourceConnection", HelpUri = HelpLinks.Help + "Get-DcSourceConnection.md")]
    [OutputType(typeof(DcSourceConnection), typeof(SecureString), typeof(string))]
    public sealed class GetDcSourceConnectionCommand : DataCompassCmdlet, IDisposable
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Returns secret values as plain strings. Without it they are SecureStrings.</summary>
        [Parameter]
        public SwitchParameter AsPlainText { get; set; }

        /// <summary>Returns each postgresql source as one Npgsql connection string: a SecureString, or a string with -AsPlainText.</summary>
        [Parameter]
        public SwitchParameter AsConnectionString { get; set; }

        // One fetcher for the whole command: each distinct secret is read from its vault once.
        private SecretFetcher? _secrets;

        // Every resolution is recorded (per the config's audit_resolution) before anything it resolved is handed out.
        private ResolutionAudit? _audit;

        protected override void Begin()
        {
            _secrets = new SecretFetcher(Backend);
            _audit = new ResolutionAudit(this);
        }

        protected override void Process()
        {
            var databasePath = ResolveDatabasePath();
            var outcomes = new List<(StoredSource Source, ResolvedConnection Resolved)>();
            var lookupErrors = new List<(int Position, DataCompassException Error)>();
            using (var catalog = OpenExistingCatalog(databasePath))
            {
                // Many names at once (a runbook resolving its whole catalog): one read, then a lookup per name.
                var all = Name.Length > 1 ? new SourceIndex(catalog.ListSources()) : null;
                foreach (var name in Name)
                {
                    try
                    {
                        var source = (all != null ? all.Find(name) : catalog.FindSource(name)) ?? throw SourceNameMatch.NotFound(name, databasePath, SourceNameMatch.NamesIn(catalog));
                        // The ring is looked for on first use only: a catalog with no encrypted value never reads a key.
                        outcomes.Add((source, ConnectionResolver.Resolve(source, Environment.GetEnvironmentVariable, _secrets, KeyRingFor(databasePath))));
                    }
                    catch (DataCompassException exception)
                    {
                        lookupErrors.Add((outcomes.Count, exception));
                    }
                }
            }

            _audit!.Record(databasePath, outcomes.Select(o => (ResolutionEvents.ForConnection(o.Source, o.Resolved), !o.Resolved.Succeeded)));

            // Results and errors in the order of the names, as before.
            var nextError = 0;
            for (var i = 0; i <= outcomes.Count; i++)
            {
                while (nextError < lookupErrors.Count && lookupErrors[nextError].Position == i)
                {
                    WriteDcError(lookupErrors[nextError++].Error);
                }

                if (i == outcomes.Count)
                {
                    break;
                }

                var (source, resolved) = outcomes[i];
                if (!resolved.Succeeded)
                {
                    // A connection comes out only when every field resolved: a half-filled one (a null
                    // credential under -ErrorAction SilentlyContinue) would be worse than none.
                    foreach (var failure in resolved.Failures)
                    {
                        WriteDcError(failure.ToException());
                    }

                    continue;
                }

                if (AsConnectionString)
                {
                    WriteConnectionString(resolved);
                    continue;
                }

                WriteObject(ToConnection(source, resolved));
            }
        }

        protected override void End() => Dispose();

        /// <summary>Called by PowerShell however the pipeline ended.</summary>
        public void Dispose()
        {
            _audit?.Dispose();
            _audit = null;
        }

        private void WriteConnectionString(ResolvedConnection resolved)
        {
            string text;
            try
            {
                text = PostgresConnectionString.Text(resolved);
            }
            catch (DataCompassException exception)
            {
                WriteDcError(exception);
                return;
            }

            WriteObject(AsPlainText ? text : SecureText.Protect(text));
        }

        private DcSourceConnection ToConnection(StoredSource source, ResolvedConnection resolved)
        {
            var settings = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in resolved.Values)
            {
                var value = entry.Value;
                if (resolved.IsSecret(entry.Key) && value is string secret && !AsPlainText)
                {
                    value = SecureText.Protect(secret);
                }

                settings.Add(entry.Key, value);
            }

            PSCredential? credential = null;
            var adapter = resolved.Adapter;
            if (adapter.UsernameField != null && adapter.PasswordField != null
                && resolved.Values.TryGetValue(adapter.UsernameField, out var user) && user is string userName && userName.Length > 0
                && resolved.Values.TryGetValue(adapter.PasswordField, out var password) && password is string passwordText)
            {
                credential = new PSCredential(userName, SecureText.Protect(passwordText));
            }

            return new DcSourceConnection(source.Name, source.SourceType, settings, credential, resolved.Values.Keys.Where(resolved.IsSecret).ToArray());
        }
    }
}

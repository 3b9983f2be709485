using System;
using System.Collections.Generic;
using System.Management.Automation;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;
using DataCompass.Secrets;

namespace DataCompass
{
    /// <summary>
    /// What every DataCompass cmdlet shares: the -Database parameter, the vault backend and config, and error
    /// reporting. A <see cref="DataCompassException"/> that escapes a step ends the command as a terminating
    /// ErrorRecord; a step that wants to go on after an error writes it with <see cref="WriteDcError"/>.
    /// </summary>
    public abstract class DataCompassCmdlet : PSCmdlet
    {
        private readonly Dictionary<string, DcConfig> _configs = new Dictionary<string, DcConfig>(StringComparer.Ordinal);
        private ISecretBackend? _backend;

        /// <summary>The catalog database file. Bound by property name too, so a piped DcSource is worked on in the catalog it came from.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Database { get; set; }

        /// <summary>
        /// SecretManagement, reached through the caller's session; made on first use. Vault names go through the
        /// vault_map of the config of the catalog this command last named, and a locked vault is unlocked once with
        /// the password its vault_unlock names.
        /// </summary>
        internal ISecretBackend Backend => _backend ??= new MappedSecretBackend(
            new UnlockingSecretBackend(
                new SecretManagementBridge(SessionState),
                () => _vaultMapCatalog == null ? NoVaultMap : ConfigFor(_vaultMapCatalog).VaultUnlock,
                Environment.GetEnvironmentVariable,
                Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)),
            () => _vaultMapCatalog == null ? NoVaultMap : ConfigFor(_vaultMapCatalog).VaultMap);

        private static readonly IReadOnlyDictionary<string, string> NoVaultMap = new Dictionary<string, string>();

        private string? _vaultMapCatalog;

        protected sealed override void BeginProcessing() => Run(Begin);

        protected sealed override void ProcessRecord() => Run(Process);

        protected sealed override void EndProcessing() => Run(End);

        protected virtual void Begin()
        {
        }

        protected virtual void Process()
        {
        }

        protected virtual void End()
        {
        }

        /// <summary>The config beside this catalog, read once per command.</summary>
        internal DcConfig ConfigFor(string databasePath)
        {
            if (!_configs.TryGetValue(databasePath, out var config))
            {
                config = ConfigFile.Read(ConfigFile.PathFor(databasePath));
                _configs[databasePath] = config;
            }

            return config;
        }

        /// <summary>
        /// This command as a core operation's host: its ShouldProcess and its warning stream. A separate object
        /// because a public cmdlet type must not name a core type in its signature: PowerShell inspects the
        /// cmdlet types before the module initializer can point the runtime at the isolated core.
        /// </summary>
        internal IOperationHost OperationHost => _host ??= new CmdletHost(this);

        private IOperationHost? _host;

        private sealed class CmdletHost : IOperationHost
        {
            private readonly DataCompassCmdlet _cmdlet;

            public CmdletHost(DataCompassCmdlet cmdlet) => _cmdlet = cmdlet;

            public bool ShouldProcess(string target, string action) => _cmdlet.ShouldProcess(target, action);

            public void Warn(string message) => _cmdlet.WriteWarning(message);
        }

        // Looked up once a command: the lookup costs about 30 microseconds, paid for every piped record otherwise.
        private string? _userProfile;

        // Where each catalog path this command resolved came from, for DcCatalogNotFound.
        private readonly Dictionary<string, string> _origins = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Whether this command runs under -WhatIf (given, or by $WhatIfPreference).</summary>
        internal bool IsWhatIf =>
            (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf) && LanguagePrimitives.IsTrue(whatIf))
            || (!MyInvocation.BoundParameters.ContainsKey("WhatIf") && LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference")));

        /// <summary>The full path of the catalog database this command works on.</summary>
        internal string ResolveDatabasePath(string? databaseOverride = null)
        {
            var explicitPath = databaseOverride ?? Database;
            var location = CatalogLocation.Locate(
                explicitPath == null ? null : CatalogLocation.IsServer(explicitPath) ? explicitPath : ResolveFileSystemPath(explicitPath, "Database"),
                Environment.GetEnvironmentVariable,
                _userProfile ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
            _origins[location.Path] = explicitPath == null ? location.Origin : $"-Database '{explicitPath}'";
            _vaultMapCatalog = location.Path;
            return location.Path;
        }

        /// <summary>The catalog a piped source is worked on in: its own, unless -Database names another.</summary>
        internal string DatabaseOf(DcSource source)
        {
            if (Database != null)
            {
                return ResolveDatabasePath();
            }

            _origins[source.Database] = "the piped source's Database";
            _vaultMapCatalog = source.Database;
            return source.Database;
        }

        /// <summary>
        /// Opens a catalog for writing (creating it if needed), its changes recorded as this command's, by this
        /// process, user and host, and with the config's audit retention.
        /// </summary>
        internal SourceCatalog OpenCatalogForWrite(string databasePath) => WithActor(SourceCatalog.OpenForWrite(databasePath, Backend), databasePath);

        /// <summary>As <see cref="OpenCatalogForWrite"/>, to record resolutions only (see <see cref="SourceCatalog.OpenForAudit"/>).</summary>
        internal SourceCatalog OpenCatalogForAudit(string databasePath) => WithActor(SourceCatalog.OpenForAudit(databasePath, Backend), databasePath);

        private SourceCatalog WithActor(SourceCatalog catalog, string databasePath)
        {
            catalog.Actor = AuditActor.OfThisProcess(Host?.Name ?? "unknown", MyInvocation.MyCommand?.Name ?? GetType().Name);
            try
            {
                catalog.AuditRetentionDays = ConfigFor(databasePath).AuditRetentionDays;
            }
            catch
            {
                catalog.Dispose();
                throw;
            }

            return catalog;
        }

        /// <summary>
        /// Records events of a change made outside the catalog (a key file, a vault secret, the config), after it was
        /// made, in the catalog if there is one. It cannot share a transaction with that change, so a failure to
        /// record is a warning naming what was done; the change itself stands.
        /// </summary>
        internal void RecordOutsideChange(string databasePath, AuditEntry entry, string whatWasDone)
        {
            if (!CatalogLocation.IsServer(databasePath) && !System.IO.File.Exists(databasePath))
            {
                // A catalog's trail starts with the catalog: no file is made just to hold this event.
                WriteVerbose($"{whatWasDone}; there is no catalog at '{databasePath}' yet, so no audit trail records it.");
                return;
            }

            try
            {
                using var catalog = OpenCatalogForWrite(databasePath);
                catalog.RecordEvents(new[] { entry });
            }
            catch (DataCompassException exception)
            {
                WriteWarning($"{whatWasDone}, but the audit trail of '{databasePath}' could not record it: {exception.Message}");
            }
        }

        /// <summary>Opens an existing catalog for reading; a catalog that is not there ends the command with DcCatalogNotFound.</summary>
        internal SourceCatalog OpenExistingCatalog(string databasePath) =>
            SourceCatalog.OpenForRead(databasePath, Backend) ?? throw CatalogLocation.NotFound(
                databasePath, _origins.TryGetValue(databasePath, out var origin) ? origin : "-Database");

        /// <summary>DcCatalogNotFound for a catalog path this command resolved, naming where the path came from.</summary>
        internal DataCompassException CatalogNotFound(string databasePath) =>
            CatalogLocation.NotFound(databasePath, _origins.TryGetValue(databasePath, out var origin) ? origin : "-Database");

        /// <summary>Resolves a user path through the PowerShell provider, so '~', relative paths and PSPaths work.</summary>
        internal string ResolveFileSystemPath(string path, string parameterName)
        {
            // A pipeline asks the same question for every record (-Database, mostly), and the provider's answer
            // costs about 0.1 ms (bench/Measure-Catalog.ps1); it changes only with the current location.
            var key = (path, SessionState.Path.CurrentLocation.Path);
            if (_resolvedPaths.TryGetValue(key, out var known))
            {
                return known;
            }

            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                ThrowDcError(new DataCompassException(
                    DcError.PathNotFileSystem, $"-{parameterName} must be a file system path; '{path}' is on the {provider.Name} provider.", path));
            }

            _resolvedPaths[key] = resolved;
            return resolved;
        }

        private readonly Dictionary<(string Path, string Location), string> _resolvedPaths = new Dictionary<(string Path, string Location), string>();

        /// <summary>Every source in the catalog. A missing or unusable catalog terminates.</summary>
        internal IReadOnlyList<StoredSource> ReadSources(string databasePath)
        {
            using var catalog = OpenExistingCatalog(databasePath);
            return catalog.ListSources();
        }

        // One key ring source per catalog for the whole command, pipeline included: a vault-held ring is read once.
        private readonly Dictionary<string, KeyRingSource> _keyRings = new Dictionary<string, KeyRingSource>(StringComparer.Ordinal);

        /// <summary>The key ring source for this catalog: environment, config encryption_key_ref, or the key file beside it.</summary>
        internal KeyRingSource KeyRingFor(string databasePath)
        {
            if (!_keyRings.TryGetValue(databasePath, out var keys))
            {
                keys = new KeyRingSource(
                    Environment.GetEnvironmentVariable,
                    () => ConfigFor(databasePath),
                    KeyFile.PathFor(databasePath),
                    Backend);
                _keyRings[databasePath] = keys;
            }

            return keys;
        }

        /// <summary>
        /// Scrubs the catalog file when an earlier run replaced values in place and was killed before it could
        /// scrub: the old bytes would otherwise stay in free pages and the WAL, with nothing left to trigger it.
        /// </summary>
        internal void ScrubIfInterrupted(string databasePath)
        {
            using (var reader = SourceCatalog.OpenForRead(databasePath, Backend))
            {
                if (reader?.IsScrubPending != true)
                {
                    return;
                }
            }

            if (ShouldProcess(databasePath, "Scrub the catalog file (an earlier run was interrupted before it could)"))
            {
                using var writer = OpenCatalogForWrite(databasePath);
                writer.Scrub();
            }
        }

        /// <summary>
        /// Scrubs after values were replaced in place. Called from a finally block, so a failure here is written
        /// rather than thrown over the error that may be on its way out; the marker stays, and the next run scrubs.
        /// </summary>
        internal void ScrubAfterReplacing(SourceCatalog catalog)
        {
            try
            {
                catalog.Scrub();
            }
            catch (DataCompassException exception)
            {
                WriteDcError(exception.WithContext("The catalog file could not be scrubbed (the next run will try again)"));
            }
        }

        internal void WriteDcError(DataCompassException exception) => WriteError(ErrorRecords.From(exception));

        internal void ThrowDcError(DataCompassException exception) => ThrowTerminatingError(ErrorRecords.From(exception));

        private void Run(Action step)
        {
            try
            {
                step();
            }
            catch (DataCompassException exception)
            {
                ThrowDcError(exception);
            }
        }
    }
}

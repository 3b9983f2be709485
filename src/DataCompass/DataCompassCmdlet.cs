using System;
using System.Collections.Generic;
using System.Management.Automation;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass
{
    /// <summary>What every DataCompass cmdlet shares: the -Database parameter and error reporting.</summary>
    public abstract class DataCompassCmdlet : PSCmdlet
    {
        /// <summary>
        /// <para type="description">The catalog database file. Default: $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db.</para>
        /// </summary>
        /// <remarks>Bound by property name too, so a piped DcSource is worked on in the catalog it came from.</remarks>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Database { get; set; }

        /// <summary>The full path of the catalog database this command works on.</summary>
        internal string ResolveDatabasePath(string? databaseOverride = null)
        {
            var explicitPath = databaseOverride ?? Database;
            return CatalogLocation.Resolve(
                explicitPath == null ? null : ResolveFileSystemPath(explicitPath, "Database"),
                Environment.GetEnvironmentVariable,
                Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        }

        /// <summary>Resolves a user path through the PowerShell provider, so '~', relative paths and PSPaths work.</summary>
        internal string ResolveFileSystemPath(string path, string parameterName)
        {
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-{parameterName} must be a file system path; '{path}' is on the {provider.Name} provider."),
                    "DcPathNotFileSystem",
                    ErrorCategory.InvalidArgument,
                    path));
            }

            return resolved;
        }

        /// <summary>Every source in the catalog; none when it does not exist yet. An unusable catalog terminates.</summary>
        internal IReadOnlyList<StoredSource> ReadSources(string databasePath)
        {
            try
            {
                using var catalog = SourceCatalog.OpenForRead(databasePath);
                return catalog?.ListSources() ?? Array.Empty<StoredSource>();
            }
            catch (DataCompassException exception)
            {
                ThrowDcError(exception);
                throw;
            }
        }

        // One key ring source per catalog for the whole command, pipeline included: a vault-held ring is read once.
        private readonly Dictionary<string, KeyRingSource> _keyRings = new Dictionary<string, KeyRingSource>(StringComparer.Ordinal);

        /// <summary>The key ring source for this catalog: environment, config encryption_key_ref, or the key file beside it.</summary>
        internal KeyRingSource KeyRingFor(string databasePath, ISecretBackend backend, DcConfig? config = null)
        {
            if (!_keyRings.TryGetValue(databasePath, out var keys))
            {
                keys = new KeyRingSource(
                    Environment.GetEnvironmentVariable,
                    () => config ?? ConfigFile.Read(ConfigFile.PathFor(databasePath)),
                    KeyFile.PathFor(databasePath),
                    backend);
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
            using (var reader = SourceCatalog.OpenForRead(databasePath))
            {
                if (reader?.IsScrubPending != true)
                {
                    return;
                }
            }

            if (ShouldProcess(databasePath, "Scrub the catalog file (an earlier run was interrupted before it could)"))
            {
                using var writer = SourceCatalog.OpenForWrite(databasePath);
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
    }
}

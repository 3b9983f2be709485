using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Operations.Import;
using DataCompass.Core.Operations.Remove;
using DataCompass.Core.Operations.Set;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>Import-DcSource. Its help (synopsis, parameters, examples) is module/help/Import-DcSource.psd1.</summary>
    [Cmdlet(VerbsData.Import, "DcSource", HelpUri = HelpLinks.Help + "Import-DcSource.md", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DcImportResult))]
    public sealed class ImportDcSourceCommand : DataCompassCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private readonly List<string> _paths = new List<string>();

        /// <summary>Folders (their *.yaml and *.yml files) or files; wildcards are supported.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>As -Path, taken as typed: [ and ] are part of the name. Piped files (Get-ChildItem) bind here, by PSPath.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("PSPath", "LP")]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        [Parameter]
        public SwitchParameter Recurse { get; set; }

        [Parameter]
        public SwitchParameter Prune { get; set; }

        [Parameter]
        public SwitchParameter RemoveSecret { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VaultNameCompleter))]
        public string? Vault { get; set; }

        [Parameter]
        public SwitchParameter Encrypt { get; set; }

        [Parameter]
        public SwitchParameter AllowPlaintext { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void Process()
        {
            var literal = ParameterSetName == LiteralPathSet;
            foreach (var path in literal ? LiteralPath : Path)
            {
                _paths.AddRange(SourceFiles(path, literal));
            }
        }

        protected override void End()
        {
            var paths = _paths.Distinct(StringComparer.Ordinal).ToList();
            if (paths.Count == 0)
            {
                throw new DataCompassException(DcError.ImportPathNotFound, "-Path names no source file: give a folder that holds *.yaml or *.yml files, or the files.", null);
            }

            var files = ImportFiles.Read(paths);
            var databasePath = ResolveDatabasePath();
            var keys = KeyRingFor(databasePath);
            var options = new SecretPolicyOptions(ConfigFor(databasePath), Vault, AllowPlaintext, keys, Encrypt);

            // Opened once; under -WhatIf only read (a catalog that is not there yet stays so: nothing exists in it).
            using var catalog = IsWhatIf ? SourceCatalog.OpenForRead(databasePath, Backend) : OpenCatalogForWrite(databasePath);
            using var none = new LazyCatalogLookup(databasePath);
            ICatalogLookup lookup = catalog ?? (ICatalogLookup)none;
            var stored = lookup.ListSources();
            var scrub = false;
            foreach (var file in files)
            {
                var name = file.Name ?? System.IO.Path.GetFileNameWithoutExtension(file.Path);
                try
                {
                    if (file.Error != null)
                    {
                        throw file.Error;
                    }

                    var existing = stored.FirstOrDefault(source => string.Equals(source.Name, file.Name, StringComparison.OrdinalIgnoreCase));
                    var comparison = ImportPlanner.Compare(file.Draft!, existing, Backend, keys);
                    var result = comparison.Action switch
                    {
                        ImportAction.Added => AddSource(file, options, catalog, lookup, databasePath),
                        ImportAction.Changed => ChangeSource(file, existing!, comparison, options, catalog, lookup, databasePath, ref scrub),
                        _ => Unchanged(file, existing!, databasePath),
                    };
                    Report(result);
                }
                catch (DataCompassException exception) when (exception.Error != DcError.DatabaseUnavailable && exception.Error != DcError.DatabaseInvalid)
                {
                    var error = exception.Message.Contains(file.Path, StringComparison.Ordinal) ? exception : exception.WithContext($"Source file '{file.Path}'");
                    WriteDcError(error);
                    Report(new DcImportResult(name, nameof(ImportAction.Failed), null, file.Path, error.Message));
                }
            }

            if (Prune)
            {
                PruneSources(files, stored, catalog, databasePath);
            }

            if (scrub && catalog != null)
            {
                ScrubAfterReplacing(catalog);
            }
        }

        private DcImportResult? AddSource(ImportFile file, SecretPolicyOptions options, SourceCatalog? catalog, ICatalogLookup lookup, string databasePath)
        {
            var draft = file.Draft!;
            var plan = SecretPolicy.Plan(draft, options, Backend, lookup);
            var secrets = plan.Secrets.Count == 0 ? string.Empty : $", writing {string.Join(", ", plan.Secrets)}";
            var encrypted = plan.EncryptedFields.Count == 0 ? string.Empty : $", encrypting {string.Join(", ", plan.EncryptedFields)}";
            var inactive = draft.IsActive ? string.Empty : ", inactive";
            if (!ShouldProcess($"source '{draft.Name}' ({draft.Adapter.Type}) from {file.Path} in {databasePath}{inactive}{secrets}{encrypted}", "Add"))
            {
                return null;
            }

            Warn(plan.Warnings);
            var added = SourceAdder.Add(plan, Backend, catalog!);
            WriteVerbose($"Added source '{added.Name}' ({added.SourceType}) from {file.Path}.");
            return new DcImportResult(added.Name, nameof(ImportAction.Added), null, file.Path, null);
        }

        private DcImportResult? ChangeSource(ImportFile file, StoredSource existing, ImportComparison comparison, SecretPolicyOptions options,
            SourceCatalog? catalog, ICatalogLookup lookup, string databasePath, ref bool scrub)
        {
            var edit = new SourceEdit
            {
                Fields = comparison.Fields,
                SetsDisplayName = comparison.SetsDisplayName,
                DisplayName = file.Draft!.DisplayName,
                IsActive = comparison.SetsActive ? file.Draft.IsActive : (bool?)null,
            };
            var plan = SourceEditor.Plan(existing, edit, options, Backend, lookup);
            if (!plan.HasChanges)
            {
                // What differed as text is the same once placed (a ${secret:Name} qualified with the vault it names).
                return Unchanged(file, existing, databasePath);
            }

            var secrets = plan.Secrets.Count == 0 ? string.Empty : $"; writing {string.Join(", ", plan.Secrets)}";
            var encrypted = plan.EncryptedFields.Count == 0 ? string.Empty : $"; encrypting {string.Join(", ", plan.EncryptedFields)}";
            if (!ShouldProcess($"source '{existing.Name}' ({existing.SourceType}) from {file.Path} in {databasePath}: {string.Join("; ", plan.Describe())}{secrets}{encrypted}", "Set"))
            {
                return null;
            }

            Warn(plan.Warnings);
            var updated = SourceEditor.Apply(plan, Backend, catalog!);
            scrub |= plan.OverwritesPlaintext;
            WriteVerbose($"Changed source '{updated.Name}' ({updated.SourceType}) from {file.Path}: {string.Join("; ", plan.Describe())}.");
            return new DcImportResult(updated.Name, nameof(ImportAction.Changed), plan.Changes.Select(change => change.Field).ToArray(), file.Path, string.Join("; ", plan.Describe()));
        }

        private DcImportResult? Unchanged(ImportFile file, StoredSource existing, string databasePath)
        {
            // -WhatIf prints the whole plan, the sources left as they are included; nothing else asks.
            if (IsWhatIf)
            {
                ShouldProcess($"source '{existing.Name}' ({existing.SourceType}) from {file.Path} in {databasePath}: unchanged", "Keep");
                return null;
            }

            WriteVerbose($"Source '{existing.Name}' equals {file.Path}: unchanged.");
            return new DcImportResult(existing.Name, nameof(ImportAction.Unchanged), null, file.Path, null);
        }

        private void PruneSources(IReadOnlyList<ImportFile> files, IReadOnlyList<StoredSource> stored, SourceCatalog? catalog, string databasePath)
        {
            var unread = files.Where(file => file.Name == null).Select(file => file.Path).ToList();
            if (unread.Count > 0)
            {
                // The source such a file names is not known, and removing it would make a typo in a file destructive.
                WriteWarning($"-Prune removed nothing: the source named by {string.Join(", ", unread.Select(path => $"'{path}'"))} is not known until the file can be read.");
                return;
            }

            foreach (var source in ImportPlanner.ToPrune(files, stored))
            {
                var what = RemoveSecret ? " and the vault secrets DataCompass created for it" : string.Empty;
                if (!ShouldProcess($"source '{source.Name}' ({source.SourceType}){what} in {databasePath}: in none of the files", "Remove"))
                {
                    continue;
                }

                try
                {
                    var result = new SourceRemoval(catalog!, () => Backend).Remove(source, RemoveSecret);
                    if (!result.Removed)
                    {
                        WriteVerbose($"Source '{source.Name}' was already removed from {databasePath} by another process.");
                        continue;
                    }

                    foreach (var kept in result.Kept)
                    {
                        WriteWarning($"Kept the vault secret '{kept.Secret.SecretName}' in '{kept.Secret.Vault}': source '{kept.UsedBy}' refers to it.");
                    }

                    foreach (var failed in result.FailedSecrets)
                    {
                        WriteError(ErrorRecords.From(failed.Error.Error,
                            $"Source '{source.Name}' was removed, but its secret '{failed.Secret.SecretName}' in vault '{failed.Secret.Vault}' was not: {failed.Error.Message}",
                            failed.Secret.SecretName));
                    }

                    WriteVerbose($"Removed source '{source.Name}' from {databasePath}: no file names it.");
                    Report(new DcImportResult(source.Name, nameof(ImportAction.Removed), null, null, "In none of the files (-Prune)."));
                }
                catch (DataCompassException exception)
                {
                    WriteDcError(exception);
                    Report(new DcImportResult(source.Name, nameof(ImportAction.Failed), null, null, exception.Message));
                }
            }
        }

        /// <summary>The source files a -Path names: a folder's *.yaml and *.yml files (sorted by name), or the files themselves.</summary>
        private IEnumerable<string> SourceFiles(string path, bool literal)
        {
            var parameter = literal ? nameof(LiteralPath) : nameof(Path);
            IEnumerable<string> resolved;
            if (!literal && WildcardPattern.ContainsWildcardCharacters(path))
            {
                try
                {
                    resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
                    if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
                    {
                        throw new DataCompassException(DcError.PathNotFileSystem, $"-Path must be a file system path; '{path}' is on the {provider.Name} provider.", path);
                    }
                }
                catch (ItemNotFoundException)
                {
                    resolved = Array.Empty<string>();
                }
            }
            else
            {
                resolved = new[] { ResolveFileSystemPath(path, parameter) };
            }

            var found = new List<string>();
            foreach (var item in resolved)
            {
                if (Directory.Exists(item))
                {
                    var option = Recurse ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
                    found.AddRange(Directory.EnumerateFiles(item, "*", option)
                        .Where(file => file.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                        .OrderBy(file => file, StringComparer.Ordinal));
                }
                else if (File.Exists(item))
                {
                    found.Add(item);
                }
            }

            if (found.Count == 0)
            {
                // Nothing is applied: with -Prune, a mistyped path would otherwise read as "remove every source".
                throw new DataCompassException(
                    DcError.ImportPathNotFound,
                    $"-{parameter} '{path}' names no source file: it does not exist, or it is a folder without *.yaml or *.yml files{(Recurse ? string.Empty : " directly in it (-Recurse looks in subfolders)")}.",
                    path);
            }

            return found;
        }

        private void Warn(IEnumerable<string> warnings)
        {
            foreach (var warning in warnings)
            {
                WriteWarning(warning);
            }
        }

        private void Report(DcImportResult? result)
        {
            if (PassThru && result != null)
            {
                WriteObject(result);
            }
        }
    }
}

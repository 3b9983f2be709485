using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Import
{
    /// <summary>What Import-DcSource does, or did, with one source.</summary>
    public enum ImportAction
    {
        Added,
        Changed,
        Unchanged,
        Removed,
        Failed,
    }

    /// <summary>One source file, read and validated; <see cref="Error"/> is set when it is not to be applied.</summary>
    public sealed class ImportFile
    {
        internal ImportFile(string path, string? name, DraftSource? draft, DataCompassException? error)
        {
            Path = path;
            Name = name;
            Draft = draft;
            Error = error;
        }

        public string Path { get; }

        /// <summary>The source's name (name:, else the file name); null when the file could not be read far enough to tell.</summary>
        public string? Name { get; }

        public DraftSource? Draft { get; }

        public DataCompassException? Error { get; internal set; }
    }

    /// <summary>
    /// The source files of an import, read in the order given (DESIGN: "The source lifecycle"): one source per file,
    /// named by its name: key or else its file name, typed by its type: key. A file that fails to read or validate
    /// gets its own error naming the file and the source; two files naming one source (ignoring case) both fail.
    /// </summary>
    public static class ImportFiles
    {
        public static IReadOnlyList<ImportFile> Read(IEnumerable<string> paths)
        {
            var files = paths.Select(ReadOne).ToList();
            // A file that failed for another reason counts too: fixing it must not let the other one win silently.
            foreach (var group in files.Where(file => file.Name != null)
                .GroupBy(file => file.Name!, StringComparer.OrdinalIgnoreCase).Where(group => group.Count() > 1))
            {
                var all = string.Join(", ", group.Select(file => $"'{file.Path}'"));
                foreach (var file in group)
                {
                    file.Error = new DataCompassException(
                        DcError.ImportSourceDuplicate,
                        $"Source file '{file.Path}': the source '{file.Name}' is named by more than one file ({all}), so none of them is applied. Keep one file per source.",
                        file.Name);
                }
            }

            return files;
        }

        private static ImportFile ReadOne(string path)
        {
            var fileName = System.IO.Path.GetFileNameWithoutExtension(path);
            SourceFileHeader header;
            try
            {
                header = SourceFileHeader.Split(SourceFileReader.ReadFile(path), path);
            }
            catch (DataCompassException exception)
            {
                // Its name: key is unread, so the source it names is not known for sure (and -Prune stays off).
                return new ImportFile(path, null, null, exception.WithContext($"Source '{fileName}' (by its file name)"));
            }

            var name = header.Name ?? fileName;
            try
            {
                SourceNames.Validate(name);
            }
            catch (DataCompassException exception)
            {
                return new ImportFile(path, null, null, exception.WithContext($"Source file '{path}'"));
            }

            var context = $"Source file '{path}' (source '{name}')";
            if (string.IsNullOrWhiteSpace(header.Type))
            {
                return new ImportFile(path, name, null, new DataCompassException(
                    DcError.SourceFileTypeMissing,
                    $"{context} has no type: key. Add one, e.g. 'type: postgresql' (known types: {string.Join(", ", AdapterCatalog.Types)}).",
                    name));
            }

            try
            {
                return new ImportFile(path, name, SourceDefinition.Prepare(name, header.Type!, header.DisplayName, header.Fields, header.IsActive), null);
            }
            catch (DataCompassException exception)
            {
                return new ImportFile(path, name, null, exception.WithContext(context));
            }
        }
    }

    /// <summary>How one file's source compares with the catalog: to add, to change (and what to give Set), or equal.</summary>
    public sealed class ImportComparison
    {
        internal ImportComparison(ImportAction action, OrderedMap fields, bool setsDisplayName, bool setsActive)
        {
            Action = action;
            Fields = fields;
            SetsDisplayName = setsDisplayName;
            SetsActive = setsActive;
        }

        /// <summary>Added, Changed or Unchanged.</summary>
        public ImportAction Action { get; }

        /// <summary>For a change: the fields that differ, with the file's value (null clears a field the file leaves out).</summary>
        public OrderedMap Fields { get; }

        /// <summary>For a change: the display name differs.</summary>
        public bool SetsDisplayName { get; }

        /// <summary>For a change: the active flag differs (a file without active: is an active source).</summary>
        public bool SetsActive { get; }
    }

    /// <summary>
    /// Compares a file's source with the stored one, field by field. A literal secret in the file equals a stored
    /// vault reference whose secret holds that text (read back now), an encrypted value that decrypts to it, or the
    /// same plaintext: so a second run of the same files writes no vault and no row. Plans only: nothing is written.
    /// </summary>
    public static class ImportPlanner
    {
        public static ImportComparison Compare(DraftSource draft, StoredSource? stored, ISecretBackend backend, KeyRingSource? keys)
        {
            if (stored == null)
            {
                return new ImportComparison(ImportAction.Added, new OrderedMap(), false, false);
            }

            if (!string.Equals(stored.SourceType, draft.Adapter.Type, StringComparison.OrdinalIgnoreCase))
            {
                throw new DataCompassException(
                    DcError.SourceFileConflict,
                    $"Source '{stored.Name}' is of type '{stored.SourceType}' in the catalog, and its file gives '{draft.Adapter.Type}'. A source's type cannot change: remove the source first, or give it another name.",
                    stored.Name);
            }

            if (stored.ConnectionInfoProblem is { } problem)
            {
                throw problem;
            }

            var fields = new OrderedMap();
            foreach (var change in AuditValues.Changes(draft.Adapter, stored.ConnectionInfo, draft.ConnectionInfo))
            {
                draft.ConnectionInfo.TryGetValue(change.Field, out var wanted);
                stored.ConnectionInfo.TryGetValue(change.Field, out var current);
                if (!SameSecret(draft.Adapter, stored.Name, change.Field, wanted, current, backend, keys))
                {
                    fields.Add(change.Field, wanted);
                }
            }

            var setsDisplayName = !string.Equals(draft.DisplayName, stored.DisplayName, StringComparison.Ordinal);
            var setsActive = draft.IsActive != stored.IsActive;
            var changed = fields.Count > 0 || setsDisplayName || setsActive;
            return new ImportComparison(changed ? ImportAction.Changed : ImportAction.Unchanged, fields, setsDisplayName, setsActive);
        }

        /// <summary>The stored sources no file names: what -Prune removes.</summary>
        public static IReadOnlyList<StoredSource> ToPrune(IEnumerable<ImportFile> files, IEnumerable<StoredSource> stored)
        {
            var named = new HashSet<string>(files.Where(file => file.Name != null).Select(file => file.Name!), StringComparer.OrdinalIgnoreCase);
            return stored.Where(source => !named.Contains(source.Name)).ToList();
        }

        private static bool SameSecret(AdapterSchema adapter, string source, string field, object? wanted, object? current, ISecretBackend backend, KeyRingSource? keys)
        {
            if (!(wanted is string literal) || !(current is string stored) || adapter.FindField(field)?.IsSecret != true
                || EncryptedValue.IsEncrypted(literal) || ReferenceGrammar.HasPlaceholder(literal))
            {
                return false;
            }

            var context = $"Source '{source}', field '{field}'";
            try
            {
                if (EncryptedValue.IsEncrypted(stored))
                {
                    return keys != null && string.Equals(keys.Decrypt(stored, context), literal, StringComparison.Ordinal);
                }

                var segments = ReferenceGrammar.Parse(stored, context);
                return segments.Count == 1 && segments[0].Kind == SegmentKind.Secret && segments[0].Secret!.IsVaultQualified
                    && backend.Get(segments[0].Secret!.Vault, segments[0].Secret!.Name).IsText(literal);
            }
            catch (DataCompassException)
            {
                // Unreadable now (vault locked, secret gone, key missing): it counts as different, and the change
                // that follows writes the file's value or reports why it cannot.
                return false;
            }
        }
    }
}

using System;

namespace DataCompass
{
    /// <summary>What Import-DcSource did with one source. Holds no value.</summary>
    public sealed class DcImportResult
    {
        internal DcImportResult(string name, string action, string[]? changedFields, string? file, string? message)
        {
            Name = name;
            Action = action;
            ChangedFields = changedFields ?? Array.Empty<string>();
            File = file;
            Message = message;
        }

        public string Name { get; }

        /// <summary>Added, Changed, Unchanged, Removed (-Prune) or Failed.</summary>
        public string Action { get; }

        /// <summary>For Changed: the fields that changed (display_name included).</summary>
        public string[] ChangedFields { get; }

        /// <summary>The source file; none for a source -Prune removed.</summary>
        public string? File { get; }

        /// <summary>For Changed, each field's old and new provenance; for Failed, the error; never a value.</summary>
        public string? Message { get; }

        public override string ToString() => $"{Name}: {Action}";
    }
}

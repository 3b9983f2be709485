using System;
using System.Collections.Specialized;
using System.Globalization;
using System.Linq;

namespace DataCompass
{
    /// <summary>One event of the catalog's audit trail, as Get-DcAuditEvent shows it. It holds no secret value.</summary>
    public sealed class DcAuditEvent
    {
        internal DcAuditEvent(long id, DateTime time, string action, string? source, long? sourceId, string user, string machine,
            int processId, string? hostName, string? command, string? outcome, string? errorId, DcAuditFieldChange[] fields,
            OrderedDictionary details, string database)
        {
            Id = id;
            Time = time;
            Action = action;
            Source = source;
            SourceId = sourceId;
            User = user;
            Machine = machine;
            ProcessId = processId;
            HostName = hostName;
            Command = command;
            Outcome = outcome;
            ErrorId = errorId;
            Fields = fields;
            Details = details;
            Database = database;
        }

        /// <summary>The event's id: ids grow with time and are never reused, so they order the trail.</summary>
        public long Id { get; }

        /// <summary>When the change was committed, in UTC (Kind Utc).</summary>
        public DateTime Time { get; }

        /// <summary>add, set, import, remove, convert, move, rotate-secret, encrypt, rotate-key, new-key, remove-key, set-config, protect-database, unprotect-database or resolve.</summary>
        public string Action { get; }

        /// <summary>The source's name at the time; null for an event about no source (a new key, a config change).</summary>
        public string? Source { get; }

        /// <summary>The source's id at the time; the source may be gone since.</summary>
        public long? SourceId { get; }

        /// <summary>The operating system user who ran the command.</summary>
        public string User { get; }

        /// <summary>The machine it ran on.</summary>
        public string Machine { get; }

        public int ProcessId { get; }

        /// <summary>The PowerShell host's name (ConsoleHost, ...).</summary>
        public string? HostName { get; }

        /// <summary>The cmdlet that made the change (Add-DcSource, ...).</summary>
        public string? Command { get; }

        /// <summary>succeeded or failed.</summary>
        public string? Outcome { get; }

        /// <summary>The ErrorId of a failed action; null when it succeeded.</summary>
        public string? ErrorId { get; }

        /// <summary>Per field, the old and the new reference or provenance.</summary>
        public DcAuditFieldChange[] Fields { get; }

        /// <summary>The rest of the recorded context (vault, key_id, references, ...), in recorded order. Names only.</summary>
        public OrderedDictionary Details { get; }

        /// <summary>The catalog database the event was read from.</summary>
        public string Database { get; }

        /// <summary>
        /// The field changes on one line, for the table: those that involve a reference or a secret in full
        /// (password: plaintext -> ${secret:Vault/Name}), the ones between literal values as a count (an add lists
        /// every field; Fields has them all).
        /// </summary>
        public string Changes
        {
            get
            {
                var shown = Fields.Where(change => !IsLiteral(change.Old) || !IsLiteral(change.New)).Select(change => change.ToString()).ToList();
                var literal = Fields.Length - shown.Count;
                if (literal > 0)
                {
                    shown.Add(string.Create(CultureInfo.InvariantCulture, $"{literal} literal field{(literal == 1 ? string.Empty : "s")}"));
                }

                return string.Join("; ", shown);
            }
        }

        private static bool IsLiteral(string? described) => described == null || described == "literal";

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{Time:yyyy-MM-dd HH:mm:ss}Z {Action}{(Source == null ? string.Empty : " " + Source)}");
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;

namespace DataCompass
{
    /// <summary>
    /// Records the resolve events of a command that hands out or checks secrets, before it emits what it resolved.
    /// The catalog is opened for writing once per command and catalog. A catalog that cannot take the events (a
    /// read-only folder, a newer schema, a lock held past the timeout) gets a warning, not a failure: the
    /// resolution itself needed no write, and the audit trail records a user's own actions, it does not guard
    /// their vaults from them.
    /// </summary>
    internal sealed class ResolutionAudit : IDisposable
    {
        private readonly DataCompassCmdlet _command;
        private readonly Dictionary<string, SourceCatalog> _catalogs = new Dictionary<string, SourceCatalog>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _unavailable = new Dictionary<string, string>(StringComparer.Ordinal);

        public ResolutionAudit(DataCompassCmdlet command)
        {
            _command = command;
        }

        /// <param name="events">Each with whether its resolution failed; kept or dropped by the config's audit_resolution.</param>
        public void Record(string databasePath, IEnumerable<(AuditEntry Entry, bool Failed)> events)
        {
            var pending = events.ToList();
            if (pending.Count == 0)
            {
                return;
            }

            List<AuditEntry> recorded;
            try
            {
                var config = _command.ConfigFor(databasePath);
                recorded = pending.Where(e => ResolutionEvents.IsRecorded(config, e.Failed)).Select(e => e.Entry).ToList();
                if (recorded.Count == 0)
                {
                    return;
                }

                if (_unavailable.TryGetValue(databasePath, out var why))
                {
                    Warn(databasePath, pending.Count, why);
                    return;
                }

                if (!_catalogs.TryGetValue(databasePath, out var catalog))
                {
                    catalog = _command.OpenCatalogForAudit(databasePath);
                    _catalogs[databasePath] = catalog;
                }

                catalog.RecordEvents(recorded);
            }
            catch (DataCompassException exception)
            {
                // Opened once a command: a catalog that could not be opened is not tried again for every record.
                if (!_catalogs.ContainsKey(databasePath))
                {
                    _unavailable[databasePath] = exception.Message;
                }

                Warn(databasePath, pending.Count, exception.Message);
            }
        }

        private void Warn(string databasePath, int count, string why) =>
            _command.WriteWarning(
                $"The audit trail of '{databasePath}' did not record this resolution of {(count == 1 ? "one source" : count + " sources")}: {why}");

        public void Dispose()
        {
            foreach (var catalog in _catalogs.Values)
            {
                catalog.Dispose();
            }

            _catalogs.Clear();
        }
    }
}

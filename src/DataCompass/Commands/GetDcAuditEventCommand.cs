using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>Get-DcAuditEvent. Its help (synopsis, parameters, examples) is module/help/Get-DcAuditEvent.psd1.</summary>
    [Cmdlet(VerbsCommon.Get, "DcAuditEvent", HelpUri = HelpLinks.Help + "Get-DcAuditEvent.md")]
    [OutputType(typeof(DcAuditEvent))]
    public sealed class GetDcAuditEventCommand : DataCompassCmdlet
    {
        // What each record asked for, per catalog in the order first asked: source names, or null for every event.
        // Read at the end, so that piped sources get one chronological trail per catalog and -Last counts across
        // all of them; an empty pipeline asks for nothing, never for everything.
        private readonly List<string> _databases = new List<string>();
        private readonly Dictionary<string, List<string>?> _requests = new Dictionary<string, List<string>?>(StringComparer.Ordinal);
        private IReadOnlyCollection<string>? _actions;

        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[]? Source { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(AuditActionCompleter))]
        public string[]? Action { get; set; }

        [Parameter]
        public DateTime Since { get; set; }

        [Parameter]
        public DateTime Until { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Last { get; set; }

        private bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        protected override void Begin()
        {
            if (Action != null)
            {
                _actions = ResolveActions(Action);
            }

            if (Given(nameof(Since)) && Given(nameof(Until)) && ToUtc(Until) < ToUtc(Since))
            {
                throw new DataCompassException(
                    DcError.AuditTimeRangeInvalid,
                    $"-Until ({Show(Until)}) is before -Since ({Show(Since)}): no event can lie between them.",
                    Show(Until));
            }
        }

        protected override void Process()
        {
            // A piped record that names no source ($null, an object without Name or Source) asks for nothing: only
            // a command without pipeline input and without -Source reads every event.
            if (Source == null && MyInvocation.ExpectingInput)
            {
                return;
            }

            var databasePath = ResolveDatabasePath();
            if (!_requests.TryGetValue(databasePath, out var names))
            {
                _databases.Add(databasePath);
                names = new List<string>();
                _requests[databasePath] = names;
            }

            if (Source == null)
            {
                _requests[databasePath] = null;
            }
            else
            {
                names?.AddRange(Source);
            }
        }

        protected override void End()
        {
            foreach (var databasePath in _databases)
            {
                var names = _requests[databasePath];
                var query = new AuditQuery
                {
                    Sources = names?.Distinct(StringComparer.OrdinalIgnoreCase).Select(ToSourceName).ToList(),
                    Actions = _actions,
                    Since = Given(nameof(Since)) ? ToUtc(Since) : (DateTime?)null,
                    Until = Given(nameof(Until)) ? ToUtc(Until) : (DateTime?)null,
                    Last = Given(nameof(Last)) ? Last : (int?)null,
                };

                // Read to the end and closed before the first event goes down the pipeline, as Get-DcSource does:
                // a read held open would keep a downstream command's checkpoint waiting.
                IReadOnlyList<StoredAuditEvent> events;
                using (var catalog = OpenExistingCatalog(databasePath))
                {
                    events = catalog.ReadAuditEvents(query);
                }

                foreach (var stored in events)
                {
                    if (stored.Problem != null)
                    {
                        // Shown all the same, with what could be read of it.
                        WriteDcError(stored.Problem);
                    }

                    WriteObject(AuditObjects.ToDcAuditEvent(stored, databasePath));
                }
            }
        }

        private static AuditSourceName ToSourceName(string name) =>
            WildcardPattern.ContainsWildcardCharacters(name)
                ? AuditSourceName.Pattern(new WildcardPattern(name, WildcardOptions.IgnoreCase).IsMatch, SourceNameGlob.TryTranslate(name))
                : AuditSourceName.Exact(name);

        /// <summary>The actions as stored, each given name or pattern checked against AuditActions.All (case ignored).</summary>
        private static IReadOnlyCollection<string> ResolveActions(string[] given)
        {
            var actions = new List<string>();
            foreach (var value in given)
            {
                var pattern = new WildcardPattern(value ?? string.Empty, WildcardOptions.IgnoreCase);
                var matches = AuditActions.All.Where(action => pattern.IsMatch(action)).ToList();
                if (matches.Count == 0)
                {
                    throw new DataCompassException(
                        DcError.AuditActionInvalid,
                        $"'{value}' is not an audit action{(WildcardPattern.ContainsWildcardCharacters(value) ? " pattern that matches any action" : string.Empty)}. " +
                        $"The actions are {string.Join(", ", AuditActions.All)}.",
                        value);
                }

                actions.AddRange(matches.Where(action => !actions.Contains(action)));
            }

            return actions;
        }

        // A local or unspecified time (what [datetime]'2024-05-01 12:00' gives) is local; UTC stays as it is.
        private static DateTime ToUtc(DateTime time) => time.Kind == DateTimeKind.Utc ? time : time.ToUniversalTime();

        private static string Show(DateTime time) =>
            ToUtc(time).ToString("yyyy-MM-dd HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using DataCompass.Completion;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Commands
{
    /// <summary>Test-DcSource. Its help (synopsis, parameters, examples) is module/help/Test-DcSource.psd1.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "DcSource", HelpUri = HelpLinks.Help + "Test-DcSource.md")]
    [OutputType(typeof(DcReferenceTest), typeof(DcConnectionTest), typeof(bool))]
    public sealed class TestDcSourceCommand : DataCompassCmdlet, IDisposable
    {
        private readonly List<DcReferenceTest> _results = new List<DcReferenceTest>();
        private readonly List<DcConnectionTest> _connections = new List<DcConnectionTest>();
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private ReferenceChecker? _checker;
        private bool _missingSource;
        private bool _plaintextSeen;
        private bool _connectionFailed;

        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SourceNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Returns only $true when every secret field would give a working value and none is stored in the clear, else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>With -Quiet, accepts secrets stored in the clear (they are still reported as Plaintext).</summary>
        [Parameter]
        public SwitchParameter AllowPlaintext { get; set; }

        /// <summary>After the preflight, logs in to each postgresql source for real: one DcConnectionTest per source.</summary>
        [Parameter]
        public SwitchParameter Connect { get; set; }

        protected override void Process()
        {
            var databasePath = ResolveDatabasePath();
            var sources = ReadSources(databasePath);
            if (_checker == null)
            {
                var backend = Backend;
                _checker = new ReferenceChecker(Environment.GetEnvironmentVariable, backend, KeyRingFor(databasePath));
            }

            var chosen = SourceSelection.Select(this, databasePath, sources, Name, out var missing);
            _missingSource |= missing > 0;
            if (Connect)
            {
                foreach (var source in chosen)
                {
                    TestConnection(databasePath, source);
                }

                return;
            }

            var checkedSources = chosen.Select(source => (Source: source, Checks: _checker!.Check(source).ToList())).ToList();

            // Recorded (per the config's audit_resolution) before any result is shown.
            _audit ??= new ResolutionAudit(this);
            _audit.Record(databasePath, checkedSources.Select(c =>
            {
                var entry = ResolutionEvents.ForCheck(c.Source, c.Checks, AllowPlaintext);
                return (entry, entry.ErrorId != null);
            }));

            foreach (var (source, checks) in checkedSources)
            {
                foreach (var check in checks)
                {
                    var result = new DcReferenceTest(check.Source, check.Field, check.Reference, check.Kind == ReferenceKind.Environment ? DcReferenceKind.Env : OutputEnum.From<DcReferenceKind>(check.Kind),
                        OutputEnum.From<DcReferenceStatus>(check.Status), check.Resolvable, check.Message);
                    if (Quiet)
                    {
                        _results.Add(result);
                    }
                    else
                    {
                        WriteObject(result);
                    }
                }
            }
        }

        private ResolutionAudit? _audit;

        private void TestConnection(string databasePath, StoredSource source)
        {
            var checks = _checker!.Check(source);
            var resolutions = new List<(StoredSource Source, ResolvedConnection Resolved)>();
            ConnectionTestResult result;
            try
            {
                result = LiveConnectionTester.TestSource(source, checks, attempt =>
                {
                    // The second attempt follows an authentication failure: the source and its secrets are read
                    // afresh, since Set-DcSourceSecret or a vault-side rotation may have changed them meanwhile.
                    var current = attempt == 1 ? source : ReadSource(databasePath, source.Id) ?? source;
                    var resolved = ConnectionResolver.Resolve(current, Environment.GetEnvironmentVariable, new SecretFetcher(Backend), KeyRingFor(databasePath));
                    resolutions.Add((current, resolved));
                    return resolved;
                }, _stopping.Token);
            }
            catch (DataCompassException exception)
            {
                _connectionFailed = true;
                WriteDcError(exception);
                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                // Recorded (per the config's audit_resolution) before any result is shown: the check, and each
                // resolution of values the login used.
                _audit ??= new ResolutionAudit(this);
                var events = new List<(AuditEntry, bool)>();
                var check = ResolutionEvents.ForCheck(source, checks, AllowPlaintext);
                events.Add((check, check.ErrorId != null));
                events.AddRange(resolutions.Select(r => (ResolutionEvents.ForConnection(r.Source, r.Resolved), !r.Resolved.Succeeded)));
                _audit.Record(databasePath, events);
            }

            var output = new DcConnectionTest(result.Source, result.SourceType, OutputEnum.From<DcConnectionStatus>(result.Status), result.Connected, result.Latency, result.Endpoint,
                result.UserName, result.ServerVersion, result.SqlState, result.ReResolved, result.Message);
            _connections.Add(output);
            if (!Quiet)
            {
                WriteObject(output);
            }

            _plaintextSeen |= checks.Any(c => c.Status == ReferenceStatus.Plaintext);
        }

        /// <summary>One source as the catalog holds it now (its row only, not the whole catalog).</summary>
        private StoredSource? ReadSource(string databasePath, long id)
        {
            using var catalog = OpenExistingCatalog(databasePath);
            return catalog.FindSource(id);
        }

        /// <summary>Ctrl+C: a login in progress is abandoned.</summary>
        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>Called by PowerShell however the pipeline ended.</summary>
        public void Dispose()
        {
            _audit?.Dispose();
            _audit = null;
        }

        protected override void End()
        {
            Dispose();
            if (Quiet)
            {
                // A named source that does not exist fails the preflight too, and so does plaintext unless allowed.
                WriteObject(!_missingSource
                    && _results.All(result => result.Resolvable && (AllowPlaintext || result.Status != DcReferenceStatus.Plaintext))
                    && (AllowPlaintext || !_plaintextSeen) && !_connectionFailed
                    && _connections.All(test => test.Connected || test.Status == DcConnectionStatus.NotAvailable));
            }
        }
    }
}

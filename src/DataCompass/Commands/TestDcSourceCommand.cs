using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DataCompass.Completion;
using DataCompass.Core.Operations.Connect;

namespace DataCompass.Commands
{
    /// <summary>Test-DcSource. Its help (synopsis, parameters, examples) is module/help/Test-DcSource.psd1.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "DcSource")]
    [OutputType(typeof(DcReferenceTest), typeof(bool))]
    public sealed class TestDcSourceCommand : DataCompassCmdlet, IDisposable
    {
        private readonly List<DcReferenceTest> _results = new List<DcReferenceTest>();
        private ReferenceChecker? _checker;
        private bool _missingSource;

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
                    var result = new DcReferenceTest(check.Source, check.Field, check.Reference, check.Kind == ReferenceKind.Environment ? "Env" : check.Kind.ToString(),
                        check.Status.ToString(), check.Resolvable, check.Message);
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
                WriteObject(!_missingSource && _results.All(result => result.Resolvable && (AllowPlaintext || result.Status != nameof(ReferenceStatus.Plaintext))));
            }
        }
    }
}

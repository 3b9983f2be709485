using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Move
{
    /// <summary>What a move run reports as it goes, besides permission and warnings.</summary>
    public interface IMoveHost : IOperationHost
    {
        /// <summary>A -WhatIf run: an item ShouldProcess refuses is Planned (it would be done); otherwise the user declined it.</summary>
        bool IsWhatIf { get; }

        /// <summary>One result per item, in order, whatever became of it.</summary>
        void Emit(MoveItem item);

        /// <summary>An error that ends this item only; the run goes on.</summary>
        void Error(DataCompassException error);

        /// <summary>Before each reference is moved; <paramref name="current"/> is null once the run is over.</summary>
        void Progress(int done, int planned, MoveItem? current);
    }

    /// <summary>
    /// Carries out a move plan, reference by reference, each after the host's permission. A conflicting copy, a
    /// missing old secret or a row changed meanwhile ends only that field; any other failure (a vault) stops the
    /// run at once, so the remaining fields stay as they were and a second run continues. The catalog is opened for
    /// writing only when a field is really moved (-WhatIf leaves the file as it was).
    /// </summary>
    public sealed class MoveRun
    {
        private readonly ISecretBackend _backend;
        private readonly Func<SourceCatalog> _openCatalog;
        private readonly IMoveHost _host;
        private readonly bool _removeOld;

        public MoveRun(ISecretBackend backend, Func<SourceCatalog> openCatalog, IMoveHost host, bool removeOld)
        {
            _backend = backend;
            _openCatalog = openCatalog;
            _host = host;
            _removeOld = removeOld;
        }

        public void Run(IReadOnlyList<MoveItem> items)
        {
            SourceCatalog? catalog = null;
            ISet<string>? targetNames = null;
            var planned = items.Count(item => item.Status == MoveStatus.Planned);
            var done = 0;
            try
            {
                foreach (var item in items)
                {
                    if (item.Status == MoveStatus.Planned)
                    {
                        var action = _removeOld
                            ? "Copy the secret to the other vault, and remove the old copy if DataCompass created it and no other source uses it"
                            : "Copy the secret to the other vault";
                        if (!_host.ShouldProcess($"source '{item.Source}', field '{item.Field}': {item.From} -> {item.To}", action))
                        {
                            if (!_host.IsWhatIf)
                            {
                                item.Status = MoveStatus.Declined;
                                item.Message = "Not moved (declined).";
                            }

                            _host.Emit(item);
                            continue;
                        }

                        _host.Progress(done, planned, item);
                        try
                        {
                            targetNames ??= new HashSet<string>(_backend.GetSecretNames(item.ToSecret!.Vault!), StringComparer.OrdinalIgnoreCase);
                            SecretMover.Move(item, _backend, catalog ??= _openCatalog(), targetNames, _removeOld);
                            if (item.RemovalProblem != null)
                            {
                                _host.Error(item.RemovalProblem);
                            }
                        }
                        catch (DataCompassException exception) when (EndsOnlyThisField(exception))
                        {
                            _host.Error(exception);
                        }
                        catch (DataCompassException exception)
                        {
                            _host.Emit(item);
                            throw new DataCompassException(
                                exception.Error,
                                $"{exception.Message} Moved {done} of {planned} references before the failure; the rest are unchanged. Run Move-DcSourceSecret again to continue.",
                                exception.Target);
                        }

                        done++;
                    }
                    else if (item.Problem != null)
                    {
                        _host.Error(item.Problem);
                    }

                    _host.Emit(item);
                }
            }
            finally
            {
                _host.Progress(done, planned, null);
                catalog?.Dispose();
            }
        }

        private static bool EndsOnlyThisField(DataCompassException exception) =>
            exception.Error == DcError.MoveTargetConflict || exception.Error == DcError.SourceChanged || exception.Error == DcError.SecretNotFound
            || exception.Error == DcError.SecretTooLong;
    }
}

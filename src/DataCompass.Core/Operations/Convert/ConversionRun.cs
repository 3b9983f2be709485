using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Convert
{
    /// <summary>What a conversion run reports as it goes, besides permission and warnings.</summary>
    public interface IConversionHost : IOperationHost
    {
        /// <summary>A -WhatIf run: an item ShouldProcess refuses is Planned (it would be done); otherwise the user declined it.</summary>
        bool IsWhatIf { get; }

        /// <summary>One result per item, in order, whatever became of it.</summary>
        void Emit(ConversionItem item);

        /// <summary>An error that ends this item only; the run goes on.</summary>
        void Error(DataCompassException error);

        /// <summary>Before each field is converted; <paramref name="current"/> is null once the run is over.</summary>
        void Progress(int done, int planned, ConversionItem? current);
    }

    /// <summary>
    /// Carries out a conversion plan, field by field, each after the host's permission. The stop rules: a name
    /// conflict or an invalid source or channel ends only that field; any other failure (the vault itself) stops
    /// the run at once, so the remaining fields stay exactly as they were and a second run continues. The catalog
    /// is opened for writing only when a field is really converted (-WhatIf leaves the file as it was), and is
    /// scrubbed at the end when a value was replaced.
    /// </summary>
    public sealed class ConversionRun
    {
        private readonly ISecretBackend _backend;
        private readonly Func<SourceCatalog> _openCatalog;
        private readonly IConversionHost _host;

        public ConversionRun(ISecretBackend backend, Func<SourceCatalog> openCatalog, IConversionHost host)
        {
            _backend = backend;
            _openCatalog = openCatalog;
            _host = host;
        }

        /// <returns>True when at least one value was converted.</returns>
        public bool Run(IReadOnlyList<ConversionItem> items)
        {
            SourceCatalog? catalog = null;
            ISet<string>? existingNames = null;
            var planned = items.Count(item => item.Status == ConversionStatus.Planned);
            var done = 0;
            var converted = false;
            try
            {
                foreach (var item in items)
                {
                    if (item.Status == ConversionStatus.Planned)
                    {
                        if (!_host.ShouldProcess($"{Describe(item)}, field '{item.Field}' -> {item.Reference}", "Move the plaintext value to the vault"))
                        {
                            if (!_host.IsWhatIf)
                            {
                                item.Status = ConversionStatus.Declined;
                                item.Message = "Not converted (declined).";
                            }

                            _host.Emit(item);
                            continue;
                        }

                        _host.Progress(done, planned, item);
                        try
                        {
                            existingNames ??= new HashSet<string>(_backend.GetSecretNames(item.Vault!), StringComparer.OrdinalIgnoreCase);
                            SecretConverter.Convert(item, _backend, catalog ??= _openCatalog(), existingNames);
                            converted = true;
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
                                $"{exception.Message} Converted {done} of {planned} fields before the failure; the rest are unchanged. Run Convert-DcSourceSecret again to continue.",
                                exception.Target);
                        }

                        done++;
                    }
                    else if (item.Status == ConversionStatus.Broken)
                    {
                        _host.Warn(item.Warning ?? item.Message!);
                    }
                    else if (item.Problem != null)
                    {
                        // An encrypted value no key opens: it stays as it is; the other fields go on.
                        _host.Error(item.Problem);
                    }

                    _host.Emit(item);
                }
            }
            finally
            {
                _host.Progress(done, planned, null);
                if (converted)
                {
                    // The plaintext must not survive in free pages or the WAL.
                    Scrub(catalog!);
                }

                catalog?.Dispose();
            }

            return converted;
        }

        private static bool EndsOnlyThisField(DataCompassException exception) =>
            exception.Error == DcError.SecretNameConflict || exception.Error == DcError.SourceInvalid || exception.Error == DcError.NotificationChannelInvalid;

        /// <summary>Runs in a finally block: a failure is reported, not thrown over the error that may be on its way out; the next run scrubs.</summary>
        private void Scrub(SourceCatalog catalog)
        {
            try
            {
                catalog.Scrub();
            }
            catch (DataCompassException exception)
            {
                _host.Error(exception.WithContext("The catalog file could not be scrubbed (the next run will try again)"));
            }
        }

        private static string Describe(ConversionItem item) =>
            item.Target == ConversionTarget.NotificationChannel ? $"notification channel '{item.Source}'" : $"source '{item.Source}'";
    }
}

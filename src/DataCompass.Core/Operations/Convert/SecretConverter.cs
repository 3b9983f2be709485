using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Config;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Convert
{
    /// <summary>
    /// Moves plaintext (and encrypted) secret values of existing sources into a vault. For each field: write the secret, read
    /// it back and compare, then swap the value for its reference in a transaction that only succeeds if the
    /// row still holds that plaintext. Killed at any point and run again, it converges: a secret written by
    /// an interrupted run is recognised by its name and value and used as it is.
    /// </summary>
    public static class SecretConverter
    {
        /// <summary>The result's message for a Broken field: the reason only, since the run's warning already names the field and the fix.</summary>
        internal const string BrokenMessage = "Not migrated: \"" + LiteralSecrets.LegacyMask + "\" is no credential.";

        /// <summary>What the Python tool stored before a fix, instead of the real password.</summary>

        /// <param name="keys">Opens encrypted values so they can move to the vault too; null when none are expected.</param>
        public static IReadOnlyList<ConversionItem> Plan(IEnumerable<StoredSource> sources, string vault, DcConfig config, KeyRingSource? keys = null)
        {
            var items = new List<ConversionItem>();
            foreach (var source in sources)
            {
                if (source.ConnectionInfoProblem != null)
                {
                    // A row that cannot be read is reported, not passed over: it may hold plaintext too.
                    items.Add(new ConversionItem(source.Id, source.Name, "connection_info", ConversionStatus.Failed, null, null, null)
                    {
                        Message = source.ConnectionInfoProblem.Message,
                        Problem = source.ConnectionInfoProblem,
                    });
                    continue;
                }

                var adapter = AdapterCatalog.Find(source.SourceType);
                foreach (var entry in source.ConnectionInfo)
                {
                    if (!SourceDescriber.IsSecretField(adapter, entry.Key))
                    {
                        continue;
                    }

                    items.Add(PlanField(source, entry.Key, entry.Value, vault, config, keys));
                }
            }

            return items;
        }

        /// <summary>Converts one planned field; the item's status and message say how it went.</summary>
        /// <param name="existingNames">The vault's secret names, listed once for the whole run and kept up to date here.</param>
        public static void Convert(ConversionItem item, ISecretBackend backend, SourceCatalog catalog, ISet<string> existingNames)
        {
            if (item.Status != ConversionStatus.Planned)
            {
                return;
            }

            try
            {
                catalog.WithSourceLock(item.SourceId, () =>
                {
                    ConvertLocked(item, backend, catalog, existingNames);
                    return 0;
                });
            }
            catch (DataCompassException exception)
            {
                item.Status = ConversionStatus.Failed;
                item.Message = exception.WithContext(item.Context).Message;
                throw new DataCompassException(exception.Error, item.Message, exception.Target);
            }
        }

        private static void ConvertLocked(ConversionItem item, ISecretBackend backend, SourceCatalog catalog, ISet<string> existingNames)
        {
            if (item.Target == ConversionTarget.DataSource && ConvertedMeanwhile(item, catalog))
            {
                return;
            }

            WriteSecret(item, backend, catalog, existingNames);
            var readBack = backend.Get(item.Vault!, item.SecretName!);
            if (!readBack.IsText(item.Plaintext))
            {
                throw new DataCompassException(
                    DcError.VaultFailed,
                    $"The vault '{item.Vault}' returned a different value for '{item.SecretName}' than was written; the source keeps its value.",
                    item.SecretName);
            }

            if (!ReplaceValue(item, catalog))
            {
                throw new DataCompassException(
                    item.Target == ConversionTarget.NotificationChannel ? DcError.NotificationChannelInvalid : DcError.SourceInvalid,
                    $"The value of field '{item.Field}' changed while it was being converted; run the conversion again.",
                    item.Source);
            }

            item.Status = ConversionStatus.Converted;
            item.Message = $"Moved to the vault as {item.Reference}.";
        }

        /// <summary>
        /// True when the field already holds the reference this item would give it: another process converted it
        /// after this plan was made (on a server catalog, it held the source's lock until it had).
        /// </summary>
        private static bool ConvertedMeanwhile(ConversionItem item, SourceCatalog catalog)
        {
            var current = catalog.FindSource(item.SourceId);
            if (current == null || !current.ConnectionInfo.TryGetValue(item.Field, out var value) || !Equals(value, item.Reference))
            {
                return false;
            }

            item.Status = ConversionStatus.AlreadySafe;
            item.Message = $"Another process moved it to the vault as {item.Reference} meanwhile.";
            return true;
        }

        private static ConversionItem PlanField(StoredSource source, string field, object? value, string vault, DcConfig config, KeyRingSource? keys)
        {
            var context = $"source '{source.Name}', field '{field}'";
            if (!(value is string text) || text.Length == 0)
            {
                return new ConversionItem(source.Id, source.Name, field, value == null ? ConversionStatus.AlreadySafe : ConversionStatus.Mixed, null, null, null)
                {
                    Message = value == null ? "No value stored." : "The value is not text; it cannot be moved to a vault as a secret.",
                };
            }

            if (text == LiteralSecrets.LegacyMask)
            {
                return new ConversionItem(source.Id, source.Name, field, ConversionStatus.Broken, null, null, null)
                {
                    Message = BrokenMessage,
                    Warning = $"Source '{source.Name}', field '{field}' holds \"{LiteralSecrets.LegacyMask}\", which an older datacompass stored in place of the real credential. It is not migrated; set the real value with Set-DcSourceSecret.",
                };
            }

            switch (SourceDescriber.ProvenanceOf(text, isSecret: true, context))
            {
                case ValueProvenance.Plaintext:
                    if (MixesReferences(text, context))
                    {
                        return new ConversionItem(source.Id, source.Name, field, ConversionStatus.Mixed, null, null, null)
                        {
                            Message = "Literal text mixed with references cannot move to a vault as one secret; rewrite the field by hand.",
                        };
                    }

                    var name = SecretNameTemplate.Apply(config.EffectiveSecretNameTemplate, source.Name, field);
                    return new ConversionItem(source.Id, source.Name, field, ConversionStatus.Planned, vault, name, text);
                case ValueProvenance.Encrypted:
                    return PlanEncrypted(source, field, text, vault, config, keys);
                default:
                    return new ConversionItem(source.Id, source.Name, field, ConversionStatus.AlreadySafe, null, null, null)
                    {
                        Message = "The value is a reference.",
                    };
            }
        }

        /// <summary>An encrypted value moves to the vault as its plaintext; one no key opens stays as it is and is reported.</summary>
        private static ConversionItem PlanEncrypted(StoredSource source, string field, string stored, string vault, DcConfig config, KeyRingSource? keys)
        {
            var context = $"Source '{source.Name}', field '{field}'";
            try
            {
                var plaintext = KeyRingSource.Decrypt(keys, stored, context);
                var name = SecretNameTemplate.Apply(config.EffectiveSecretNameTemplate, source.Name, field);
                return new ConversionItem(source.Id, source.Name, field, ConversionStatus.Planned, vault, name, plaintext, stored);
            }
            catch (DataCompassException exception)
            {
                return new ConversionItem(source.Id, source.Name, field, ConversionStatus.Failed, null, null, null)
                {
                    Message = exception.Message,
                    Problem = exception,
                };
            }
        }

        /// <summary>The compare-and-swap of the row that holds the value: a source's connection_info or a channel's config.</summary>
        private static bool ReplaceValue(ConversionItem item, SourceCatalog catalog)
        {
            var change = new AuditFieldChange(item.Field, AuditValues.DescribeSecret(item.Field, item.StoredValue), item.Reference);
            if (item.Target == ConversionTarget.NotificationChannel)
            {
                var channel = new AuditEntry(AuditActions.Convert, new[] { change })
                {
                    Details = new OrderedMap { { "notification_channel", item.Source }, { "channel_id", item.SourceId } },
                };
                return catalog.ReplaceChannelValue(item.SourceId, item.ConfigPath!, item.StoredValue!, item.Reference!, channel);
            }

            return catalog.ReplaceField(
                item.SourceId, item.Field, item.StoredValue!, item.Reference!, new OwnedSecret(item.Field, item.Vault!, item.SecretName!),
                new AuditEntry(AuditActions.Convert, new[] { change }));
        }

        /// <summary>True when plaintext shares its value with references, so it cannot move to a vault as one secret.</summary>
        internal static bool MixesReferences(string text, string context)
        {
            try
            {
                return ReferenceGrammar.Parse(text, context).Any(segment => segment.Kind != SegmentKind.Literal);
            }
            catch (DataCompassException)
            {
                // Text that only looks like a broken reference is a literal value like any other.
                return false;
            }
        }

        private static void WriteSecret(ConversionItem item, ISecretBackend backend, SourceCatalog catalog, ISet<string> existingNames)
        {
            if (!existingNames.Contains(item.SecretName!))
            {
                backend.SetText(item.Vault!, item.SecretName!, item.Plaintext!);
                existingNames.Add(item.SecretName!);
                return;
            }

            // The name is taken. It is ours to use if this source owns it, or if it holds exactly this value
            // (an interrupted conversion wrote it and died before updating the row). Ownership is recorded for
            // sources only, so a channel's secret is recognised by its value alone.
            var owner = catalog.FindSecretOwner(item.Vault!, item.SecretName!);
            if (item.Target == ConversionTarget.DataSource && string.Equals(owner, item.Source, StringComparison.OrdinalIgnoreCase))
            {
                backend.SetText(item.Vault!, item.SecretName!, item.Plaintext!);
                return;
            }

            var existing = owner == null ? backend.Get(item.Vault!, item.SecretName!) : null;
            if (existing?.IsText(item.Plaintext) == true)
            {
                return;
            }

            throw new DataCompassException(
                DcError.SecretNameConflict,
                $"The vault '{item.Vault}' already holds '{item.SecretName}' with another value{(owner == null ? string.Empty : $" (the secret of source '{owner}')")}; DataCompass will not overwrite it.",
                item.SecretName);
        }
    }
}

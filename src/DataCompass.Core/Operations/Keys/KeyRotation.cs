using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Operations.Keys
{
    /// <summary>
    /// Re-encrypts values under the key ring's primary key, in batches: each batch is one transaction of
    /// compare-and-swap updates, so a kill loses at most the batch in flight, which the next run finds again
    /// (it is still under its old key). Nothing else changes, so rotation is resumable by simply rerunning it.
    /// </summary>
    public static class KeyRotation
    {
        /// <summary>The encrypted values not under the primary key.</summary>
        public static IReadOnlyList<EncryptedField> Pending(IEnumerable<StoredSource> sources, KeyRing ring) =>
            EncryptedField.In(sources).Where(field => !string.Equals(field.KeyId, ring.Primary.Id, StringComparison.OrdinalIgnoreCase)).ToList();

        /// <summary>
        /// Re-encrypts one batch under the primary key of <paramref name="keys"/> and stores it in one transaction,
        /// committed only while that key is still in the key ring (<see cref="KeyRingGuard"/>: a primary key retired
        /// and removed meanwhile is <see cref="DcError.EncryptionKeyMissing"/> for the whole batch, and nothing is
        /// written). Returns an outcome per field: rotated, or the error that kept it as it was (a missing key, a
        /// damaged value, a row changed meanwhile).
        /// </summary>
        public static IReadOnlyList<RotationOutcome> RotateBatch(IReadOnlyList<EncryptedField> batch, KeyRingSource keys, SourceCatalog catalog)
        {
            var ring = keys.Require("Update-DcEncryptionKey re-encrypts values under the primary key");
            var outcomes = new RotationOutcome[batch.Count];
            var replacements = new List<FieldReplacement>();
            var positions = new List<int>();
            for (var i = 0; i < batch.Count; i++)
            {
                var field = batch[i];
                try
                {
                    var plaintext = ring.Decrypt(field.Stored, field.Context);
                    var reEncrypted = ring.Encrypt(plaintext);
                    var change = new AuditFieldChange(field.Field, AuditValues.DescribeSecret(field.Field, field.Stored), AuditValues.DescribeSecret(field.Field, reEncrypted));
                    replacements.Add(new FieldReplacement(field.SourceId, field.Field, field.Stored, reEncrypted, change));
                    positions.Add(i);
                }
                catch (DataCompassException exception)
                {
                    outcomes[i] = new RotationOutcome(field, exception);
                }
            }

            var applied = replacements.Count == 0 ? Array.Empty<bool>()
                : KeyRingGuard.Commit(keys, replacements.Select(replacement => (object?)replacement.Replacement), "Update-DcEncryptionKey", () => catalog.ReplaceValues(replacements));
            for (var j = 0; j < positions.Count; j++)
            {
                var field = batch[positions[j]];
                outcomes[positions[j]] = applied[j]
                    ? new RotationOutcome(field, null)
                    : new RotationOutcome(field, new DataCompassException(
                        DcError.SourceInvalid,
                        $"{field.Context}: the value changed (or the source was removed) while it was being re-encrypted; run Update-DcEncryptionKey again.",
                        field.Source));
            }

            return outcomes;
        }
    }

    public sealed class RotationOutcome
    {
        public RotationOutcome(EncryptedField field, DataCompassException? failure)
        {
            Field = field;
            Failure = failure;
        }

        public EncryptedField Field { get; }

        /// <summary>Null when the value is now under the primary key.</summary>
        public DataCompassException? Failure { get; }
    }
}

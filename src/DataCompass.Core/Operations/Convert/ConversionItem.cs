using System.Collections.Generic;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Operations.Convert
{
    /// <summary>One secret field of one source, and what converting it means. Holds the value only internally.</summary>
    public sealed class ConversionItem
    {
        internal ConversionItem(long sourceId, string source, string field, ConversionStatus status, string? vault, string? secretName, string? plaintext, string? storedValue = null)
        {
            StoredValue = storedValue ?? plaintext;
            SourceId = sourceId;
            Source = source;
            Field = field;
            Status = status;
            Vault = vault;
            SecretName = secretName;
            Plaintext = plaintext;
        }

        public long SourceId { get; }

        public string Source { get; }

        public string Field { get; }

        public ConversionStatus Status { get; internal set; }

        public string? Vault { get; }

        public string? SecretName { get; }

        /// <summary>What the row will hold once converted.</summary>
        public string? Reference => Vault == null || SecretName == null ? null : new SecretReference(Vault, SecretName).ToPlaceholder();

        /// <summary>Why a field failed or was left alone; never a value.</summary>
        public string? Message { get; internal set; }

        /// <summary>
        /// What the run warns about this field, naming it and saying what to do (a Broken one). The warning is the
        /// one place that says it in full; <see cref="Message"/> only gives the reason, so it is not shown twice.
        /// </summary>
        public string? Warning { get; internal init; }

        internal string? Plaintext { get; }

        /// <summary>What the row holds now: the plaintext, or the enc:v1 value it was decrypted from.</summary>
        internal string? StoredValue { get; }

        /// <summary>Why planning failed (a value no key opens), for the error record.</summary>
        public Errors.DataCompassException? Problem { get; internal set; }

        /// <summary>
        /// A data source field (the default), or a value in a notification channel's config; for a channel,
        /// <see cref="SourceId"/> and <see cref="Source"/> are the channel's id and name.
        /// </summary>
        public ConversionTarget Target { get; internal init; } = ConversionTarget.DataSource;

        /// <summary>For a notification channel, the keys that lead to the value in its config (e.g. headers, Authorization).</summary>
        internal IReadOnlyList<string>? ConfigPath { get; init; }

        /// <summary>What messages about this value start with: "Source 'prod', field 'password'".</summary>
        internal string Context => Target == ConversionTarget.NotificationChannel
            ? $"Notification channel '{Source}', field '{Field}'"
            : $"Source '{Source}', field '{Field}'";

        public override string ToString() => $"{Source}.{Field}: {Status}";
    }
}

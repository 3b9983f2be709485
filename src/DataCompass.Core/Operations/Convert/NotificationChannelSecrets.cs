using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Operations.Convert
{
    /// <summary>
    /// The secret values in the config of the Python tool's notification channels, and what converting them
    /// means. The values are <c>smtp_password</c>, <c>webhook_url</c> (Slack and Teams webhook URLs carry their
    /// token in the path, so the whole URL is the secret) and each value of <c>headers</c> whose name is
    /// sensitive. They are converted by <see cref="SecretConverter.Convert"/>, like source fields.
    /// </summary>
    public static class NotificationChannelSecrets
    {
        /// <summary>
        /// What the {source} of the secret name template becomes for a channel: "channel-" and its name, so a
        /// channel's secrets stand apart from those of a source of the same name
        /// (DataCompass-channel-alerts-smtp-password-1a2b3c4d).
        /// </summary>
        public const string SecretNamePrefix = "channel-";

        public const string SmtpPasswordKey = "smtp_password";
        public const string WebhookUrlKey = "webhook_url";
        public const string HeadersKey = "headers";

        private static readonly string[] SensitiveHeaderNames = { "Authorization", "Proxy-Authorization", "Cookie" };
        private static readonly string[] SensitiveHeaderWords = { "key", "token", "secret", "auth", "password", "signature" };

        /// <summary>
        /// Whether an HTTP header carries a credential: Authorization, Proxy-Authorization, Cookie, or a name
        /// containing key, token, secret, auth, password or signature (X-Api-Key, X-Auth-Token,
        /// X-Hub-Signature-256), ignoring case.
        /// </summary>
        public static bool IsSensitiveHeader(string name) =>
            SensitiveHeaderNames.Any(sensitive => string.Equals(sensitive, name, StringComparison.OrdinalIgnoreCase)) ||
            SensitiveHeaderWords.Any(word => name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0);

        /// <summary>
        /// The secret values of one config, in stored order: the field name shown to users (smtp_password,
        /// webhook_url, headers.Authorization), the keys that lead to it, and the value.
        /// </summary>
        public static IEnumerable<(string Field, IReadOnlyList<string> Path, object? Value)> FindSecretValues(OrderedMap config)
        {
            foreach (var entry in config)
            {
                if (entry.Key == SmtpPasswordKey || entry.Key == WebhookUrlKey)
                {
                    yield return (entry.Key, new[] { entry.Key }, entry.Value);
                }
                else if (entry.Key == HeadersKey && entry.Value is OrderedMap headers)
                {
                    foreach (var header in headers)
                    {
                        if (IsSensitiveHeader(header.Key))
                        {
                            yield return ($"{HeadersKey}.{header.Key}", new[] { HeadersKey, header.Key }, header.Value);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Plans the conversion of every channel: one item per secret value that is not empty. A channel whose
        /// config cannot be read has no items and is listed in <see cref="ChannelConversionPlan.Unreadable"/>.
        /// </summary>
        public static ChannelConversionPlan Plan(IEnumerable<StoredChannel> channels, string vault, DcConfig config)
        {
            var template = config.EffectiveSecretNameTemplate;
            return Scan(channels, (channel, field, path, text) => new ConversionItem(
                channel.Id,
                channel.Name,
                field,
                ConversionStatus.Planned,
                vault,
                SecretNameTemplate.Apply(template, SecretNamePrefix + channel.Name, field),
                text)
            {
                Target = ConversionTarget.NotificationChannel,
                ConfigPath = path,
            }, reportOnly: false);
        }

        /// <summary>
        /// The plaintext values of every channel, each as a <see cref="ConversionStatus.NotSelected"/> item, for a
        /// conversion that leaves the channels alone. Nothing else is listed, and no vault is needed.
        /// </summary>
        public static ChannelConversionPlan Report(IEnumerable<StoredChannel> channels) =>
            Scan(channels, (channel, field, path, text) => new ConversionItem(channel.Id, channel.Name, field, ConversionStatus.NotSelected, null, null, null)
            {
                Target = ConversionTarget.NotificationChannel,
                ConfigPath = path,
                Message = "The value is plaintext. Channels are converted only with -IncludeNotificationChannel.",
            }, reportOnly: true);

        private static ChannelConversionPlan Scan(
            IEnumerable<StoredChannel> channels,
            Func<StoredChannel, string, IReadOnlyList<string>, string, ConversionItem> plaintext,
            bool reportOnly)
        {
            var items = new List<ConversionItem>();
            var unreadable = new List<DataCompassException>();
            foreach (var channel in channels)
            {
                if (channel.ConfigProblem != null)
                {
                    unreadable.Add(channel.ConfigProblem);
                    continue;
                }

                foreach (var (field, path, value) in FindSecretValues(channel.Config))
                {
                    var item = Classify(channel, field, path, value, plaintext);
                    if (item != null && (!reportOnly || item.Status == ConversionStatus.NotSelected))
                    {
                        items.Add(item);
                    }
                }
            }

            return new ChannelConversionPlan(items, unreadable);
        }

        private static ConversionItem? Classify(
            StoredChannel channel,
            string field,
            IReadOnlyList<string> path,
            object? value,
            Func<StoredChannel, string, IReadOnlyList<string>, string, ConversionItem> plaintext)
        {
            ConversionItem Other(ConversionStatus status, string message, string? warning = null) =>
                new ConversionItem(channel.Id, channel.Name, field, status, null, null, null)
                {
                    Target = ConversionTarget.NotificationChannel,
                    ConfigPath = path,
                    Message = message,
                    Warning = warning,
                };

            if (value == null || (value is string empty && empty.Length == 0))
            {
                return null;
            }

            if (!(value is string text))
            {
                return Other(ConversionStatus.Mixed, "The value is not text; it cannot be moved to a vault as a secret.");
            }

            if (text == LiteralSecrets.LegacyMask)
            {
                return Other(ConversionStatus.Broken, SecretConverter.BrokenMessage,
                    $"Notification channel '{channel.Name}', field '{field}' holds \"{LiteralSecrets.LegacyMask}\", which an older datacompass stored in place of the real credential. It is not migrated; set the real value in the channel's config.");
            }

            var context = $"notification channel '{channel.Name}', field '{field}'";
            switch (SourceDescriber.ProvenanceOf(text, isSecret: true, context))
            {
                // The Python tool never encrypts a channel's config, and DataCompass does not either: text that
                // looks encrypted there is plaintext like any other.
                case ValueProvenance.Encrypted:
                case ValueProvenance.Plaintext:
                    return SecretConverter.MixesReferences(text, context)
                        ? Other(ConversionStatus.Mixed, "Literal text mixed with references cannot move to a vault as one secret; rewrite the value by hand.")
                        : plaintext(channel, field, path, text);
                default:
                    return Other(ConversionStatus.AlreadySafe, "The value is a reference.");
            }
        }
    }

    /// <summary>The planned channel values, and the channels whose config could not be read (one error each).</summary>
    public sealed class ChannelConversionPlan
    {
        internal ChannelConversionPlan(IReadOnlyList<ConversionItem> items, IReadOnlyList<DataCompassException> unreadable)
        {
            Items = items;
            Unreadable = unreadable;
        }

        public IReadOnlyList<ConversionItem> Items { get; }

        public IReadOnlyList<DataCompassException> Unreadable { get; }

        /// <summary>
        /// For channels that were only reported: one warning for all their plaintext values (and unreadable
        /// configs), naming the channels but no value. Null when there is nothing to say.
        /// </summary>
        public string? NotSelectedWarning()
        {
            var notSelected = Items.Where(item => item.Status == ConversionStatus.NotSelected).ToList();
            if (notSelected.Count == 0 && Unreadable.Count == 0)
            {
                return null;
            }

            var parts = new List<string>();
            if (notSelected.Count > 0)
            {
                var one = notSelected.Count == 1;
                var channels = notSelected.Select(item => $"'{item.Source}'").Distinct(StringComparer.Ordinal).ToList();
                parts.Add($"{notSelected.Count} secret value{(one ? " is" : "s are")} stored in plaintext in notification channel{(channels.Count == 1 ? string.Empty : "s")} " +
                    $"{string.Join(", ", channels)} and {(one ? "was" : "were")} not converted.");
            }

            if (Unreadable.Count > 0)
            {
                var one = Unreadable.Count == 1;
                parts.Add($"The config of {Unreadable.Count} notification channel{(one ? " was" : "s were")} not readable, so {(one ? "it was" : "they were")} not checked.");
            }

            parts.Add("Convert-DcSourceSecret -IncludeNotificationChannel converts notification channels.");
            return string.Join(" ", parts);
        }
    }
}

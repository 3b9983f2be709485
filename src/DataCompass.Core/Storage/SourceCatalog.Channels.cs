using System;
using System.Data.Common;
using System.Collections.Generic;
using System.Globalization;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using Microsoft.Data.Sqlite;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// The Python tool's <c>notification_channels</c> table. DataCompass never creates it: a catalog without it
    /// simply has no channels. Columns are read by name; <c>config</c> is <c>json.dumps</c> text like connection_info.
    /// </summary>
    public sealed partial class SourceCatalog
    {
        private const string ChannelTable = "notification_channels";

        /// <summary>Every notification channel, by name; none when the table is missing. An unreadable config is reported on its row.</summary>
        public IReadOnlyList<StoredChannel> ListNotificationChannels()
        {
            if (!TableExists(ChannelTable))
            {
                return Array.Empty<StoredChannel>();
            }

            return Run(() =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText = $"SELECT * FROM notification_channels ORDER BY {_dialect.BinaryOrder("name")};";
                return (IReadOnlyList<StoredChannel>)ReadChannels(command);
            });
        }

        /// <summary>
        /// Replaces one string value in a channel's config (found by <paramref name="path"/>, e.g. headers,
        /// Authorization) only if it still holds <paramref name="expected"/>, in one transaction. Every other
        /// key keeps its value and its place. False when the value had changed (or the row or key is gone).
        /// </summary>
        public bool ReplaceChannelValue(long channelId, IReadOnlyList<string> path, string expected, string replacement, AuditEntry? audit = null)
        {
            RequireWritable();
            if (path == null || path.Count == 0)
            {
                throw new ArgumentException("A config path names at least one key.", nameof(path));
            }

            // No checkpoint here: Scrub runs once at the end of a conversion, as for data sources.
            return InTransaction(() =>
            {
                if (!TableExistsCore(ChannelTable))
                {
                    return false;
                }

                var channel = FindChannelById(channelId);
                if (channel == null || channel.ConfigProblem != null)
                {
                    return false;
                }

                var holder = channel.Config;
                for (var i = 0; i < path.Count - 1; i++)
                {
                    if (!holder.TryGetValue(path[i], out var inner) || !(inner is OrderedMap nested))
                    {
                        return false;
                    }

                    holder = nested;
                }

                var key = path[path.Count - 1];
                if (!holder.TryGetValue(key, out var current) || !Equals(current, expected))
                {
                    return false;
                }

                holder[key] = replacement;
                using var command = _connection.CreateCommand();
                command.CommandText = "UPDATE notification_channels SET config = @config, updated_at = @now WHERE id = @id;";
                _dialect.AddJson(command, "@config", ConnectionInfoJson.Serialize(channel.Config));
                command.AddParameter("@now", Now());
                command.AddParameter("@id", channelId);
                if (command.ExecuteNonQuery() != 1)
                {
                    return false;
                }

                MarkScrubPending();
                WriteAuditEvent(audit ?? new AuditEntry(AuditActions.Convert), null, null, Now());
                return true;
            });
        }

        private StoredChannel? FindChannelById(long id)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT * FROM notification_channels WHERE id = @id;";
            command.AddParameter("@id", id);
            var matches = ReadChannels(command);
            return matches.Count == 1 ? matches[0] : null;
        }

        private static List<StoredChannel> ReadChannels(DbCommand command) => ReadRows(command, column =>
        {
            var name = Convert.ToString(column("name"), CultureInfo.InvariantCulture) ?? string.Empty;
            OrderedMap config;
            DataCompassException? problem = null;
            try
            {
                config = ConnectionInfoJson.Deserialize(
                    column("config") as string ?? string.Empty,
                    name,
                    $"The stored config of notification channel '{name}'",
                    DcError.NotificationChannelInvalid);
            }
            catch (DataCompassException exception)
            {
                config = new OrderedMap();
                problem = exception;
            }

            return new StoredChannel
            {
                Id = Convert.ToInt64(column("id"), CultureInfo.InvariantCulture),
                Name = name,
                ChannelType = Convert.ToString(column("channel_type"), CultureInfo.InvariantCulture) ?? string.Empty,
                Config = config,
                ConfigProblem = problem,
                IsActive = Convert.ToInt64(column("is_active") ?? 1L, CultureInfo.InvariantCulture) != 0,
                CreatedAt = SqliteTimestamp.Parse(column("created_at")) ?? DateTime.MinValue,
                UpdatedAt = SqliteTimestamp.Parse(column("updated_at")) ?? DateTime.MinValue,
            };
        });
    }
}

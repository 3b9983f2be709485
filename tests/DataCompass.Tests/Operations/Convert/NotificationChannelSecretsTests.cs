using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Convert;
using DataCompass.Core.References;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;
using Microsoft.Data.Sqlite;

namespace DataCompass.Tests
{
    /// <summary>
    /// The secrets in the Python tool's notification_channels: which values they are, how they are planned, and
    /// their conversion against a real SQLite file. Stored configs are verbatim CPython json.dumps output.
    /// </summary>
    public sealed class NotificationChannelSecretsTests : IDisposable
    {
        private const string ChannelDdl =
            "CREATE TABLE notification_channels (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, channel_type VARCHAR(50) NOT NULL, " +
            "config JSON NOT NULL, is_active BOOLEAN NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id)); " +
            "CREATE UNIQUE INDEX ix_notification_channels_name ON notification_channels (name);";

        private const string MailConfig =
            "{\"smtp_host\": \"smtp.example.com\", \"smtp_port\": 587, \"smtp_user\": \"alerts\", \"smtp_password\": \"canary-smtp\", " +
            "\"from_address\": \"alerts@example.com\", \"to_addresses\": [\"ops@example.com\"], \"use_tls\": true, \"from_name\": \"\\u00c9quipe donn\\u00e9es\"}";

        private const string HookConfig =
            "{\"url\": \"https://example.com/hook\", \"method\": \"POST\", \"headers\": {\"Authorization\": \"Bearer canary-hook\", " +
            "\"Content-Type\": \"application/json\", \"X-Api-Key\": \"canary-key\", \"X-Trace\": \"caf\\u00e9 \\ud83d\\ude00\"}, " +
            "\"timeout\": 10, \"retry\": {\"count\": 3, \"backoff\": 1.5}, \"verify_ssl\": true, \"extra\": null}";

        private const string SlackConfig =
            "{\"webhook_url\": \"https://hooks.slack.com/services/T000/B000/canary-slack\", \"channel\": \"#alerts\", \"username\": \"datacompass\"}";

        private const string Stamp = "2024-01-02 03:04:05";

        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-channels-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static StoredChannel Channel(string name, string json, long id = 1) =>
            new StoredChannel { Id = id, Name = name, ChannelType = "webhook", Config = ConnectionInfoJson.Deserialize(json, name), IsActive = true };

        private static string SecretName(string channel, string field) =>
            SecretNameTemplate.Apply(DcConfig.DefaultSecretNameTemplate, NotificationChannelSecrets.SecretNamePrefix + channel, field);

        private void Sql(string sql, params (string Name, object Value)[] parameters)
        {
            using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            command.ExecuteNonQuery();
        }

        private object? Scalar(string sql, long id)
        {
            using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteScalar();
        }

        private string StoredConfig(long id) => (string)Scalar("SELECT config FROM notification_channels WHERE id = $id;", id)!;

        /// <summary>A DataCompass catalog beside the Python tool's channel table, holding the three channels.</summary>
        private void CreateCatalogWithChannels()
        {
            Directory.CreateDirectory(_folder);
            SourceCatalog.OpenForWrite(DatabasePath).Dispose();
            Sql(ChannelDdl);
            InsertChannel(1, "ops-mail", "email", MailConfig);
            InsertChannel(2, "hook", "webhook", HookConfig);
            InsertChannel(3, "team-slack", "slack", SlackConfig);
        }

        private void InsertChannel(long id, string name, string type, string config) =>
            Sql("INSERT INTO notification_channels VALUES ($id, $name, $type, $config, 1, $stamp, $stamp);",
                ("$id", id), ("$name", name), ("$type", type), ("$config", config), ("$stamp", Stamp));

        private bool AnyFileHolds(string text) =>
            Directory.GetFiles(_folder).Any(file => Encoding.Latin1.GetString(File.ReadAllBytes(file)).Contains(text, StringComparison.Ordinal));

        private static ISet<string> Names(InMemorySecretBackend backend) =>
            new HashSet<string>(backend.GetSecretNames("Store"), StringComparer.OrdinalIgnoreCase);

        [Theory]
        [InlineData("Authorization")]
        [InlineData("authorization")]
        [InlineData("Proxy-Authorization")]
        [InlineData("COOKIE")]
        [InlineData("X-Api-Key")]
        [InlineData("apikey")]
        [InlineData("X-Auth-Token")]
        [InlineData("X-Client-Secret")]
        [InlineData("X-Password")]
        [InlineData("X-Hub-Signature-256")]
        [InlineData("X-OAuth-Scopes")]
        public void Credential_headers_are_sensitive(string name) =>
            Assert.True(NotificationChannelSecrets.IsSensitiveHeader(name));

        [Theory]
        [InlineData("Content-Type")]
        [InlineData("Accept")]
        [InlineData("User-Agent")]
        [InlineData("X-Request-Id")]
        [InlineData("Cache-Control")]
        public void Other_headers_are_not(string name) =>
            Assert.False(NotificationChannelSecrets.IsSensitiveHeader(name));

        [Fact]
        public void Finds_smtp_password_webhook_url_and_credential_headers_in_stored_order()
        {
            var values = NotificationChannelSecrets.FindSecretValues(ConnectionInfoJson.Deserialize(
                "{\"headers\": {\"X-Trace\": \"t\", \"Authorization\": \"a\", \"Content-Type\": \"c\", \"X-Api-Key\": \"k\"}, " +
                "\"webhook_url\": \"w\", \"password\": \"p\", \"smtp_password\": \"s\", \"url\": \"u\"}", "c")).ToList();

            Assert.Equal(new[] { "headers.Authorization", "headers.X-Api-Key", "webhook_url", "smtp_password" }, values.Select(value => value.Field));
            Assert.Equal(new[] { "headers", "Authorization" }, values[0].Path);
            Assert.Equal(new[] { "webhook_url" }, values[2].Path);
            Assert.Equal(new object?[] { "a", "k", "w", "s" }, values.Select(value => value.Value));
        }

        [Fact]
        public void Headers_that_are_not_an_object_hold_no_secret_values()
        {
            Assert.Empty(NotificationChannelSecrets.FindSecretValues(ConnectionInfoJson.Deserialize("{\"headers\": [\"Authorization: x\"]}", "c")));
            Assert.Empty(NotificationChannelSecrets.FindSecretValues(ConnectionInfoJson.Deserialize("{\"headers\": null}", "c")));
        }

        [Fact]
        public void Plans_plaintext_into_the_vault_and_leaves_everything_else()
        {
            var channel = Channel("alerts",
                "{\"smtp_password\": \"s3cret\", \"webhook_url\": \"${secret:Store/hook}\", \"headers\": {\"Authorization\": \"**********\", " +
                "\"X-Api-Key\": \"${API_KEY}\", \"X-Token\": \"pre-${API_KEY}\", \"X-Secret\": 12345, \"X-Auth\": \"\", \"Cookie\": null}}");

            var plan = NotificationChannelSecrets.Plan(new[] { channel }, "Store", new DcConfig());

            Assert.Empty(plan.Unreadable);
            var byField = plan.Items.ToDictionary(item => item.Field);
            Assert.Equal(new[] { "smtp_password", "webhook_url", "headers.Authorization", "headers.X-Api-Key", "headers.X-Token", "headers.X-Secret" }, plan.Items.Select(item => item.Field));
            Assert.All(plan.Items, item => Assert.Equal(ConversionTarget.NotificationChannel, item.Target));
            Assert.Equal(ConversionStatus.Planned, byField["smtp_password"].Status);
            Assert.Equal($"${{secret:Store/{SecretName("alerts", "smtp_password")}}}", byField["smtp_password"].Reference);
            Assert.Equal(ConversionStatus.AlreadySafe, byField["webhook_url"].Status);
            Assert.Equal(ConversionStatus.Broken, byField["headers.Authorization"].Status);
            Assert.Contains("Notification channel 'alerts', field 'headers.Authorization'", byField["headers.Authorization"].Warning);
            Assert.DoesNotContain("Notification channel", byField["headers.Authorization"].Message);
            Assert.Equal(ConversionStatus.AlreadySafe, byField["headers.X-Api-Key"].Status);
            Assert.Equal(ConversionStatus.Mixed, byField["headers.X-Token"].Status);
            Assert.Equal(ConversionStatus.Mixed, byField["headers.X-Secret"].Status);
            Assert.All(plan.Items.Where(item => item.Status != ConversionStatus.Planned), item => Assert.Null(item.Reference));
        }

        [Fact]
        public void A_channel_value_that_looks_encrypted_is_plaintext_to_be_moved()
        {
            // Neither tool encrypts a channel's config, so such text is a credential like any other.
            var channel = Channel("alerts", "{\"smtp_password\": \"enc:v1:abcdef12:canary-looks-encrypted\"}");
            var item = Assert.Single(NotificationChannelSecrets.Plan(new[] { channel }, "Store", new DcConfig()).Items);
            Assert.Equal(ConversionStatus.Planned, item.Status);
        }

        [Fact]
        public void The_report_lists_only_plaintext_values_and_needs_no_vault()
        {
            var channels = new[]
            {
                Channel("mail", "{\"smtp_password\": \"s3cret\", \"headers\": {\"Authorization\": \"**********\", \"X-Api-Key\": \"${secret:V/k}\"}}", 1),
                Channel("hook", "{\"headers\": {\"Authorization\": \"Bearer t\", \"Content-Type\": \"application/json\"}}", 2),
                new StoredChannel { Id = 3, Name = "bad", ConfigProblem = new DataCompassException(DcError.NotificationChannelInvalid, "bad", "bad") },
            };

            var report = NotificationChannelSecrets.Report(channels);

            Assert.Equal(new[] { "mail.smtp_password", "hook.headers.Authorization" }, report.Items.Select(item => $"{item.Source}.{item.Field}"));
            Assert.All(report.Items, item =>
            {
                Assert.Equal(ConversionStatus.NotSelected, item.Status);
                Assert.Null(item.Reference);
                Assert.DoesNotContain("s3cret", item.Message);
            });
            Assert.Single(report.Unreadable);
            Assert.Equal(
                "2 secret values are stored in plaintext in notification channels 'mail', 'hook' and were not converted. " +
                "The config of 1 notification channel was not readable, so it was not checked. " +
                "Convert-DcSourceSecret -IncludeNotificationChannel converts notification channels.",
                report.NotSelectedWarning());
            Assert.Null(NotificationChannelSecrets.Report(channels.Take(0)).NotSelectedWarning());
            Assert.StartsWith("1 secret value is stored in plaintext in notification channel 'mail' and was not converted. Convert-DcSourceSecret",
                NotificationChannelSecrets.Report(channels.Take(1)).NotSelectedWarning(), StringComparison.Ordinal);
        }

        [Fact]
        public void Secret_names_are_portable_and_told_apart_from_sources()
        {
            var longName = new string('n', 255);
            var names = new[]
            {
                SecretName("alerts", "smtp_password"),
                SecretName("alerts", "webhook_url"),
                SecretName("alerts", "headers.Authorization"),
                SecretName("alerts", "headers.authorization"),
                SecretName("ops team/é", "smtp_password"),
                SecretName(longName, "headers.X-Api-Key"),
                SecretNameTemplate.Apply(DcConfig.DefaultSecretNameTemplate, "alerts", "smtp_password"),
            };

            Assert.All(names, name => Assert.Matches("^[A-Za-z0-9-]{1,127}$", name));
            Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            Assert.StartsWith("DataCompass-channel-alerts-smtp-password-", names[0], StringComparison.Ordinal);
        }

        [Fact]
        public void A_catalog_without_the_channel_table_has_no_channels()
        {
            Directory.CreateDirectory(_folder);
            SourceCatalog.OpenForWrite(DatabasePath).Dispose();
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Empty(catalog.ListNotificationChannels());
        }

        [Fact]
        public void Columns_are_read_by_name_and_an_unreadable_config_is_reported_on_its_row()
        {
            Directory.CreateDirectory(_folder);
            SourceCatalog.OpenForWrite(DatabasePath).Dispose();
            Sql("CREATE TABLE notification_channels (config JSON NOT NULL, extra TEXT, updated_at DATETIME NOT NULL, name VARCHAR(255) NOT NULL, " +
                "is_active BOOLEAN NOT NULL, id INTEGER NOT NULL, channel_type VARCHAR(50) NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY (id));");
            Sql("INSERT INTO notification_channels VALUES ($config, 'x', '2024-01-02 03:04:05.123456', 'slack', 0, 7, 'slack', $stamp);", ("$config", SlackConfig), ("$stamp", Stamp));
            Sql("INSERT INTO notification_channels VALUES ('{\"smtp_password\": \"canary-broken', NULL, $stamp, 'broken', 1, 8, 'email', $stamp);", ("$stamp", Stamp));

            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            var channels = catalog.ListNotificationChannels();

            Assert.Equal(new[] { "broken", "slack" }, channels.Select(channel => channel.Name));
            var slack = channels[1];
            Assert.Equal(7, slack.Id);
            Assert.Equal("slack", slack.ChannelType);
            Assert.False(slack.IsActive);
            Assert.Equal("#alerts", slack.Config["channel"]);
            Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, 123, DateTimeKind.Utc).AddTicks(4560), slack.UpdatedAt);
            var problem = channels[0].ConfigProblem!;
            Assert.Same(DcError.NotificationChannelInvalid, problem.Error);
            Assert.Equal("broken", problem.Target);
            Assert.StartsWith("The stored config of notification channel 'broken' is not a JSON object", problem.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("canary", problem.Message);
        }

        [Fact]
        public void Converts_every_value_keeping_every_other_key_and_leaves_no_byte_of_it()
        {
            CreateCatalogWithChannels();
            Assert.True(AnyFileHolds("canary-hook"));
            var backend = new InMemorySecretBackend("Store");
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                var plan = NotificationChannelSecrets.Plan(catalog.ListNotificationChannels(), "Store", new DcConfig());
                Assert.Equal(4, plan.Items.Count);
                var names = Names(backend);
                Assert.False(catalog.IsScrubPending);
                foreach (var item in plan.Items)
                {
                    SecretConverter.Convert(item, backend, catalog, names);
                }

                // A run killed here leaves the marker, so the next run scrubs even with nothing left to convert.
                Assert.True(catalog.IsScrubPending);
                catalog.Scrub();
                Assert.False(catalog.IsScrubPending);
                Assert.All(plan.Items, item => Assert.Equal(ConversionStatus.Converted, item.Status));
            }

            string Reference(string channel, string field) => $"${{secret:Store/{SecretName(channel, field)}}}";

            // Byte for byte what the Python tool's json.dumps writes for the changed dict: every other key, its
            // value, its place and its escaping are kept.
            Assert.Equal(MailConfig.Replace("canary-smtp", Reference("ops-mail", "smtp_password"), StringComparison.Ordinal), StoredConfig(1));
            Assert.Equal(
                HookConfig.Replace("Bearer canary-hook", Reference("hook", "headers.Authorization"), StringComparison.Ordinal)
                    .Replace("canary-key", Reference("hook", "headers.X-Api-Key"), StringComparison.Ordinal),
                StoredConfig(2));
            Assert.Equal(SlackConfig.Replace("https://hooks.slack.com/services/T000/B000/canary-slack", Reference("team-slack", "webhook_url"), StringComparison.Ordinal), StoredConfig(3));
            Assert.NotEqual(Stamp, Scalar("SELECT updated_at FROM notification_channels WHERE id = $id;", 2));
            Assert.Equal(Stamp, Scalar("SELECT created_at FROM notification_channels WHERE id = $id;", 2));

            Assert.Equal("Bearer canary-hook", backend.Peek("Store", SecretName("hook", "headers.Authorization"))!.Text);
            Assert.Equal("https://hooks.slack.com/services/T000/B000/canary-slack", backend.Peek("Store", SecretName("team-slack", "webhook_url"))!.Text);
            foreach (var canary in new[] { "canary-smtp", "canary-hook", "canary-key", "canary-slack" })
            {
                Assert.False(AnyFileHolds(canary), canary);
            }

            using (var catalog = SourceCatalog.OpenForRead(DatabasePath)!)
            {
                var again = NotificationChannelSecrets.Plan(catalog.ListNotificationChannels(), "Store", new DcConfig());
                Assert.All(again.Items, item => Assert.Equal(ConversionStatus.AlreadySafe, item.Status));
                Assert.Null(catalog.FindSecretOwner("Store", SecretName("hook", "headers.Authorization")));
            }
        }

        [Fact]
        public void A_secret_left_by_an_interrupted_run_is_reused()
        {
            CreateCatalogWithChannels();
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", SecretName("ops-mail", "smtp_password"), SecretValue.FromText("canary-smtp"));
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var item = NotificationChannelSecrets.Plan(catalog.ListNotificationChannels(), "Store", new DcConfig()).Items.Single(i => i.Source == "ops-mail");

            SecretConverter.Convert(item, backend, catalog, Names(backend));

            Assert.Equal(ConversionStatus.Converted, item.Status);
            Assert.DoesNotContain(backend.Calls, call => call.StartsWith("Set", StringComparison.Ordinal));
            Assert.Contains(item.Reference!, StoredConfig(1), StringComparison.Ordinal);
        }

        [Fact]
        public void Someone_elses_secret_under_that_name_is_never_overwritten()
        {
            CreateCatalogWithChannels();
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", SecretName("ops-mail", "smtp_password"), SecretValue.FromText("theirs"));
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var item = NotificationChannelSecrets.Plan(catalog.ListNotificationChannels(), "Store", new DcConfig()).Items.Single(i => i.Source == "ops-mail");

            var error = Assert.Throws<DataCompassException>(() => SecretConverter.Convert(item, backend, catalog, Names(backend)));

            Assert.Same(DcError.SecretNameConflict, error.Error);
            Assert.StartsWith("Notification channel 'ops-mail', field 'smtp_password': ", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("canary-smtp", error.Message);
            Assert.Equal(ConversionStatus.Failed, item.Status);
            Assert.Equal("theirs", backend.Peek("Store", item.SecretName!)!.Text);
            Assert.Equal(MailConfig, StoredConfig(1));
        }

        [Fact]
        public void A_secret_a_source_owns_is_not_taken_even_with_the_same_value()
        {
            CreateCatalogWithChannels();
            var backend = new InMemorySecretBackend("Store");
            var name = SecretName("ops-mail", "smtp_password");
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var source = catalog.AddSource(
                TestSources.Plan("ops-mail", "postgresql", null, new OrderedMap { { "host", "h" }, { "database", "d" }, { "username", "u" }, { "password", "${P}" } }, allowPlaintext: false).Source,
                new[] { new OwnedSecret("password", "Store", name) });
            backend.Put("Store", name, SecretValue.FromText("canary-smtp"));
            var item = NotificationChannelSecrets.Plan(catalog.ListNotificationChannels(), "Store", new DcConfig()).Items.Single(i => i.Source == "ops-mail");

            var error = Assert.Throws<DataCompassException>(() => SecretConverter.Convert(item, backend, catalog, Names(backend)));

            Assert.Same(DcError.SecretNameConflict, error.Error);
            Assert.Contains("source 'ops-mail'", error.Message, StringComparison.Ordinal);
            Assert.Equal(MailConfig, StoredConfig(1));
            Assert.Equal("ops-mail", catalog.FindSecretOwner("Store", name));
            Assert.Equal(source.Id, catalog.FindSource("ops-mail")!.Id);
        }

        [Fact]
        public void A_value_changed_since_the_plan_is_not_overwritten()
        {
            CreateCatalogWithChannels();
            var backend = new InMemorySecretBackend("Store");
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var item = NotificationChannelSecrets.Plan(catalog.ListNotificationChannels(), "Store", new DcConfig()).Items.Single(i => i.Field == "headers.X-Api-Key");
            var changed = HookConfig.Replace("canary-key", "${API_KEY}", StringComparison.Ordinal);
            Sql("UPDATE notification_channels SET config = $config WHERE id = 2;", ("$config", changed));

            var error = Assert.Throws<DataCompassException>(() => SecretConverter.Convert(item, backend, catalog, Names(backend)));

            Assert.Same(DcError.NotificationChannelInvalid, error.Error);
            Assert.Equal("hook", error.Target);
            Assert.Equal(changed, StoredConfig(2));
            Assert.Equal(Stamp, Scalar("SELECT updated_at FROM notification_channels WHERE id = $id;", 2));
        }

        [Fact]
        public void A_channel_that_is_gone_or_unreadable_is_not_written()
        {
            CreateCatalogWithChannels();
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            Sql("UPDATE notification_channels SET config = '{not json' WHERE id = 1;");

            Assert.False(catalog.ReplaceChannelValue(1, new[] { "smtp_password" }, "canary-smtp", "${secret:Store/x}"));
            Assert.False(catalog.ReplaceChannelValue(99, new[] { "smtp_password" }, "canary-smtp", "${secret:Store/x}"));
            Assert.False(catalog.ReplaceChannelValue(2, new[] { "headers", "Missing" }, "canary-hook", "${secret:Store/x}"));
            Assert.False(catalog.ReplaceChannelValue(2, new[] { "url", "Authorization" }, "canary-hook", "${secret:Store/x}"));
            Assert.Equal("{not json", StoredConfig(1));
            Assert.Equal(HookConfig, StoredConfig(2));
        }
    }
}

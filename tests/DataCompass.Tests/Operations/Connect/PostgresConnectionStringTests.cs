using System.Linq;
using System.Threading;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;
using Npgsql;

namespace DataCompass.Tests
{
    public class PostgresConnectionStringTests
    {
        private const string HostilePassword = "sp ace;semi=eq'sq\"dq\\bs€ü{}[]-end";

        private static ResolvedConnection Resolved(string type = "postgresql", params (string Key, object? Value)[] overrides)
        {
            var fields = type == "postgresql"
                ? new OrderedMap { { "host", "db.example.com" }, { "database", "sales" }, { "username", "app" }, { "password", "${PG_PASSWORD}" } }
                : new OrderedMap { { "account", "acme" }, { "warehouse", "WH" }, { "database", "DB" }, { "username", "svc" }, { "password", "${PG_PASSWORD}" } };
            foreach (var (key, value) in overrides)
            {
                fields[key] = value;
            }

            var info = TestSources.Plan("prod", type, null, fields, allowPlaintext: true).Source.ConnectionInfo;
            var source = new StoredSource { Name = "prod", SourceType = type, ConnectionInfo = info };
            return ConnectionResolver.Resolve(source, name => name == "PG_PASSWORD" ? HostilePassword : null, null);
        }

        [Fact]
        public void Quotes_every_value_so_that_Npgsql_reads_back_exactly_what_the_source_holds()
        {
            var text = PostgresConnectionString.Text(Resolved("postgresql", ("database", "sales db;x=y"), ("username", "o'brien"), ("ssl_mode", "verify-full"), ("port", 6543L)));

            var parsed = new NpgsqlConnectionStringBuilder(text);
            Assert.Equal(HostilePassword, parsed.Password);
            Assert.Equal("sales db;x=y", parsed.Database);
            Assert.Equal("o'brien", parsed.Username);
            Assert.Equal(6543, parsed.Port);
            Assert.Equal(SslMode.VerifyFull, parsed.SslMode);
            Assert.Equal(10, parsed.Timeout);
            Assert.Equal(300, parsed.CommandTimeout);
        }

        [Fact]
        public void A_live_test_uses_nothing_from_the_machine()
        {
            var live = PostgresConnectionString.ForLiveTest(Resolved());
            var parsed = new NpgsqlConnectionStringBuilder(live.ConnectionString);
            Assert.False(parsed.Pooling);
            Assert.Equal("ScramSHA256,MD5,Password", parsed.RequireAuth);
            Assert.Equal(GssEncryptionMode.Disable, parsed.GssEncryptionMode);
            Assert.Null(parsed.Passfile);
            Assert.Equal(HostilePassword, parsed.Password);
        }

        [Fact]
        public void Other_source_types_have_no_connection_string()
        {
            var error = Assert.Throws<DataCompassException>(() => PostgresConnectionString.Text(Resolved("snowflake")));
            Assert.Equal(DcError.ConnectionNotAvailable, error.Error);
            Assert.Contains("'prod'", error.Message);
        }

        [Fact]
        public void Masks_every_secret_value_a_message_echoes()
        {
            var masked = LiveConnectionTester.MaskSecrets($"database \"{HostilePassword}\" does not exist", new[] { HostilePassword });
            Assert.DoesNotContain("semi=eq", masked);
            Assert.Contains(LiveConnectionTester.Mask, masked);
        }

        [Fact]
        public void Reports_unresolved_references_without_trying_a_login()
        {
            var attempts = 0;
            var result = LiveConnectionTester.Test(attempt =>
            {
                attempts++;
                var source = new StoredSource
                {
                    Name = "prod", SourceType = "postgresql",
                    ConnectionInfo = new OrderedMap { { "host", "h" }, { "port", 5432L }, { "database", "d" }, { "username", "u" }, { "password", "${PG_UNSET}" } },
                };
                return ConnectionResolver.Resolve(source, _ => null, null);
            }, CancellationToken.None);

            Assert.Equal(ConnectionTestStatus.Unresolved, result.Status);
            Assert.Equal(1, attempts);
            Assert.Contains("PG_UNSET", result.Message);
            Assert.Null(result.Endpoint);
        }
    }
}

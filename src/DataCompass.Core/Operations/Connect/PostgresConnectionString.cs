using System;
using System.Globalization;
using DataCompass.Core.Adapters;
using DataCompass.Core.Errors;
using Npgsql;

namespace DataCompass.Core.Operations.Connect
{
    /// <summary>
    /// The Npgsql connection string of a resolved postgresql source. Npgsql's builder quotes every value, so a
    /// password with spaces, quotes, backslashes, ';', '=' or any Unicode text survives (the Python tool's
    /// unquoted libpq string broke on them).
    /// </summary>
    public static class PostgresConnectionString
    {
        public const string SourceType = "postgresql";

        /// <summary>The source's own settings as an Npgsql connection string (text, so that no Npgsql type crosses into the cmdlets).</summary>
        public static string Text(ResolvedConnection resolved) => For(resolved).ConnectionString;

        internal static NpgsqlConnectionStringBuilder For(ResolvedConnection resolved)
        {
            if (!string.Equals(resolved.Adapter.Type, SourceType, StringComparison.OrdinalIgnoreCase))
            {
                throw new DataCompassException(
                    DcError.ConnectionNotAvailable,
                    $"Source '{resolved.SourceName}' is a {resolved.Adapter.DisplayName} source: DataCompass builds connection strings and opens live connections for postgresql sources only.",
                    resolved.SourceName);
            }

            return new NpgsqlConnectionStringBuilder
            {
                Host = TextOf(resolved, "host"),
                Port = (int)Number(resolved, "port"),
                Database = TextOf(resolved, "database"),
                Username = TextOf(resolved, "username"),
                // Never null: Npgsql falls back to PGPASSWORD and .pgpass only when no password is given.
                Password = TextOf(resolved, "password") ?? string.Empty,
                SslMode = SslModeOf(TextOf(resolved, "ssl_mode")),
                Timeout = (int)Number(resolved, "connect_timeout"),
                CommandTimeout = (int)Number(resolved, "query_timeout"),
            };
        }

        /// <summary>
        /// For a live test: the source's settings and nothing from the machine. No pooled connection (one opened
        /// before a rotation would still log in), no password from PGPASSWORD or .pgpass, and only password
        /// authentication, so neither Kerberos, SSPI, a client certificate alone nor a server's trust line can
        /// stand in for the credentials the source names.
        /// </summary>
        internal static NpgsqlConnectionStringBuilder ForLiveTest(ResolvedConnection resolved)
        {
            var builder = For(resolved);
            builder.Pooling = false;
            builder.Passfile = null;
            builder.RequireAuth = "ScramSHA256,MD5,Password";
            builder.GssEncryptionMode = GssEncryptionMode.Disable;
            builder.ApplicationName = "DataCompass Test-DcSource";
            return builder;
        }

        private static string? TextOf(ResolvedConnection resolved, string field) =>
            Value(resolved, field) switch
            {
                null => null,
                string text => text,
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString(),
            };

        private static long Number(ResolvedConnection resolved, string field) =>
            Value(resolved, field) switch
            {
                long number => number,
                int number => number,
                string text when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => throw new DataCompassException(
                    DcError.ConnectionInfoInvalid,
                    $"Source '{resolved.SourceName}', field '{field}' holds no whole number.",
                    resolved.SourceName + "." + field),
            };

        private static object? Value(ResolvedConnection resolved, string field) =>
            resolved.Values.TryGetValue(field, out var value) && value != null ? value : resolved.Adapter.FindField(field)?.Default;

        private static SslMode SslModeOf(string? mode) => mode switch
        {
            "disable" => SslMode.Disable,
            "allow" => SslMode.Allow,
            "require" => SslMode.Require,
            "verify-ca" => SslMode.VerifyCA,
            "verify-full" => SslMode.VerifyFull,
            _ => SslMode.Prefer,
        };
    }
}

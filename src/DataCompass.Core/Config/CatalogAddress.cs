using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Config
{
    /// <summary>
    /// A catalog on a PostgreSQL server: <c>postgresql://user:password@host:port/database?sslmode=...</c> (also
    /// <c>postgres://</c> and SQLAlchemy's <c>postgresql+driver://</c>, as the Python tool's DATACOMPASS_DATABASE_URL
    /// may hold). The password is a reference, <c>${VAR}</c> or <c>${secret:Vault/Name}</c>, resolved when the
    /// catalog is opened; a literal password is taken from $env:DATACOMPASS_DATABASE_URL only (it is there already)
    /// and never from -Database, where it would stay in the command history. <see cref="Text"/>, the catalog's name
    /// in every message and object, never holds a literal password.
    /// </summary>
    public sealed class CatalogAddress
    {
        public const string UrlVariable = "DATACOMPASS_DATABASE_URL";

        /// <summary>What <see cref="Text"/> shows in place of a literal password.</summary>
        public const string LiteralPasswordMask = "********";

        private static readonly string[] SslModes = { "disable", "allow", "prefer", "require", "verify-ca", "verify-full" };

        private CatalogAddress(string user, string password, bool passwordIsReference, string host, int port, string database, string sslMode, int connectTimeout)
        {
            User = user;
            Password = password;
            PasswordIsReference = passwordIsReference;
            Host = host;
            Port = port;
            Database = database;
            SslMode = sslMode;
            ConnectTimeout = connectTimeout;
        }

        public string User { get; }

        /// <summary>The reference (<c>${VAR}</c>, <c>${secret:Vault/Name}</c>), or the literal password from the environment.</summary>
        internal string Password { get; }

        public bool PasswordIsReference { get; }

        public string Host { get; }

        public int Port { get; }

        public string Database { get; }

        public string SslMode { get; }

        public int ConnectTimeout { get; }

        /// <summary>The address as DataCompass names the catalog: references kept, a literal password masked.</summary>
        public string Text =>
            $"postgresql://{Uri.EscapeDataString(User)}:{(PasswordIsReference ? Password : LiteralPasswordMask)}@{HostText}:{Port.ToString(CultureInfo.InvariantCulture)}/{Uri.EscapeDataString(Database)}?sslmode={SslMode}";

        private string HostText => Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host;

        public override string ToString() => Text;

        /// <summary>Whether the text names a server catalog (and so is no file path).</summary>
        public static bool IsAddress(string? text) =>
            text != null && (text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
                || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
                || text.StartsWith("postgresql+", StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// The address a catalog name stands for. A name with the masked password (<see cref="Text"/> of the address in
        /// $env:DATACOMPASS_DATABASE_URL, as a piped source carries it) is that address, literal password and all;
        /// any other name is parsed as -Database text, where a literal password is refused.
        /// </summary>
        public static CatalogAddress FromName(string name, Func<string, string?> environment)
        {
            if (name.Contains(":" + LiteralPasswordMask + "@", StringComparison.Ordinal))
            {
                var fromEnvironment = environment(UrlVariable);
                var address = IsAddress(fromEnvironment) ? Parse(fromEnvironment!, "$env:" + UrlVariable, allowLiteralPassword: true) : null;
                if (address == null || !string.Equals(address.Text, name, StringComparison.Ordinal))
                {
                    throw new DataCompassException(
                        DcError.DatabaseUrlInvalid,
                        $"The catalog {name} took its password from $env:{UrlVariable}, which no longer names it.",
                        name);
                }

                return address;
            }

            return Parse(name, "-Database", allowLiteralPassword: false);
        }

        /// <param name="origin">Where the text came from, for messages: "-Database" or "$env:DATACOMPASS_DATABASE_URL".</param>
        /// <param name="allowLiteralPassword">Only for the environment variable (see the class remarks).</param>
        public static CatalogAddress Parse(string text, string origin, bool allowLiteralPassword)
        {
            var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
            if (!IsAddress(text) || schemeEnd < 0)
            {
                throw Invalid(origin, "it does not start with postgresql://");
            }

            var rest = text.Substring(schemeEnd + 3);
            var queryStart = rest.IndexOf('?');
            var query = queryStart >= 0 ? rest.Substring(queryStart + 1) : string.Empty;
            rest = queryStart >= 0 ? rest.Substring(0, queryStart) : rest;

            // A reference may hold '/' and ':' (${secret:Vault/Name}), so the user part ends at the last '@'.
            var at = rest.LastIndexOf('@');
            if (at < 0)
            {
                throw Invalid(origin, "it names no user (postgresql://user:${PASSWORD_VARIABLE}@host/database): DataCompass never logs in as the operating system user");
            }

            var userInfo = rest.Substring(0, at);
            var server = rest.Substring(at + 1);
            var colon = userInfo.IndexOf(':');
            var user = Decode(colon >= 0 ? userInfo.Substring(0, colon) : userInfo, origin, "user");
            var password = colon >= 0 ? userInfo.Substring(colon + 1) : string.Empty;
            if (user.Length == 0)
            {
                throw Invalid(origin, "its user name is empty");
            }

            if (password.Length == 0)
            {
                throw Invalid(origin, "it has no password: give it as a reference, postgresql://user:${PASSWORD_VARIABLE}@host/database or postgresql://user:${secret:Vault/Name}@host/database (no .pgpass or PGPASSWORD is read)");
            }

            var isReference = IsWholeReference(password, origin);
            if (!isReference)
            {
                if (!allowLiteralPassword)
                {
                    throw Invalid(origin, "its password is written in it, where it would stay in the command history and transcripts: put it in an environment variable or a vault and write ${VARIABLE} or ${secret:Vault/Name} instead");
                }

                password = Decode(password, origin, "password");
            }

            var slash = server.IndexOf('/');
            var hostPort = slash >= 0 ? server.Substring(0, slash) : server;
            var database = slash >= 0 ? Decode(server.Substring(slash + 1), origin, "database") : string.Empty;
            if (database.Length == 0 || database.IndexOf('/') >= 0)
            {
                throw Invalid(origin, "it names no database (postgresql://user:${PASSWORD_VARIABLE}@host:5432/database)");
            }

            var (host, port) = SplitHostPort(hostPort, origin);
            var (sslMode, timeout) = ReadQuery(query, origin);
            return new CatalogAddress(user, password, isReference, host, port, database, sslMode, timeout);
        }

        private static bool IsWholeReference(string password, string origin)
        {
            if (password.IndexOf("${", StringComparison.Ordinal) < 0)
            {
                return false;
            }

            IReadOnlyList<ValueSegment> segments;
            try
            {
                segments = ReferenceGrammar.Parse(password, $"the catalog address from {origin}");
            }
            catch (DataCompassException exception)
            {
                throw Invalid(origin, "its password reference is malformed: " + exception.Message);
            }

            if (segments.Count != 1 || segments[0].Kind == SegmentKind.Literal)
            {
                throw Invalid(origin, "its password must be one whole reference, ${VARIABLE} or ${secret:Vault/Name}, with nothing around it");
            }

            return true;
        }

        private static (string Host, int Port) SplitHostPort(string hostPort, string origin)
        {
            string host;
            string? portText = null;
            if (hostPort.StartsWith("[", StringComparison.Ordinal))
            {
                var close = hostPort.IndexOf(']');
                if (close < 0)
                {
                    throw Invalid(origin, "its IPv6 host has no closing ']'");
                }

                host = hostPort.Substring(1, close - 1);
                var after = hostPort.Substring(close + 1);
                if (after.Length > 0)
                {
                    if (after[0] != ':')
                    {
                        throw Invalid(origin, "its host is followed by something that is not a port");
                    }

                    portText = after.Substring(1);
                }
            }
            else
            {
                var colon = hostPort.IndexOf(':');
                host = colon >= 0 ? hostPort.Substring(0, colon) : hostPort;
                portText = colon >= 0 ? hostPort.Substring(colon + 1) : null;
            }

            if (host.Length == 0)
            {
                throw Invalid(origin, "it names no host");
            }

            var port = 5432;
            if (portText != null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < 1 || port > 65535))
            {
                throw Invalid(origin, $"its port '{portText}' is not a number from 1 to 65535");
            }

            return (host, port);
        }

        private static (string SslMode, int Timeout) ReadQuery(string query, string origin)
        {
            var sslMode = "prefer";
            var timeout = 15;
            foreach (var pair in query.Split(new[] { '&' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=');
                var key = equals >= 0 ? pair.Substring(0, equals) : pair;
                var value = equals >= 0 ? Decode(pair.Substring(equals + 1), origin, key) : string.Empty;
                switch (key.ToLowerInvariant())
                {
                    case "sslmode":
                        if (!SslModes.Contains(value, StringComparer.Ordinal))
                        {
                            throw Invalid(origin, $"its sslmode '{value}' is not one of {string.Join(", ", SslModes)}");
                        }

                        sslMode = value;
                        break;
                    case "connect_timeout":
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out timeout) || timeout < 1 || timeout > 300)
                        {
                            throw Invalid(origin, $"its connect_timeout '{value}' is not a number of seconds from 1 to 300");
                        }

                        break;
                    default:
                        throw Invalid(origin, $"it has the parameter '{key}', which DataCompass does not use (sslmode and connect_timeout are known)");
                }
            }

            return (sslMode, timeout);
        }

        private static string Decode(string text, string origin, string part)
        {
            try
            {
                return Uri.UnescapeDataString(text);
            }
            catch (UriFormatException)
            {
                throw Invalid(origin, $"its {part} is not valid percent-encoding");
            }
        }

        // The message never repeats the address: it may hold a password.
        private static DataCompassException Invalid(string origin, string why) =>
            new DataCompassException(DcError.DatabaseUrlInvalid, $"The catalog address from {origin} is not usable: {why}.", origin);
    }
}

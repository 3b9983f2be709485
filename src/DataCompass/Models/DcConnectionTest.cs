using System;

namespace DataCompass
{
    /// <summary>The outcome of Test-DcSource -Connect for one source: a real login, or why not. Holds no secret value.</summary>
    public sealed class DcConnectionTest
    {
        internal DcConnectionTest(string source, string type, DcConnectionStatus status, bool connected, TimeSpan? latency, string? endpoint,
            string? userName, string? serverVersion, string? sqlState, bool reResolved, string message)
        {
            Source = source;
            Type = type;
            Status = status;
            Connected = connected;
            Latency = latency;
            Endpoint = endpoint;
            UserName = userName;
            ServerVersion = serverVersion;
            SqlState = sqlState;
            ReResolved = reResolved;
            Message = message;
        }

        public string Source { get; }

        public string Type { get; }

        /// <summary>
        /// Connected, AuthenticationFailed, Unreachable, TimedOut, TlsFailed, ServerError, Failed, Unresolved (a
        /// reference did not resolve, nothing was tried) or NotAvailable (no live test for the source's type).
        /// </summary>
        public DcConnectionStatus Status { get; }

        public bool Connected { get; }

        /// <summary>Time to open the connection (TCP, TLS, login) and run one query; only when connected.</summary>
        public TimeSpan? Latency { get; }

        /// <summary>host:port/database, as the source names them.</summary>
        public string? Endpoint { get; }

        public string? UserName { get; }

        public string? ServerVersion { get; }

        /// <summary>The server's SQLSTATE when it refused (28P01: wrong password).</summary>
        public string? SqlState { get; }

        /// <summary>Whether the references were resolved again after an authentication failure (a secret rotated meanwhile).</summary>
        public bool ReResolved { get; }

        /// <summary>What happened, in the server's words where it answered; every secret value masked.</summary>
        public string Message { get; }

        public override string ToString() => $"{Source}: {Status}";
    }
}

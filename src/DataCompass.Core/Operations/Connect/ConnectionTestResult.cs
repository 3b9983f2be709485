using System;

namespace DataCompass.Core.Operations.Connect
{
    /// <summary>The outcome of a live connection test of one source. Holds no secret value.</summary>
    public sealed class ConnectionTestResult
    {
        public ConnectionTestResult(string source, string sourceType, ConnectionTestStatus status, string message)
        {
            Source = source;
            SourceType = sourceType;
            Status = status;
            Message = message;
        }

        public string Source { get; }

        public string SourceType { get; }

        public ConnectionTestStatus Status { get; }

        public bool Connected => Status == ConnectionTestStatus.Connected;

        /// <summary>Time to open the connection (TCP, TLS, authentication) and run one query; set when connected.</summary>
        public TimeSpan? Latency { get; init; }

        /// <summary>host:port/database as the source names them.</summary>
        public string? Endpoint { get; init; }

        public string? UserName { get; init; }

        public string? ServerVersion { get; init; }

        /// <summary>The server's SQLSTATE, when the server refused.</summary>
        public string? SqlState { get; init; }

        /// <summary>Whether the references were resolved a second time after an authentication failure.</summary>
        public bool ReResolved { get; init; }

        /// <summary>What happened, in the server's words where it answered, with every secret value masked.</summary>
        public string Message { get; }

        /// <summary>The same outcome with more said about it.</summary>
        public ConnectionTestResult Adding(string text, bool? reResolved = null) =>
            new ConnectionTestResult(Source, SourceType, Status, Message + " " + text)
            {
                Latency = Latency, Endpoint = Endpoint, UserName = UserName, ServerVersion = ServerVersion, SqlState = SqlState,
                ReResolved = reResolved ?? ReResolved,
            };
    }
}

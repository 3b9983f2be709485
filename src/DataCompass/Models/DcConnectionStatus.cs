using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace DataCompass
{
    /// <summary>What Test-DcSource -Connect found for one source (DcConnectionTest.Status). ConvertTo-Json writes its name, not its number.</summary>
    [JsonConverter(typeof(StringEnumConverter))]
    public enum DcConnectionStatus
    {
        /// <summary>Logged in and ran a query.</summary>
        Connected,

        /// <summary>The server refused the credentials (SQLSTATE 28P01 or 28000).</summary>
        AuthenticationFailed,

        /// <summary>Nothing answered at the host and port.</summary>
        Unreachable,

        /// <summary>The server did not answer within the source's connect_timeout.</summary>
        TimedOut,

        /// <summary>TLS could not be set up as the source's ssl_mode asks.</summary>
        TlsFailed,

        /// <summary>The server answered with another error.</summary>
        ServerError,

        /// <summary>The connection failed for another reason; the message says which.</summary>
        Failed,

        /// <summary>A reference did not resolve, so no connection was tried.</summary>
        Unresolved,

        /// <summary>DataCompass has no live test for the source's type; its references were checked.</summary>
        NotAvailable,
    }
}

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace DataCompass
{
    /// <summary>What refers to a vault secret (DcSecretUser.Kind). ConvertTo-Json writes its name, not its number.</summary>
    [JsonConverter(typeof(StringEnumConverter))]
    public enum DcSecretUserKind
    {
        /// <summary>A data source.</summary>
        Source,

        /// <summary>A notification channel of the Python tool.</summary>
        NotificationChannel,
    }
}

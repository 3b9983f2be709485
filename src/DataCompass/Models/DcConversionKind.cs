using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace DataCompass
{
    /// <summary>Which kind of catalog row a converted value lives in (DcConversionResult.Kind). ConvertTo-Json writes its name, not its number.</summary>
    [JsonConverter(typeof(StringEnumConverter))]
    public enum DcConversionKind
    {
        /// <summary>A field of a data source.</summary>
        DataSource,

        /// <summary>A value in the config of one of the Python tool's notification channels.</summary>
        NotificationChannel,
    }
}

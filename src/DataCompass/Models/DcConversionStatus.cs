using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace DataCompass
{
    /// <summary>What Convert-DcSourceSecret did with one secret field (DcConversionResult.Status). ConvertTo-Json writes its name, not its number.</summary>
    [JsonConverter(typeof(StringEnumConverter))]
    public enum DcConversionStatus
    {
        /// <summary>The plaintext value now lives in the vault; the row holds its reference.</summary>
        Converted,

        /// <summary>Nothing to do: a reference, an empty value, or already in a vault.</summary>
        AlreadySafe,

        /// <summary>The Python tool's legacy value "**********": not a credential, never migrated.</summary>
        Broken,

        /// <summary>Literal text mixed with references: it cannot move to a vault as one secret.</summary>
        Mixed,

        /// <summary>The conversion of this field failed; the row still holds its original value.</summary>
        Failed,

        /// <summary>Would be converted (-WhatIf).</summary>
        Planned,

        /// <summary>Not converted: the user answered no at the -Confirm prompt.</summary>
        Declined,

        /// <summary>A notification channel's plaintext value, left as it is without -IncludeNotificationChannel.</summary>
        NotSelected,
    }
}

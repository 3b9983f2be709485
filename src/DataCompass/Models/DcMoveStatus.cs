using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace DataCompass
{
    /// <summary>What Move-DcSourceSecret did with one reference (DcSecretMoveResult.Status). ConvertTo-Json writes its name, not its number.</summary>
    [JsonConverter(typeof(StringEnumConverter))]
    public enum DcMoveStatus
    {
        /// <summary>Copied to the target vault, read back, and the field now refers to the copy.</summary>
        Moved,

        /// <summary>The field already refers to the target vault: nothing to do.</summary>
        AlreadyMoved,

        /// <summary>Left as it is: a secret no field can use (a byte array), or a reference inside a list value.</summary>
        Skipped,

        /// <summary>The move of this field failed; the row still holds its old reference.</summary>
        Failed,

        /// <summary>Not moved: -WhatIf, or No at -Confirm.</summary>
        Declined,

        /// <summary>To be moved: the state of an item between planning and its turn in the run.</summary>
        Planned,
    }
}

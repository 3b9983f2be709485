namespace DataCompass.Core.Operations.Convert
{
    public enum ConversionStatus
    {
        /// <summary>The plaintext value now lives in the vault; the row holds its reference.</summary>
        Converted,

        /// <summary>Nothing to do: a reference, an empty value, or already in a vault.</summary>
        AlreadySafe,

        /// <summary>The Python tool's broken legacy value "**********": not a credential, never migrated.</summary>
        Broken,

        /// <summary>Literal text mixed with references: it cannot move to a vault as one secret.</summary>
        Mixed,

        /// <summary>The conversion of this field failed; the row still holds its original value.</summary>
        Failed,

        /// <summary>Would be converted (-WhatIf).</summary>
        Planned,

        /// <summary>Not converted: the user answered no at the -Confirm prompt.</summary>
        Declined,

        /// <summary>A plaintext value of a notification channel, left as it is because channels were not selected for conversion.</summary>
        NotSelected,
    }
}

namespace DataCompass.Core.Operations.Move
{
    public enum MoveStatus
    {
        /// <summary>Copied to the target vault, read back, and the field now refers to the copy.</summary>
        Moved,

        /// <summary>The field already refers to the target vault: nothing to do.</summary>
        AlreadyMoved,

        /// <summary>Left as it is: a secret no field can use (a byte array), or a reference inside a list value.</summary>
        Skipped,

        /// <summary>The move of this field failed; the row still holds its old reference.</summary>
        Failed,

        /// <summary>Not moved because ShouldProcess said no (-WhatIf, or No at -Confirm).</summary>
        Declined,

        /// <summary>To be moved: the state of an item between planning and its turn in the run.</summary>
        Planned,
    }
}

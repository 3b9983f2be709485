namespace DataCompass
{
    /// <summary>What Move-DcSourceSecret did with one reference of one source field. Holds no value.</summary>
    public sealed class DcSecretMoveResult
    {
        internal DcSecretMoveResult(string source, string field, string? from, string? to, DcMoveStatus status, bool removed, string? message)
        {
            Source = source;
            Field = field;
            From = from;
            To = to;
            Status = status;
            Removed = removed;
            Message = message;
        }

        public string Source { get; }

        public string Field { get; }

        /// <summary>The reference the field held: ${secret:Vault/Name}, or vault://Vault/Name for secret_ref. Null when it was already moved.</summary>
        public string? From { get; }

        /// <summary>The reference the field holds (or would hold) after the move.</summary>
        public string? To { get; }

        /// <summary>Moved, AlreadyMoved, Skipped, Failed, or Declined (-WhatIf, or No at -Confirm).</summary>
        public DcMoveStatus Status { get; }

        /// <summary>True when the old copy was removed from its vault (-RemoveOld); the Message says why one was kept.</summary>
        public bool Removed { get; }

        public string? Message { get; }

        public override string ToString() => $"{Source}.{Field}: {Status}";
    }
}

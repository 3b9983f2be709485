namespace DataCompass
{
    /// <summary>One field's change in an audit event: each side a reference or a provenance word (plaintext, ...), never a value.</summary>
    public sealed class DcAuditFieldChange
    {
        internal DcAuditFieldChange(string field, string? old, string? @new)
        {
            Field = field;
            Old = old;
            New = @new;
        }

        public string Field { get; }

        /// <summary>What the field held before, or null (an add, or a field that was not there).</summary>
        public string? Old { get; }

        /// <summary>What the field holds after, or null (a removal).</summary>
        public string? New { get; }

        /// <summary>password: plaintext -> ${secret:Vault/Name}; the field alone when neither side is recorded.</summary>
        public override string ToString() =>
            Old == null && New == null ? Field : $"{Field}: {Old ?? "(none)"} -> {New ?? "(none)"}";
    }
}

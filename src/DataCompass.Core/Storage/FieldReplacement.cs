namespace DataCompass.Core.Storage
{
    /// <summary>One field of one row to change from an expected value to a new one (see SourceCatalog.ReplaceValues).</summary>
    public sealed class FieldReplacement
    {
        public FieldReplacement(long sourceId, string field, string expected, string replacement, AuditFieldChange? change = null)
        {
            Change = change;
            SourceId = sourceId;
            Field = field;
            Expected = expected;
            Replacement = replacement;
        }

        public long SourceId { get; }

        public string Field { get; }

        public string Expected { get; }

        public string Replacement { get; }

        /// <summary>How the audit trail shows this change (old and new reference or provenance).</summary>
        public AuditFieldChange? Change { get; }

        public override string ToString() => $"source {SourceId}, field '{Field}'";
    }
}

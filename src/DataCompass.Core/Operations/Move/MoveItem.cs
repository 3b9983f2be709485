using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Operations.Move
{
    /// <summary>One reference of one source field to a secret in the vault being moved from, and what became of it. Holds no value.</summary>
    public sealed class MoveItem
    {
        internal MoveItem(long sourceId, string source, string field, SecretReference? from, SecretReference? to, bool isSecretRef, MoveStatus status)
        {
            SourceId = sourceId;
            Source = source;
            Field = field;
            FromSecret = from;
            ToSecret = to;
            IsSecretRef = isSecretRef;
            Status = status;
        }

        public long SourceId { get; }

        public string Source { get; }

        public string Field { get; }

        /// <summary>The secret the field refers to now (null for a row that could not be read).</summary>
        public SecretReference? FromSecret { get; }

        /// <summary>The copy the field refers to once moved.</summary>
        public SecretReference? ToSecret { get; }

        /// <summary>True for a secret_ref field (vault://Vault/Name, a Hashtable secret).</summary>
        public bool IsSecretRef { get; }

        /// <summary>The reference as the field holds it before the move.</summary>
        public string? From => FromSecret == null ? null : IsSecretRef ? FromSecret.ToUri() : FromSecret.ToPlaceholder();

        /// <summary>The reference the field holds (or would hold) after the move.</summary>
        public string? To => ToSecret == null ? null : IsSecretRef ? ToSecret.ToUri() : ToSecret.ToPlaceholder();

        public MoveStatus Status { get; internal set; }

        /// <summary>True when the old copy was removed from its vault (-RemoveOld).</summary>
        public bool Removed { get; internal set; }

        /// <summary>Why the field failed, was skipped or kept its old copy; never a value.</summary>
        public string? Message { get; internal set; }

        /// <summary>Why the old copy could not be removed after the move (the field itself moved).</summary>
        public DataCompassException? RemovalProblem { get; internal set; }

        /// <summary>Why planning failed (a row that cannot be read), for the error record.</summary>
        public DataCompassException? Problem { get; internal set; }

        internal string Context => $"Source '{Source}', field '{Field}'";

        public override string ToString() => $"{Source}.{Field}: {Status}";
    }
}

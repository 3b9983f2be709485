namespace DataCompass.Core.Sources
{
    /// <summary>A stored field as it may be shown: the value is safe to display (secrets masked).</summary>
    public sealed class FieldDescription
    {
        public FieldDescription(string name, object? displayValue, ValueProvenance provenance, bool isSecret, bool isKnownField)
        {
            Name = name;
            DisplayValue = displayValue;
            Provenance = provenance;
            IsSecret = isSecret;
            IsKnownField = isKnownField;
        }

        public string Name { get; }

        public object? DisplayValue { get; }

        public ValueProvenance Provenance { get; }

        public bool IsSecret { get; }

        /// <summary>False for a key the adapter does not declare (a database written by another tool may hold one).</summary>
        public bool IsKnownField { get; }
    }
}

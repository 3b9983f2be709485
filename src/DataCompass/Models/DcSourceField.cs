namespace DataCompass
{
    /// <summary>One field of a catalogued source. <see cref="Value"/> never holds a secret: literal secret text is masked.</summary>
    public sealed class DcSourceField
    {
        internal DcSourceField(string source, string name, object? value, DcProvenance provenance, bool isSecret)
        {
            Source = source;
            Name = name;
            Value = value;
            Provenance = provenance;
            IsSecret = isSecret;
        }

        public string Source { get; }

        public string Name { get; }

        /// <summary>The stored value as it may be shown: references as written, secret text as ********.</summary>
        public object? Value { get; }

        public DcProvenance Provenance { get; }

        public bool IsSecret { get; }

        public override string ToString() => $"{Name}: {DisplayText} ({Provenance.ToString().ToLowerInvariant()})";

        internal string DisplayText => Value switch
        {
            null => string.Empty,
            System.Collections.IEnumerable items when !(Value is string) => string.Join(", ", System.Linq.Enumerable.Cast<object?>(items)),
            _ => Value.ToString() ?? string.Empty,
        };
    }
}

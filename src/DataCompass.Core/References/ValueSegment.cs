namespace DataCompass.Core.References
{
    public enum SegmentKind
    {
        /// <summary>Text taken as written.</summary>
        Literal,

        /// <summary><c>${VAR}</c> or <c>${VAR:-default}</c>.</summary>
        Environment,

        /// <summary><c>${secret:Name}</c> or <c>${secret:Vault/Name}</c>.</summary>
        Secret,
    }

    /// <summary>One piece of a parsed field value: literal text or a placeholder.</summary>
    public sealed class ValueSegment
    {
        private ValueSegment(SegmentKind kind, string text, string? variable, string? defaultValue, SecretReference? secret)
        {
            Kind = kind;
            Text = text;
            Variable = variable;
            DefaultValue = defaultValue;
            Secret = secret;
        }

        public SegmentKind Kind { get; }

        /// <summary>The segment exactly as written in the value.</summary>
        public string Text { get; }

        /// <summary>The environment variable name, for <see cref="SegmentKind.Environment"/>.</summary>
        public string? Variable { get; }

        /// <summary>The text after ":-", or null when the placeholder has no default.</summary>
        public string? DefaultValue { get; }

        public SecretReference? Secret { get; }

        internal static ValueSegment Literal(string text) => new ValueSegment(SegmentKind.Literal, text, null, null, null);

        internal static ValueSegment Environment(string text, string variable, string? defaultValue) =>
            new ValueSegment(SegmentKind.Environment, text, variable, defaultValue, null);

        internal static ValueSegment SecretPlaceholder(string text, SecretReference secret) =>
            new ValueSegment(SegmentKind.Secret, text, null, null, secret);
    }
}

namespace DataCompass.Core.Operations.Add
{
    /// <summary>A secret value on its way to a vault. Deliberately has no ToString that shows the value.</summary>
    public sealed class PendingSecret
    {
        public PendingSecret(string field, string vault, string name, string value)
        {
            Field = field;
            Vault = vault;
            Name = name;
            Value = value;
        }

        public string Field { get; }

        public string Vault { get; }

        public string Name { get; }

        internal string Value { get; }

        public string Reference => "${secret:" + Vault + "/" + Name + "}";

        public override string ToString() => $"{Field} -> {Reference}";
    }
}

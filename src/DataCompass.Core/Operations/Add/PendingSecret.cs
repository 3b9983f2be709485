namespace DataCompass.Core.Operations.Add
{
    /// <summary>A secret value on its way to a vault. Deliberately has no ToString that shows the value.</summary>
    public sealed class PendingSecret
    {
        public PendingSecret(string field, string vault, string name, string value, bool alreadyWritten = false)
        {
            Field = field;
            Vault = vault;
            Name = name;
            Value = value;
            AlreadyWritten = alreadyWritten;
        }

        public string Field { get; }

        public string Vault { get; }

        public string Name { get; }

        internal string Value { get; }

        /// <summary>The vault already holds this value under this name (left by an interrupted add): it is used, not written.</summary>
        public bool AlreadyWritten { get; }

        public string Reference => "${secret:" + Vault + "/" + Name + "}";

        public override string ToString() => AlreadyWritten ? $"{Field} -> {Reference} (already in the vault)" : $"{Field} -> {Reference}";
    }
}

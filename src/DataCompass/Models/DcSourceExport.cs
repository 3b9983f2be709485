namespace DataCompass
{
    /// <summary>One source exported by Export-DcSource: its source file's text, which holds references and never a secret value.</summary>
    public sealed class DcSourceExport
    {
        internal DcSourceExport(string name, string type, string yaml)
        {
            Name = name;
            Type = type;
            Yaml = yaml;
        }

        public string Name { get; }

        public string Type { get; }

        /// <summary>The text of the source file, in the format Add-DcSource -Path reads.</summary>
        public string Yaml { get; }

        public override string ToString() => Yaml;
    }
}

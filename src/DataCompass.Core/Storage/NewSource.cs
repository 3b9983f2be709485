using DataCompass.Core.Common;




namespace DataCompass.Core.Storage
{
    /// <summary>A validated source, ready to be inserted.</summary>
    public sealed class NewSource
    {
        public NewSource(string name, string sourceType, string? displayName, OrderedMap connectionInfo)
        {
            Name = name;
            SourceType = sourceType;
            DisplayName = displayName;
            ConnectionInfo = connectionInfo;
        }

        public string Name { get; }

        public string SourceType { get; }

        public string? DisplayName { get; }

        public OrderedMap ConnectionInfo { get; }
    }
}

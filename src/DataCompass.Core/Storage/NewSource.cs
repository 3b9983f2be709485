using DataCompass.Core.Common;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// A validated source, ready to be inserted. Its connection_info is serialised when it is made, so the
    /// value a plan shows (and asks permission for) is the value stored: nobody can change it in between.
    /// </summary>
    public sealed class NewSource
    {
        public NewSource(string name, string sourceType, string? displayName, OrderedMap connectionInfo, bool isActive = true)
        {
            Name = name;
            IsActive = isActive;
            SourceType = sourceType;
            DisplayName = displayName;
            ConnectionInfoJson = Common.ConnectionInfoJson.Serialize(connectionInfo);
        }

        public string Name { get; }

        public string SourceType { get; }

        public string? DisplayName { get; }

        /// <summary>The is_active flag the row is inserted with.</summary>
        public bool IsActive { get; }

        /// <summary>connection_info as stored: Python-compatible JSON.</summary>
        public string ConnectionInfoJson { get; }

        /// <summary>A fresh copy of connection_info, for reading.</summary>
        public OrderedMap ConnectionInfo => Common.ConnectionInfoJson.Deserialize(ConnectionInfoJson, Name);
    }
}

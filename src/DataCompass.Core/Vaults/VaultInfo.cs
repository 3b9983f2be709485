namespace DataCompass.Core.Vaults
{
    /// <summary>A registered SecretManagement vault.</summary>
    public sealed class VaultInfo
    {
        public VaultInfo(string name, string moduleName, bool isDefault)
        {
            Name = name;
            ModuleName = moduleName;
            IsDefault = isDefault;
        }

        public string Name { get; }

        public string ModuleName { get; }

        public bool IsDefault { get; }
    }
}

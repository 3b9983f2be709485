namespace DataCompass.Core.Storage
{
    /// <summary>A vault secret DataCompass created for one field of one source.</summary>
    public sealed class OwnedSecret
    {
        public OwnedSecret(string field, string vault, string secretName, string? sourceName = null)
        {
            Field = field;
            Vault = vault;
            SecretName = secretName;
            SourceName = sourceName;
        }

        public string Field { get; }

        public string Vault { get; }

        public string SecretName { get; }

        /// <summary>The owning source, when read back from the catalog.</summary>
        public string? SourceName { get; }
    }
}

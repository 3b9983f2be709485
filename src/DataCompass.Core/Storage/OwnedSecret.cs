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

        /// <summary>
        /// The record key of a secret the source owned for <paramref name="field"/> until a credential rotation
        /// switched the field to another one; it is removed from the vault once no source refers to it.
        /// </summary>
        public static string ReplacedFieldOf(string field) => field + ":replaced";

        /// <summary>
        /// The record key of a secret the source owned for <paramref name="field"/> in <paramref name="vault"/> until
        /// Set-DcSourceSecret -Vault moved the field to another vault. The secret is kept; the record says who made it.
        /// </summary>
        public static string LeftBehindFieldOf(string field, string vault) => field + ":left:" + vault;

        /// <summary>The owning source, when read back from the catalog.</summary>
        public string? SourceName { get; }
    }
}

using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// A vault secret under a name DataCompass planned, that no source owns or refers to: what a run killed
    /// between its vault write and its catalog transaction leaves. Holding exactly the value being written, it is
    /// that leftover (or as good as it), and a re-run uses it instead of failing on the name; any other value
    /// stays a conflict.
    /// </summary>
    public static class UnclaimedSecret
    {
        public static bool Exists(string vault, string secretName, ISecretBackend backend, ICatalogLookup catalog) =>
            backend.GetSecretType(vault, secretName) != null
            && catalog.FindSecretOwner(vault, secretName) == null
            && SourceReferences.FirstUser(catalog.ListSources(), vault, secretName) == null;

        public static bool Holds(string vault, string secretName, string value, ISecretBackend backend) => backend.Get(vault, secretName).IsText(value);
    }
}

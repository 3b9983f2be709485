using System.Collections.Generic;

namespace DataCompass.Core.Storage
{
    /// <summary>What the add-time policy needs to know about the catalog, without writing to it.</summary>
    public interface ICatalogLookup
    {
        /// <summary>Throws DcSourceExists when a source of that name (ignoring case) is catalogued.</summary>
        void EnsureNameIsFree(string name);

        /// <summary>Which source, if any, DataCompass created this vault secret for.</summary>
        string? FindSecretOwner(string vault, string secretName);

        /// <summary>Every catalogued source (none when there is no catalog yet).</summary>
        IReadOnlyList<StoredSource> ListSources();
    }
}

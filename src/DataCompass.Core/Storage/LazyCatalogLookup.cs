using System;
using System.Collections.Generic;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// Opens the catalog for reading only when first asked. A WAL database gains -shm/-wal files when it is
    /// read, so a command that never needs to look (e.g. -WhatIf on a source with only references) leaves the
    /// folder exactly as it was. A catalog that does not exist yet has no names and owns no secrets.
    /// </summary>
    public sealed class LazyCatalogLookup : ICatalogLookup, IDisposable
    {
        private readonly string _path;
        private SourceCatalog? _catalog;
        private bool _opened;

        public LazyCatalogLookup(string path)
        {
            _path = path;
        }

        public void EnsureNameIsFree(string name) => Catalog()?.EnsureNameIsFree(name);

        public string? FindSecretOwner(string vault, string secretName) => Catalog()?.FindSecretOwner(vault, secretName);

        public IReadOnlyList<StoredSource> ListSources() => Catalog()?.ListSources() ?? Array.Empty<StoredSource>();

        public void Dispose() => _catalog?.Dispose();

        private SourceCatalog? Catalog()
        {
            if (!_opened)
            {
                _catalog = SourceCatalog.OpenForRead(_path);
                _opened = true;
            }

            return _catalog;
        }
    }
}

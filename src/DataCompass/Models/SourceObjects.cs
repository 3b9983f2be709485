using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass
{
    /// <summary>Builds the objects PowerShell sees from the core's stored rows.</summary>
    internal static class SourceObjects
    {
        public static DcSource ToDcSource(StoredSource source, string database)
        {
            var fields = SourceDescriber.Describe(source.Name, AdapterCatalog.Find(source.SourceType), source.ConnectionInfo)
                .Select(field => new DcSourceField(source.Name, field.Name, field.DisplayValue, ToProvenance(field.Provenance), field.IsSecret))
                .ToArray();
            return new DcSource(source.Id, source.Name, source.DisplayName, source.SourceType, source.IsActive, fields,
                source.CreatedAt, source.UpdatedAt, source.LastScanAt, source.LastScanStatus, database);
        }

        private static DcProvenance ToProvenance(ValueProvenance provenance) => provenance switch
        {
            ValueProvenance.Literal => DcProvenance.Literal,
            ValueProvenance.Environment => DcProvenance.Env,
            ValueProvenance.Vault => DcProvenance.Vault,
            ValueProvenance.Encrypted => DcProvenance.Encrypted,
            ValueProvenance.Plaintext => DcProvenance.Plaintext,
            _ => DcProvenance.None,
        };
    }
}

using System.Collections.Generic;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Encryption
{
    /// <summary>One encrypted value in the catalog: which source, which field, and the stored enc:v1 text.</summary>
    public sealed class EncryptedField
    {
        private EncryptedField(StoredSource source, string field, string stored)
        {
            SourceId = source.Id;
            Source = source.Name;
            Field = field;
            Stored = stored;
            KeyId = EncryptedValue.KeyIdOf(stored);
        }

        public long SourceId { get; }

        public string Source { get; }

        public string Field { get; }

        /// <summary>The id of the key that made it; null when the stored value is damaged.</summary>
        public string? KeyId { get; }

        internal string Stored { get; }

        public string Context => $"Source '{Source}', field '{Field}'";

        /// <summary>Every encrypted value the sources hold, in catalog order.</summary>
        public static IEnumerable<EncryptedField> In(IEnumerable<StoredSource> sources)
        {
            foreach (var source in sources)
            {
                foreach (var entry in source.ConnectionInfo)
                {
                    if (entry.Value is string text && EncryptedValue.IsEncrypted(text))
                    {
                        yield return new EncryptedField(source, entry.Key, text);
                    }
                }
            }
        }

        public override string ToString() => $"{Source}.{Field} ({KeyId ?? "damaged"})";
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Sources
{
    /// <summary>Lists the references a stored source holds (environment, vault, secret_ref, encrypted), without resolving any.</summary>
    public static class SourceReferences
    {
        /// <summary>Every reference a stored source holds, field by field, without resolving any.</summary>
        public static IReadOnlyList<FieldReference> List(StoredSource source)
        {
            if (source.ConnectionInfoProblem != null)
            {
                throw source.ConnectionInfoProblem;
            }

            var references = new List<FieldReference>();
            foreach (var entry in source.ConnectionInfo)
            {
                var context = $"source '{source.Name}', field '{entry.Key}'";
                if (string.Equals(entry.Key, SourceValidator.SecretRefField, StringComparison.OrdinalIgnoreCase))
                {
                    var uri = entry.Value as string ?? string.Empty;
                    references.Add(new FieldReference(entry.Key, uri, null, SecretReference.ParseUri(uri, context), isSecretRef: true));
                    continue;
                }

                if (entry.Value is string stored && EncryptedValue.IsEncrypted(stored))
                {
                    references.Add(new FieldReference(entry.Key, EncryptedValue.Prefix + (EncryptedValue.KeyIdOf(stored) ?? "?"), null, null, isSecretRef: false, encrypted: stored));
                    continue;
                }

                foreach (var text in Strings(entry.Value))
                {
                    foreach (var segment in ReferenceGrammar.Parse(text, context))
                    {
                        if (segment.Kind == SegmentKind.Environment)
                        {
                            references.Add(new FieldReference(entry.Key, segment.Text, segment, null, isSecretRef: false));
                        }
                        else if (segment.Kind == SegmentKind.Secret)
                        {
                            references.Add(new FieldReference(entry.Key, segment.Text, segment, segment.Secret, isSecretRef: false));
                        }
                    }
                }
            }

            return references;
        }

        /// <summary>The first source (other than <paramref name="exceptId"/>) whose references include this vault secret, if any.</summary>
        public static string? FirstUser(IEnumerable<StoredSource> sources, string vault, string secretName, long? exceptId = null)
        {
            // Names compare ignoring case: many vaults (SecretStore among them) treat them so, and counting a
            // secret as used once too often is the safe mistake.
            foreach (var source in sources)
            {
                if (source.Id == exceptId)
                {
                    continue;
                }

                try
                {
                    if (List(source).Any(reference =>
                        reference.Secret?.Vault != null
                        && string.Equals(reference.Secret.Vault, vault, StringComparison.OrdinalIgnoreCase)
                        && string.Equals(reference.Secret.Name, secretName, StringComparison.OrdinalIgnoreCase)))
                    {
                        return source.Name;
                    }
                }
                catch (DataCompassException)
                {
                    // A source with a malformed reference cannot be using this secret through it.
                }
            }

            return null;
        }

        private static IEnumerable<string> Strings(object? value)
        {
            if (value is string text)
            {
                yield return text;
            }
            else if (value is IEnumerable<object?> items)
            {
                foreach (var item in items)
                {
                    if (item is string itemText)
                    {
                        yield return itemText;
                    }
                }
            }
        }
    }
}

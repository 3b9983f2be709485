using System;
using System.Collections.Generic;
using DataCompass.Core.Adapters;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Connections
{
    /// <summary>
    /// Resolves a stored source at connection time: environment placeholders with the Python tool's rules, then
    /// the adapter's type checks on the resolved values. Every failing field is reported, not just the first.
    /// </summary>
    public static class ConnectionResolver
    {
        public static ResolvedConnection Resolve(StoredSource source, Func<string, string?> environment)
        {
            var adapter = AdapterCatalog.Find(source.SourceType) ?? throw new DataCompassException(
                DcError.SourceTypeUnknown,
                $"Source '{source.Name}' has the type '{source.SourceType}', which this version of DataCompass does not know. Known types: {string.Join(", ", AdapterCatalog.Types)}.",
                source.Name);

            var failures = new List<FieldFailure>();
            var values = new OrderedMap();
            foreach (var entry in source.ConnectionInfo)
            {
                if (string.Equals(entry.Key, SourceValidator.SecretRefField, StringComparison.OrdinalIgnoreCase))
                {
                    failures.Add(SecretsUnavailable(source.Name, entry.Key, entry.Value as string ?? string.Empty));
                    continue;
                }

                var missing = new List<string>();
                var value = ReferenceGrammar.ExpandEnvironmentDeep(entry.Value, environment, missing);
                foreach (var variable in new HashSet<string>(missing, StringComparer.Ordinal))
                {
                    failures.Add(new FieldFailure(
                        entry.Key,
                        DcError.EnvironmentVariableNotSet,
                        $"Source '{source.Name}', field '{entry.Key}': the environment variable '{variable}' is not set and its placeholder has no default.",
                        variable));
                }

                if (FirstSecretPlaceholder(source.Name, entry.Key, value) is { } reference)
                {
                    failures.Add(SecretsUnavailable(source.Name, entry.Key, reference));
                }

                values.Add(entry.Key, value);
            }

            if (failures.Count == 0)
            {
                // Values held placeholders at add time, so their types are only checked now. Keys the adapter
                // does not declare (from a database another tool wrote) pass through unchecked.
                var known = new OrderedMap();
                foreach (var entry in values)
                {
                    if (adapter.FindField(entry.Key) != null)
                    {
                        known.Add(entry.Key, entry.Value);
                    }
                }

                var checkedValues = SourceValidator.Normalize(adapter, source.Name, known, resolved: true);
                foreach (var entry in values)
                {
                    if (!checkedValues.ContainsKey(entry.Key))
                    {
                        checkedValues.Add(entry.Key, entry.Value);
                    }
                }

                values = checkedValues;
            }

            return new ResolvedConnection(source.Name, adapter, values, failures);
        }

        private static string? FirstSecretPlaceholder(string sourceName, string field, object? value)
        {
            switch (value)
            {
                case string text when ReferenceGrammar.HasPlaceholder(text):
                    foreach (var segment in ReferenceGrammar.Parse(text, $"source '{sourceName}', field '{field}'"))
                    {
                        if (segment.Kind == SegmentKind.Secret)
                        {
                            return segment.Text;
                        }
                    }

                    return null;
                case IList<object?> list:
                    foreach (var item in list)
                    {
                        if (FirstSecretPlaceholder(sourceName, field, item) is { } found)
                        {
                            return found;
                        }
                    }

                    return null;
                default:
                    return null;
            }
        }

        // Vault resolution arrives with the SecretManagement bridge; until then a vault reference is reported
        // plainly instead of being passed on unresolved.
        private static FieldFailure SecretsUnavailable(string sourceName, string field, string reference) =>
            new FieldFailure(
                field,
                DcError.SecretReferenceUnsupported,
                $"Source '{sourceName}', field '{field}': the vault reference '{reference}' cannot be resolved by this version of DataCompass.",
                reference);
    }
}

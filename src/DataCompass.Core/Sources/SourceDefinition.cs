using System.Collections.Generic;
using DataCompass.Core.Adapters;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// Turns what a user gave (name, type, fields) into a validated draft. Nothing here touches the database
    /// or a vault, so a bad input never changes either.
    /// </summary>
    public static class SourceDefinition
    {
        public static DraftSource Prepare(string name, string type, string? displayName, OrderedMap fields)
        {
            SourceNames.Validate(name);
            var adapter = AdapterCatalog.Find(type) ?? throw new DataCompassException(
                DcError.SourceTypeUnknown,
                $"Source '{name}': the type '{type}' is not known. Known types: {string.Join(", ", AdapterCatalog.Types)}.",
                type);

            var connectionInfo = SourceValidator.Normalize(adapter, name, fields);
            CheckReferences(name, connectionInfo);
            return new DraftSource(name, adapter, string.IsNullOrEmpty(displayName) ? null : displayName, connectionInfo);
        }

        /// <summary>A malformed reference is refused now, naming source and field, rather than at connection time.</summary>
        private static void CheckReferences(string name, OrderedMap connectionInfo)
        {
            foreach (var entry in connectionInfo)
            {
                var values = entry.Value is IEnumerable<object?> list ? list : new[] { entry.Value };
                foreach (var value in values)
                {
                    if (value is string text)
                    {
                        ReferenceGrammar.Parse(text, $"source '{name}', field '{entry.Key}'");
                    }
                }
            }
        }
    }

    /// <summary>A validated source before the secret policy has decided where its secret values go.</summary>
    public sealed class DraftSource
    {
        public DraftSource(string name, AdapterSchema adapter, string? displayName, OrderedMap connectionInfo)
        {
            Name = name;
            Adapter = adapter;
            DisplayName = displayName;
            ConnectionInfo = connectionInfo;
        }

        public string Name { get; }

        public AdapterSchema Adapter { get; }

        public string? DisplayName { get; }

        public OrderedMap ConnectionInfo { get; }
    }
}

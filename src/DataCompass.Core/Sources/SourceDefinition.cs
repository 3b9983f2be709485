using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// Turns what a user gave (name, type, fields) into a source ready to store, applying the add-time
    /// policy: references are stored as written, a literal secret is refused unless plaintext is allowed.
    /// Nothing here touches the database, so a bad input never changes it.
    /// </summary>
    public static class SourceDefinition
    {
        public static PreparedSource Prepare(string name, string type, string? displayName, OrderedMap fields, bool allowPlaintext)
        {
            SourceNames.Validate(name);
            var adapter = AdapterCatalog.Find(type) ?? throw new DataCompassException(
                DcError.SourceTypeUnknown,
                $"Source '{name}': the type '{type}' is not known. Known types: {string.Join(", ", AdapterCatalog.Types)}.",
                type);

            var connectionInfo = SourceValidator.Normalize(adapter, name, fields);
            CheckReferences(name, connectionInfo);
            var literalSecrets = adapter.SecretFields
                .Where(field => SourceDescriber.HoldsPlaintextSecret(connectionInfo[field.Name], $"source '{name}', field '{field.Name}'"))
                .Select(field => field.Name)
                .ToList();

            var warnings = new List<string>();
            if (literalSecrets.Count > 0)
            {
                var fieldList = string.Join(", ", literalSecrets.Select(field => $"'{field}'"));
                if (!allowPlaintext)
                {
                    throw new DataCompassException(
                        DcError.PlaintextSecretRefused,
                        $"Source '{name}': the secret field {fieldList} holds a literal value, which would be stored in the clear. " +
                        "Write a reference instead (${VAR} for an environment variable, ${secret:Vault/Name} for a SecretManagement secret), " +
                        "or pass -AllowPlaintext to store it as plaintext anyway.",
                        name);
                }

                warnings.Add($"Source '{name}': the secret field {fieldList} is stored as plaintext in the catalog database. " +
                    "Anyone who can read the database file can read it.");
            }

            return new PreparedSource(new NewSource(name, adapter.Type, string.IsNullOrEmpty(displayName) ? null : displayName, connectionInfo), warnings);
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

    public sealed class PreparedSource
    {
        public PreparedSource(NewSource source, IReadOnlyList<string> warnings)
        {
            Source = source;
            Warnings = warnings;
        }

        public NewSource Source { get; }

        public IReadOnlyList<string> Warnings { get; }
    }
}

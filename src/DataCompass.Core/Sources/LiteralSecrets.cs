using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Sources
{
    /// <summary>What a secret field holds when it holds no reference to follow.</summary>
    public enum LiteralSecretState
    {
        /// <summary>Secret text stored in the clear (in whole or mixed with references).</summary>
        Plaintext,

        /// <summary>The Python tool's <c>"**********"</c>, stored in place of a credential it lost: no credential at all.</summary>
        LegacyMask,

        /// <summary>A required secret field with no value, and no secret_ref to supply it.</summary>
        Empty,
    }

    /// <summary>A secret field of a stored source that holds a value as is, or none where one is required.</summary>
    public sealed class LiteralSecret
    {
        public LiteralSecret(string field, LiteralSecretState state)
        {
            Field = field;
            State = state;
        }

        public string Field { get; }

        public LiteralSecretState State { get; }
    }

    /// <summary>
    /// Finds the secret fields a preflight must not pass silently: references are checked by following them,
    /// but a value stored in the clear, the legacy mask or a missing required secret has nothing to follow.
    /// </summary>
    public static class LiteralSecrets
    {
        public const string LegacyMask = "**********";

        public static IReadOnlyList<LiteralSecret> Find(StoredSource source)
        {
            var adapter = AdapterCatalog.Find(source.SourceType);
            var info = source.ConnectionInfo;
            var found = new List<LiteralSecret>();
            foreach (var entry in info)
            {
                if (!SourceDescriber.IsSecretField(adapter, entry.Key))
                {
                    continue;
                }

                if (entry.Value is string text && text == LegacyMask)
                {
                    found.Add(new LiteralSecret(entry.Key, LiteralSecretState.LegacyMask));
                }
                else if (!IsBlank(entry.Value) && SourceDescriber.HoldsPlaintextSecret(entry.Value, $"source '{source.Name}', field '{entry.Key}'"))
                {
                    found.Add(new LiteralSecret(entry.Key, LiteralSecretState.Plaintext));
                }
            }

            var hasSecretRef = info.Keys.Any(key => string.Equals(key, SourceValidator.SecretRefField, StringComparison.OrdinalIgnoreCase));
            if (adapter == null || hasSecretRef)
            {
                return found;
            }

            foreach (var field in adapter.SecretFields)
            {
                var value = ValueOf(info, field.Name);
                if ((value == null || IsBlank(value)) && field.IsRequiredGiven(name => ValueOf(info, name) as string))
                {
                    found.Add(new LiteralSecret(field.Name, LiteralSecretState.Empty));
                }
            }

            return found;
        }

        private static bool IsBlank(object? value) => value is string text && text.Trim().Length == 0;

        // Stored keys may differ in case from the adapter's (a catalog another tool wrote).
        private static object? ValueOf(IEnumerable<KeyValuePair<string, object?>> info, string field) =>
            info.FirstOrDefault(entry => string.Equals(entry.Key, field, StringComparison.OrdinalIgnoreCase)).Value;
    }
}

using System;
using System.Collections.Generic;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.References;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// How a stored value appears in the audit trail: never the value. A value with placeholders keeps them, its
    /// literal text masked (<c>${secret:V/N}</c>, <c>${DB_PASSWORD}</c>, <c>${PORT:-********}</c>); an encrypted
    /// value is <c>encrypted:&lt;key id&gt;</c>; any other value is its provenance, <c>plaintext</c> in a secret
    /// field and <c>literal</c> elsewhere.
    /// </summary>
    public static class AuditValues
    {
        public const string Plaintext = "plaintext";
        public const string Literal = "literal";
        public const string Encrypted = "encrypted";

        /// <summary>The name a change of the is_active flag is recorded under, as "true"/"false" (Set-DcSource -Active, an import).</summary>
        public const string ActiveField = "is_active";

        /// <summary>The is_active flag as the audit trail records it.</summary>
        public static string DescribeActive(bool isActive) => isActive ? "true" : "false";

        public static string? Describe(AdapterSchema? adapter, string field, object? value) =>
            Describe(field, value, SourceDescriber.IsSecretField(adapter, field));

        /// <summary>A value known to be a secret field's (a conversion's, a channel's secret).</summary>
        public static string? DescribeSecret(string field, object? value) => Describe(field, value, isSecret: true);

        private static string? Describe(string field, object? value, bool isSecret)
        {
            if (value == null)
            {
                return null;
            }

            if (string.Equals(field, SourceValidator.SecretRefField, StringComparison.OrdinalIgnoreCase) && value is string reference)
            {
                // secret_ref holds a vault reference itself, never a secret.
                return reference;
            }

            if (value is string text)
            {
                if (EncryptedValue.IsEncrypted(text))
                {
                    return EncryptedValue.KeyIdOf(text) is { } keyId ? Encrypted + ":" + keyId : Encrypted;
                }

                if (ReferenceGrammar.HasPlaceholder(text))
                {
                    try
                    {
                        return ReferenceGrammar.MaskLiterals(ReferenceGrammar.Parse(text, field), SourceDescriber.Mask);
                    }
                    catch (Errors.DataCompassException)
                    {
                        // A malformed reference is text, described as such below.
                    }
                }
            }

            return isSecret ? Plaintext : Literal;
        }

        /// <summary>
        /// The fields whose stored value differs between <paramref name="before"/> and <paramref name="after"/>
        /// (either may be null: an add, a removal), in the order of <paramref name="after"/> then of the removed ones.
        /// </summary>
        public static IReadOnlyList<AuditFieldChange> Changes(AdapterSchema? adapter, OrderedMap? before, OrderedMap? after)
        {
            var changes = new List<AuditFieldChange>();
            foreach (var entry in after ?? new OrderedMap())
            {
                object? old = null;
                var had = before != null && before.TryGetValue(entry.Key, out old);
                if ((!had && entry.Value != null) || (had && !SameValue(old, entry.Value)))
                {
                    changes.Add(new AuditFieldChange(entry.Key, had ? Describe(adapter, entry.Key, old) : null, Describe(adapter, entry.Key, entry.Value)));
                }
            }

            foreach (var entry in before ?? new OrderedMap())
            {
                if ((after == null || !after.ContainsKey(entry.Key)) && entry.Value != null)
                {
                    changes.Add(new AuditFieldChange(entry.Key, Describe(adapter, entry.Key, entry.Value), null));
                }
            }

            return changes;
        }

        /// <summary>One field's change, described.</summary>
        public static AuditFieldChange Change(AdapterSchema? adapter, string field, object? old, object? @new) =>
            new AuditFieldChange(field, Describe(adapter, field, old), Describe(adapter, field, @new));

        private static bool SameValue(object? a, object? b)
        {
            if (a is string || b is string || a == null || b == null)
            {
                return Equals(a, b);
            }

            // Numbers, lists and maps: compared as the JSON they are stored as.
            var left = new OrderedMap { { "v", a } };
            var right = new OrderedMap { { "v", b } };
            return string.Equals(ConnectionInfoJson.Serialize(left), ConnectionInfoJson.Serialize(right), StringComparison.Ordinal);
        }
    }
}

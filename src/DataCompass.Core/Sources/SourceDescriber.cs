using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// Describes stored fields without revealing a secret: each field's provenance and a display value in
    /// which every literal part of a secret field is masked.
    /// </summary>
    public static class SourceDescriber
    {
        public const string Mask = "********";

        public static IReadOnlyList<FieldDescription> Describe(string sourceName, AdapterSchema? adapter, OrderedMap connectionInfo)
        {
            var descriptions = new List<FieldDescription>();
            foreach (var entry in connectionInfo)
            {
                var field = adapter?.FindField(entry.Key);
                if (string.Equals(entry.Key, SourceValidator.SecretRefField, StringComparison.OrdinalIgnoreCase))
                {
                    descriptions.Add(new FieldDescription(entry.Key, entry.Value, ValueProvenance.Vault, isSecret: false, isKnownField: true));
                    continue;
                }

                // Parsed once for both the display value and the provenance. A value that does not parse counts as
                // literal text, so the parse error (and the context naming it) is never shown: no context string is
                // built for every field of every row.
                var isSecret = field == null ? LooksSecret(entry.Key) : field.IsSecret;
                var segments = entry.Value is string text && !EncryptedValue.IsEncrypted(text) ? SafeParse(text, sourceName) : null;
                descriptions.Add(new FieldDescription(
                    entry.Key,
                    DisplayValue(entry.Value, isSecret, segments),
                    ProvenanceOf(entry.Value, isSecret, segments),
                    isSecret,
                    field != null));
            }

            return descriptions;
        }

        /// <summary>True when a secret field's stored value carries literal secret text.</summary>
        public static bool HoldsPlaintextSecret(object? value, string context) =>
            ProvenanceOf(value, isSecret: true, context) == ValueProvenance.Plaintext;

        public static ValueProvenance ProvenanceOf(object? value, bool isSecret, string context) =>
            ProvenanceOf(value, isSecret, value is string text && !EncryptedValue.IsEncrypted(text) ? SafeParse(text, context) : null);

        // segments: the value's parse when it is an unencrypted string that parses, else null.
        private static ValueProvenance ProvenanceOf(object? value, bool isSecret, IReadOnlyList<ValueSegment>? segments)
        {
            if (value == null)
            {
                return ValueProvenance.None;
            }

            if (!(value is string text))
            {
                return isSecret ? ValueProvenance.Plaintext : ValueProvenance.Literal;
            }

            if (EncryptedValue.IsEncrypted(text))
            {
                return ValueProvenance.Encrypted;
            }

            if (segments == null)
            {
                return isSecret ? ValueProvenance.Plaintext : ValueProvenance.Literal;
            }

            if (isSecret && ReferenceGrammar.HasLiteralText(segments))
            {
                return ValueProvenance.Plaintext;
            }

            var provenance = isSecret && text.Length > 0 ? ValueProvenance.Plaintext : ValueProvenance.Literal;
            foreach (var segment in segments)
            {
                if (segment.Kind == SegmentKind.Secret)
                {
                    return ValueProvenance.Vault;
                }

                if (segment.Kind == SegmentKind.Environment)
                {
                    provenance = ValueProvenance.Environment;
                }
            }

            return provenance;
        }

        private static object? DisplayValue(object? value, bool isSecret, IReadOnlyList<ValueSegment>? segments)
        {
            if (EncryptedValue.IsEncrypted(value))
            {
                // enc:v1:<keyId>:<token>: the key id helps an audit, the token is of no use to a reader.
                return EncryptedValue.Prefix + (EncryptedValue.KeyIdOf((string)value!) is { } keyId ? keyId + ":" : string.Empty) + Mask;
            }

            if (!isSecret || value == null)
            {
                return value;
            }

            return value is string && segments != null ? ReferenceGrammar.MaskLiterals(segments, Mask) : Mask;
        }

        private static IReadOnlyList<ValueSegment>? SafeParse(string text, string context)
        {
            try
            {
                return ReferenceGrammar.Parse(text, context);
            }
            catch (DataCompassException)
            {
                return null;
            }
        }

        /// <summary>
        /// Whether a stored key holds a secret: the adapter says so for its fields; an unknown key in a database
        /// written by another tool may be a credential, so one whose name looks like it is treated as one.
        /// </summary>
        public static bool IsSecretField(AdapterSchema? adapter, string key)
        {
            if (string.Equals(key, SourceValidator.SecretRefField, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var field = adapter?.FindField(key);
            return field == null ? LooksSecret(key) : field.IsSecret;
        }

        private static readonly string[] SecretWords = { "password", "passwd", "pwd", "passphrase", "secret", "token", "key", "credential" };

        private static bool LooksSecret(string key)
        {
            var lowered = key.ToLowerInvariant();
            return SecretWords.Any(word => lowered.Contains(word));
        }
    }
}

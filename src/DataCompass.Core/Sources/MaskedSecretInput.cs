using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// Refuses a secret value that is a masked display rather than a secret: <c>********</c> (how Get-DcSource shows
    /// a value), the Python tool's <c>"**********"</c>, <c>${VAR:-********}</c> or <c>enc:v1:&lt;id&gt;:********</c>.
    /// Copied back from a listing into a change, it would silently replace the real credential with stars.
    /// </summary>
    public static class MaskedSecretInput
    {
        public static void Check(string sourceName, AdapterSchema adapter, OrderedMap fields)
        {
            foreach (var entry in fields)
            {
                if (entry.Value is string text && adapter.FindField(entry.Key) is { IsSecret: true } field && LooksMasked(text))
                {
                    throw new DataCompassException(
                        DcError.SecretValueMasked,
                        $"Source '{sourceName}', field '{field.Name}': the value looks like a masked display (stars, as Get-DcSource shows a secret), " +
                        "not a secret, and is not stored. Pass the real value, or a reference in single quotes: '${VAR}' or '${secret:Vault/Name}'. " +
                        "To keep the stored value, leave the field out.",
                        sourceName);
                }
            }
        }

        public static bool LooksMasked(string text)
        {
            if (text.StartsWith(EncryptedValue.Prefix, System.StringComparison.Ordinal))
            {
                return IsStars(text.Substring(text.LastIndexOf(':') + 1));
            }

            if (!ReferenceGrammar.HasPlaceholder(text))
            {
                return IsStars(text);
            }

            try
            {
                return ReferenceGrammar.Parse(text, "a masked value").Any(segment =>
                    (segment.Kind == SegmentKind.Literal && IsStars(segment.Text)) || (segment.DefaultValue != null && IsStars(segment.DefaultValue)));
            }
            catch (DataCompassException)
            {
                return false;
            }
        }

        // The mask is eight stars and the Python tool's ten: a run of eight or more stars and nothing else.
        private static bool IsStars(string text) => text.Length >= SourceDescriber.Mask.Length && text.All(character => character == '*');
    }
}

using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// Catches, at add and set time, the mistakes PowerShell users make in secret fields (DESIGN: "Telling the
    /// truth"), before anything is written to a vault or the catalog:
    /// an empty or blank value (usually "${VAR}" in double quotes, which PowerShell expanded to nothing), a value
    /// shaped like a broken placeholder (see <see cref="ReferenceGrammar.DescribeBrokenPlaceholder"/>), and a value
    /// longer than a SecureString holds, which could never be handed out. Non-secret fields are not checked:
    /// there an empty or odd value may be meant. Messages name source and field, never the value.
    /// </summary>
    public static class SecretFieldInput
    {
        public static void Check(string sourceName, AdapterSchema adapter, OrderedMap connectionInfo)
        {
            foreach (var field in adapter.SecretFields)
            {
                if (!connectionInfo.TryGetValue(field.Name, out var value) || !(value is string text))
                {
                    continue;
                }

                var context = $"Source '{sourceName}', field '{field.Name}'";
                if (string.IsNullOrWhiteSpace(text))
                {
                    throw new DataCompassException(
                        DcError.SecretValueEmpty,
                        $"{context} is empty. A secret field needs a value or a reference. In PowerShell, \"${{VAR}}\" in double quotes " +
                        $"expands to nothing when $VAR is unset: write the reference in single quotes, e.g. {field.Name} = '${{{field.Name.ToUpperInvariant()}}}'.",
                        sourceName);
                }

                if (ReferenceGrammar.DescribeBrokenPlaceholder(text) is { } shape)
                {
                    throw new DataCompassException(
                        DcError.PlaceholderMalformed,
                        $"{context}: the value {shape}, so it looks like a broken placeholder and is not stored as a secret. " +
                        "Write '${VAR}' for an environment variable or '${secret:Vault/Name}' for a vault secret (in single quotes in PowerShell). " +
                        "If it really is the secret, store it with Set-Secret and refer to it as ${secret:Vault/Name}.",
                        sourceName);
                }

                if (text.Length > InputLimits.MaxSecretLength)
                {
                    throw TooLong(context, "the value", sourceName);
                }
            }
        }

        /// <summary>The error for a secret value too long for a SecureString; <paramref name="what"/> names it ("the value", "the value of ${X}").</summary>
        public static DataCompassException TooLong(string context, string what, string target) =>
            new DataCompassException(
                DcError.SecretTooLong,
                $"{context}: {what} is longer than the {InputLimits.MaxSecretLength} characters a SecureString can hold, so it cannot be used as a secret.",
                target);
    }
}

using System;
using DataCompass.Core.Errors;

namespace DataCompass.Core.References
{
    /// <summary>
    /// A SecretManagement secret named by <c>${secret:Vault/Name}</c> or <c>${secret:Name}</c>, or by a
    /// <c>secret_ref: vault://Vault/Name</c> field. The vault is the text before the first '/'; the name may
    /// hold further '/'.
    /// </summary>
    public sealed class SecretReference : IEquatable<SecretReference>
    {
        public const string UriScheme = "vault://";

        public SecretReference(string? vault, string name)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("A secret name cannot be empty.", nameof(name));
            }

            if (vault != null && vault.Length == 0)
            {
                throw new ArgumentException("A vault name cannot be empty.", nameof(vault));
            }

            Vault = vault;
            Name = name;
        }

        /// <summary>The vault name, or null when the reference leaves the vault to SecretManagement.</summary>
        public string? Vault { get; }

        public string Name { get; }

        public bool IsVaultQualified => Vault != null;

        /// <summary>The placeholder form, as it is written in a field value.</summary>
        public string ToPlaceholder() => Vault == null ? "${secret:" + Name + "}" : "${secret:" + Vault + "/" + Name + "}";

        public override string ToString() => ToPlaceholder();

        /// <summary>
        /// Parses the body of a <c>${secret:...}</c> placeholder (the text after "secret:").
        /// Returns null and an explanation when the body is malformed.
        /// </summary>
        internal static SecretReference? TryParseBody(string body, out string? problem)
        {
            problem = null;
            if (body.Length == 0)
            {
                problem = "names no secret";
                return null;
            }

            var slash = body.IndexOf('/');
            if (slash < 0)
            {
                return new SecretReference(null, body);
            }

            if (slash == 0)
            {
                problem = "has an empty vault name before '/'";
                return null;
            }

            if (slash == body.Length - 1)
            {
                problem = "has an empty secret name after '/'";
                return null;
            }

            return new SecretReference(body.Substring(0, slash), body.Substring(slash + 1));
        }

        /// <summary>Parses <c>vault://Vault/Name</c>, the value of a <c>secret_ref</c> field. The vault is required.</summary>
        public static SecretReference ParseUri(string uri, string context)
        {
            if (uri == null || !uri.StartsWith(UriScheme, StringComparison.OrdinalIgnoreCase))
            {
                throw new DataCompassException(
                    DcError.ReferenceInvalid,
                    $"{context}: a secret_ref must have the form vault://Vault/Name.",
                    context);
            }

            var body = uri.Substring(UriScheme.Length);
            var reference = TryParseBody(body, out var problem);
            if (reference == null || reference.Vault == null)
            {
                throw new DataCompassException(
                    DcError.ReferenceInvalid,
                    $"{context}: the secret_ref '{uri}' {problem ?? "names no vault"}; use vault://Vault/Name.",
                    context);
            }

            return reference;
        }

        public string ToUri() => UriScheme + (Vault ?? string.Empty) + "/" + Name;

        // Vault names are case-insensitive in SecretManagement; secret-name case is the vault's business,
        // so it is compared exactly.
        public bool Equals(SecretReference? other) =>
            other != null
            && string.Equals(Vault, other.Vault, StringComparison.OrdinalIgnoreCase)
            && string.Equals(Name, other.Name, StringComparison.Ordinal);

        public override bool Equals(object? obj) => Equals(obj as SecretReference);

        public override int GetHashCode() =>
            StringComparer.OrdinalIgnoreCase.GetHashCode(Vault ?? string.Empty) ^ StringComparer.Ordinal.GetHashCode(Name);
    }
}

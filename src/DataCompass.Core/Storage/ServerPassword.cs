using System;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Storage
{
    /// <summary>The password of a server catalog, resolved when the catalog is opened and kept nowhere.</summary>
    internal static class ServerPassword
    {
        public static string Resolve(CatalogAddress address, Func<string, string?> environment, ISecretBackend? secrets)
        {
            if (!address.PasswordIsReference)
            {
                return address.Password;
            }

            var segment = ReferenceGrammar.Parse(address.Password, "the catalog address")[0];
            var context = $"The catalog {address.Text}";
            if (segment.Kind == SegmentKind.Environment)
            {
                var value = ReferenceGrammar.EnvironmentValue(segment, environment);
                if (string.IsNullOrEmpty(value))
                {
                    throw new DataCompassException(
                        DcError.EnvironmentVariableNotSet,
                        $"{context} takes its password from ${{{segment.Variable}}}, which is not set in this session.",
                        segment.Variable);
                }

                return value!;
            }

            if (secrets == null)
            {
                throw new DataCompassException(
                    DcError.SecretManagementNotInstalled,
                    $"{context} takes its password from the vault secret {segment.Text}, and this command cannot read vaults.",
                    segment.Text);
            }

            var secret = new SecretFetcher(secrets).Fetch(segment.Secret!);
            var text = secret.Kind == SecretKind.Credential || secret.Kind == SecretKind.Text ? secret.Text : null;
            if (string.IsNullOrEmpty(text))
            {
                throw new DataCompassException(
                    DcError.SecretTypeUnusable,
                    $"{context} takes its password from the vault secret {segment.Text}, which holds a {secret.TypeName} and no password text.",
                    segment.Text);
            }

            return text!;
        }
    }
}

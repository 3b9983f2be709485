using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// Decides, field by field, where the secret values given for a source end up, at add and at set time (DESIGN:
    /// "Where a secret value ends up"): a reference is stored as written, vault-qualified; a literal value goes to a
    /// vault under a portable name and is replaced by its reference; with no vault (or -Encrypt) but a key, it is
    /// stored encrypted; otherwise plaintext only with -AllowPlaintext. Only the fields the scope includes are
    /// input; the others are kept as they are. Plans only: nothing is written here.
    /// </summary>
    public static class SecretPlacement
    {
        public static PlacedSecrets Place(string sourceName, AdapterSchema adapter, OrderedMap connectionInfo, PlacementScope scope, SecretPolicyOptions options, ISecretBackend backend, ICatalogLookup catalog)
        {
            try
            {
                return PlaceCore(sourceName, adapter, connectionInfo, scope, options, backend, catalog);
            }
            catch (DataCompassException exception)
            {
                // Vault errors name the vault; with Import-Csv | Add-DcSource the user also needs the source.
                throw exception.WithContext($"Source '{sourceName}'");
            }
        }

        private static PlacedSecrets PlaceCore(string sourceName, AdapterSchema adapter, OrderedMap given, PlacementScope scope, SecretPolicyOptions options, ISecretBackend backend, ICatalogLookup catalog)
        {
            // The plan's own copy: the input is never changed.
            var info = given.Copy();
            var literalFields = new List<string>();
            var mixedFields = new List<string>();
            var unqualifiedFields = new List<string>();
            foreach (var entry in info)
            {
                if (!(entry.Value is string text) || !scope.Includes(entry.Key))
                {
                    continue;
                }

                var segments = ReferenceGrammar.Parse(text, $"source '{sourceName}', field '{entry.Key}'");
                if (segments.Any(segment => segment.Kind == SegmentKind.Secret && !segment.Secret!.IsVaultQualified))
                {
                    unqualifiedFields.Add(entry.Key);
                }

                var field = adapter.FindField(entry.Key);
                if (EncryptedValue.IsEncrypted(text))
                {
                    CheckEncryptedInput(sourceName, entry.Key, text, field?.IsSecret == true, options);
                    continue;
                }

                if (field != null && field.IsSecret && ReferenceGrammar.HasLiteralText(segments))
                {
                    (segments.All(segment => segment.Kind == SegmentKind.Literal) ? literalFields : mixedFields).Add(entry.Key);
                }
            }

            var warnings = new List<string>();
            var pending = new List<PendingSecret>();
            var encrypted = new List<string>();
            // A -Vault that was named is checked even when -Encrypt leaves nothing to write to it.
            var needsVault = unqualifiedFields.Count > 0 || (literalFields.Count > 0 && !options.Encrypt) || (options.Vault != null && literalFields.Count > 0);
            var choice = needsVault ? VaultChoice.Choose(options.Vault, options.Config, backend) : null;

            foreach (var fieldName in unqualifiedFields)
            {
                if (choice?.Vault == null)
                {
                    throw new DataCompassException(
                        DcError.NoVaultAvailable,
                        $"Source '{sourceName}', field '{fieldName}': a stored ${{secret:Name}} reference must name its vault, and {choice?.UnavailableReason}. Write ${{secret:Vault/Name}} or pass -Vault.",
                        sourceName);
                }

                info[fieldName] = QualifyReferences((string)info[fieldName]!, choice.Vault, $"source '{sourceName}', field '{fieldName}'");
            }

            if (mixedFields.Count > 0 && !options.AllowPlaintext)
            {
                throw new DataCompassException(
                    DcError.PlaintextSecretRefused,
                    $"Source '{sourceName}': the secret field {List(mixedFields)} mixes literal text with references (a non-empty :-default counts), " +
                    "so part of the secret would be stored in the clear. Put the whole value in one environment variable or vault secret, " +
                    "or pass -AllowPlaintext to store it as written.",
                    sourceName);
            }

            if (literalFields.Count > 0 && (options.Encrypt || choice?.Vault == null))
            {
                // Step 3: no vault (or -Encrypt), but a key: the value is stored encrypted.
                var ring = FindKeyRing(sourceName, options);
                if (ring != null)
                {
                    foreach (var fieldName in literalFields)
                    {
                        info[fieldName] = ring.Encrypt((string)info[fieldName]!);
                        encrypted.Add(fieldName);
                    }

                    literalFields.Clear();
                }
                else if (!options.AllowPlaintext)
                {
                    throw new DataCompassException(
                        DcError.PlaintextSecretRefused,
                        $"Source '{sourceName}': the secret field {List(literalFields)} holds a literal value and there is no vault to keep it in ({choice?.UnavailableReason}) and no encryption key. " +
                        "Register a vault (or name one with -Vault or Set-DcConfig -SecretVault), write a reference instead " +
                        "(${VAR} for an environment variable, ${secret:Vault/Name} for a vault secret), configure an encryption key (New-DcEncryptionKey), " +
                        "or pass -AllowPlaintext to store it in the clear.",
                        sourceName)
                    {
                        IsPrecondition = true,
                    };
                }
            }
            else if (literalFields.Count > 0)
            {
                scope.BeforeVault?.Invoke();
                foreach (var fieldName in literalFields)
                {
                    var vault = choice!.Vault!;
                    var secretName = scope.SecretName(vault, fieldName);
                    var value = (string)info[fieldName]!;
                    // An add killed between the vault write and the row insert left this value under the name.
                    var leftOver = UnclaimedSecret.Exists(vault, secretName, backend, catalog) && UnclaimedSecret.Holds(vault, secretName, value, backend);
                    if (!leftOver)
                    {
                        SecretNameGuard.EnsureFree(sourceName, fieldName, vault, secretName, backend, catalog.FindSecretOwner);
                    }

                    var secret = new PendingSecret(fieldName, vault, secretName, value, leftOver);
                    pending.Add(secret);
                    info[fieldName] = secret.Reference;
                }

                literalFields.Clear();
            }

            var plaintext = literalFields.Concat(mixedFields).ToList();
            if (plaintext.Count > 0)
            {
                warnings.Add($"Source '{sourceName}': the secret field {List(plaintext)} is stored as plaintext in the catalog database. " +
                    "Anyone who can read the database file can read it; Convert-DcSourceSecret can move it to a vault later.");
            }

            return new PlacedSecrets(info, pending, encrypted, warnings);
        }

        /// <summary>
        /// An enc:v1 value given as input (copied from a catalog with the same key ring) is stored as it is, but
        /// only in a secret field and only when a configured key opens it: anything else could be plaintext that
        /// merely looks encrypted, which an audit would then miss.
        /// </summary>
        private static void CheckEncryptedInput(string sourceName, string fieldName, string text, bool isSecret, SecretPolicyOptions options)
        {
            var context = $"Source '{sourceName}', field '{fieldName}'";
            if (!isSecret)
            {
                throw new DataCompassException(
                    DcError.SourceInvalid,
                    $"{context}: the value starts with {EncryptedValue.Prefix}, and only secret fields hold encrypted values.",
                    sourceName);
            }

            try
            {
                (options.Keys ?? throw new DataCompassException(DcError.EncryptionKeyMissing, $"{context}: no key ring is available.", fieldName)).Decrypt(text, context);
            }
            catch (DataCompassException exception)
            {
                throw new DataCompassException(
                    exception.Error == DcError.DecryptionFailed ? DcError.DecryptionFailed : DcError.EncryptionKeyMissing,
                    $"{context}: the value starts with {EncryptedValue.Prefix} but no configured key opens it, so it cannot be told from plaintext and is not stored. {exception.Message}",
                    sourceName);
            }
        }

        /// <summary>The key ring for step 3. A key that is configured but unusable, or missing under -Encrypt, would fail every source alike: a precondition.</summary>
        private static KeyRing? FindKeyRing(string sourceName, SecretPolicyOptions options)
        {
            try
            {
                return options.Encrypt
                    ? (options.Keys ?? throw new ArgumentException("-Encrypt needs a key source.", nameof(options))).Require($"Source '{sourceName}': -Encrypt was given")
                    : options.Keys?.Find();
            }
            catch (DataCompassException exception)
            {
                throw new DataCompassException(exception.Error, exception.Message, exception.Target) { IsPrecondition = true };
            }
        }

        /// <summary>Rewrites every <c>${secret:Name}</c> in a value as <c>${secret:Vault/Name}</c>.</summary>
        public static string QualifyReferences(string text, string vault, string context)
        {
            var builder = new StringBuilder();
            foreach (var segment in ReferenceGrammar.Parse(text, context))
            {
                builder.Append(segment.Kind == SegmentKind.Secret && !segment.Secret!.IsVaultQualified
                    ? new SecretReference(vault, segment.Secret.Name).ToPlaceholder()
                    : segment.Text);
            }

            return builder.ToString();
        }

        private static string List(IEnumerable<string> fields) => string.Join(", ", fields.Select(field => $"'{field}'"));
    }

    public sealed class SecretPolicyOptions
    {
        public SecretPolicyOptions(DcConfig config, string? vault, bool allowPlaintext, KeyRingSource? keys = null, bool encrypt = false)
        {
            Config = config;
            Vault = vault;
            AllowPlaintext = allowPlaintext;
            Keys = keys;
            Encrypt = encrypt;
        }

        public DcConfig Config { get; }

        public string? Vault { get; }

        public bool AllowPlaintext { get; }

        /// <summary>Where the encryption key ring comes from; null when encryption is not on offer.</summary>
        public KeyRingSource? Keys { get; }

        /// <summary>Encrypt literal secret values even when a vault is available (-Encrypt).</summary>
        public bool Encrypt { get; }
    }

    /// <summary>What differs between placing an add's secret values and a set's.</summary>
    public sealed class PlacementScope
    {
        public PlacementScope(Func<string, string, string> secretName, Func<string, bool>? includes = null)
        {
            SecretName = secretName;
            Includes = includes ?? (_ => true);
        }

        /// <summary>The vault secret name for a literal value of a field: (vault, field) to name.</summary>
        public Func<string, string, string> SecretName { get; }

        /// <summary>Whether a field's value is input to place (a set keeps the fields it was not given as stored).</summary>
        public Func<string, bool> Includes { get; }

        /// <summary>Run once before any literal is planned for a vault.</summary>
        public Action? BeforeVault { get; init; }
    }

    /// <summary>The connection_info with each included secret placed, and the vault secrets to write first.</summary>
    public sealed class PlacedSecrets
    {
        public PlacedSecrets(OrderedMap connectionInfo, IReadOnlyList<PendingSecret> secrets, IReadOnlyList<string> encryptedFields, IReadOnlyList<string> warnings)
        {
            ConnectionInfo = connectionInfo;
            Secrets = secrets;
            EncryptedFields = encryptedFields;
            Warnings = warnings;
        }

        public OrderedMap ConnectionInfo { get; }

        public IReadOnlyList<PendingSecret> Secrets { get; }

        public IReadOnlyList<string> EncryptedFields { get; }

        public IReadOnlyList<string> Warnings { get; }
    }

}

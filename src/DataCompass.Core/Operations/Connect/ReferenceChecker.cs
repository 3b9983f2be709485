using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Connect
{
    /// <summary>
    /// A preflight for runbooks: checks that every reference of a source would resolve, without reading any
    /// secret value. The vault list is read once, each vault is tested once and each secret is probed once
    /// (by its metadata) for the life of the checker. So a vault secret too long for a SecureString is only found
    /// when Get-DcSourceConnection reads it; an environment variable's length is checked here.
    /// </summary>
    public sealed class ReferenceChecker
    {
        private static readonly HashSet<string> FieldTypes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "String", "SecureString", "PSCredential" };
        private readonly Func<string, string?> _environment;
        private readonly ISecretBackend _backend;
        private readonly KeyRingSource? _keys;
        private readonly Dictionary<string, (ReferenceStatus Status, string Message)> _vaults = new Dictionary<string, (ReferenceStatus, string)>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<SecretReference, (string? Type, string? Vault, ReferenceStatus Status, string Message)> _secrets = new Dictionary<SecretReference, (string?, string?, ReferenceStatus, string)>();
        private IReadOnlyList<VaultInfo>? _registered;
        private DataCompassException? _registryFailure;

        public ReferenceChecker(Func<string, string?> environment, ISecretBackend backend, KeyRingSource? keys = null)
        {
            _environment = environment;
            _backend = backend;
            _keys = keys;
        }

        public IReadOnlyList<ReferenceCheck> Check(StoredSource source)
        {
            IReadOnlyList<FieldReference> references;
            try
            {
                references = SourceReferences.List(source);
            }
            catch (DataCompassException exception)
            {
                return new[] { new ReferenceCheck(source.Name, exception.Target ?? string.Empty, string.Empty, ReferenceKind.Environment, ReferenceStatus.Invalid, exception.Message) };
            }

            var checks = references.Select(reference => reference.Encrypted != null ? CheckEncrypted(source.Name, reference)
                    : reference.Secret == null ? CheckEnvironment(source, reference)
                    : CheckSecret(source.Name, reference))
                .ToList();

            // A secret with nothing to follow is checked too: a preflight that skipped it would pass plaintext,
            // the legacy mask and missing passwords as healthy.
            checks.AddRange(LiteralSecrets.Find(source).Select(literal => CheckLiteral(source.Name, literal)));
            return checks;
        }

        private static ReferenceCheck CheckLiteral(string source, LiteralSecret literal)
        {
            var context = $"Source '{source}', field '{literal.Field}'";
            return literal.State switch
            {
                LiteralSecretState.Plaintext => new ReferenceCheck(source, literal.Field, "(plaintext)", ReferenceKind.Literal, ReferenceStatus.Plaintext,
                    $"{context} holds its secret in the clear in the catalog. Move it to a vault with Convert-DcSourceSecret, or encrypt it with Set-DcSourceSecret."),
                LiteralSecretState.LegacyMask => new ReferenceCheck(source, literal.Field, LiteralSecrets.LegacyMask, ReferenceKind.Literal, ReferenceStatus.Broken,
                    $"{context} holds \"{LiteralSecrets.LegacyMask}\", which an older datacompass stored in place of the real credential. Set the real value with Set-DcSourceSecret."),
                _ => new ReferenceCheck(source, literal.Field, "(empty)", ReferenceKind.Literal, ReferenceStatus.Empty,
                    $"{context} is required and holds no value. Set it with Set-DcSourceSecret."),
            };
        }

        private ReferenceCheck CheckEnvironment(StoredSource source, FieldReference reference)
        {
            var segment = reference.Segment!;
            var value = _environment(segment.Variable!);
            var isSecret = SourceDescriber.IsSecretField(AdapterCatalog.Find(source.SourceType), reference.Field);
            var status = isSecret && (value ?? segment.DefaultValue)?.Length > InputLimits.MaxSecretLength ? ReferenceStatus.TooLong
                : value != null ? ReferenceStatus.Ok
                : segment.DefaultValue != null ? ReferenceStatus.DefaultUsed
                : ReferenceStatus.NotSet;
            // A variable set to nothing empties a secret only when the placeholder is the field's whole value.
            if (status == ReferenceStatus.Ok && value!.Trim().Length == 0 && isSecret
                && source.ConnectionInfo.TryGetValue(reference.Field, out var stored) && stored is string text && text == reference.Text)
            {
                status = ReferenceStatus.Empty;
            }

            var message = status switch
            {
                ReferenceStatus.TooLong => $"The value of '{segment.Variable}' is longer than the {InputLimits.MaxSecretLength} characters a SecureString can hold, so the secret field '{reference.Field}' cannot be used.",
                ReferenceStatus.Ok => $"The environment variable '{segment.Variable}' is set.",
                ReferenceStatus.Empty => $"The environment variable '{segment.Variable}' is set to nothing, and it is the whole value of secret field '{reference.Field}'.",
                ReferenceStatus.DefaultUsed => $"The environment variable '{segment.Variable}' is not set; the placeholder's default will be used.",
                _ => $"The environment variable '{segment.Variable}' is not set and the placeholder has no default.",
            };
            return new ReferenceCheck(source.Name, reference.Field, reference.Text, ReferenceKind.Environment, status, message);
        }

        /// <summary>An encrypted value is checked by opening it with its key: the plaintext is dropped at once.</summary>
        private ReferenceCheck CheckEncrypted(string source, FieldReference reference)
        {
            var context = $"Source '{source}', field '{reference.Field}'";
            try
            {
                KeyRingSource.Decrypt(_keys, reference.Encrypted!, context);
                return new ReferenceCheck(source, reference.Field, reference.Text, ReferenceKind.Encrypted, ReferenceStatus.Ok,
                    $"The value is encrypted with key {EncryptedValue.KeyIdOf(reference.Encrypted!)}, which the key ring from {_keys!.Find()!.Origin} holds.");
            }
            catch (DataCompassException exception)
            {
                var status = exception.Error == DcError.DecryptionFailed ? ReferenceStatus.DecryptionFailed
                    : exception.Error == DcError.EncryptionKeyMissing ? ReferenceStatus.KeyMissing
                    : ReferenceStatus.KeyUnusable;
                return new ReferenceCheck(source, reference.Field, reference.Text, ReferenceKind.Encrypted, status, exception.WithContext(context).Message);
            }
        }

        private ReferenceCheck CheckSecret(string source, FieldReference reference)
        {
            var secret = reference.Secret!;
            if (!_secrets.TryGetValue(secret, out var probe))
            {
                probe = Probe(secret);
                _secrets[secret] = probe;
            }

            var status = probe.Status;
            var message = probe.Message;
            if (status == ReferenceStatus.Ok)
            {
                var usable = reference.IsSecretRef ? string.Equals(probe.Type, "Hashtable", StringComparison.OrdinalIgnoreCase) : FieldTypes.Contains(probe.Type!);
                if (!usable)
                {
                    status = ReferenceStatus.TypeUnusable;
                    message = reference.IsSecretRef
                        ? $"The secret '{secret.Name}' in vault '{probe.Vault}' is a {probe.Type}; a secret_ref needs a Hashtable."
                        : $"The secret '{secret.Name}' in vault '{probe.Vault}' is a {probe.Type}; a field needs a String, SecureString or PSCredential.";
                }
            }

            return new ReferenceCheck(source, reference.Field, reference.Text, ReferenceKind.Vault, status, message);
        }

        private (string? Type, string? Vault, ReferenceStatus Status, string Message) Probe(SecretReference secret)
        {
            var vaults = Registered();
            if (vaults == null)
            {
                var failure = _registryFailure!;
                return (null, null, failure.Error == DcError.SecretManagementNotInstalled ? ReferenceStatus.SecretManagementNotInstalled : ReferenceStatus.VaultNotFound, failure.Message);
            }

            // An unqualified reference is looked up the way SecretManagement would: default vault first.
            var candidates = secret.Vault != null
                ? vaults.Where(vault => string.Equals(vault.Name, secret.Vault, StringComparison.OrdinalIgnoreCase)).ToList()
                : vaults.OrderByDescending(vault => vault.IsDefault).ToList();
            if (candidates.Count == 0)
            {
                return (null, secret.Vault, ReferenceStatus.VaultNotFound, secret.Vault == null
                    ? "No SecretManagement vault is registered."
                    : $"No SecretManagement vault named '{secret.Vault}' is registered.");
            }

            (string? Type, string? Vault, ReferenceStatus Status, string Message)? firstProblem = null;
            foreach (var vault in candidates)
            {
                var (vaultStatus, vaultMessage) = TestVault(vault.Name);
                if (vaultStatus != ReferenceStatus.Ok)
                {
                    firstProblem ??= (null, vault.Name, vaultStatus, vaultMessage);
                    continue;
                }

                try
                {
                    var type = _backend.GetSecretType(vault.Name, secret.Name);
                    if (type != null)
                    {
                        return (type, vault.Name, ReferenceStatus.Ok, $"The secret '{secret.Name}' is in vault '{vault.Name}' ({type}).");
                    }
                }
                catch (DataCompassException exception)
                {
                    firstProblem ??= (null, vault.Name, StatusOf(exception), exception.Message);
                }
            }

            return firstProblem ?? (null, secret.Vault, ReferenceStatus.SecretNotFound, secret.Vault == null
                ? $"The secret '{secret.Name}' is in no registered vault."
                : $"The secret '{secret.Name}' is not in vault '{secret.Vault}'.");
        }

        private (ReferenceStatus Status, string Message) TestVault(string vault)
        {
            if (!_vaults.TryGetValue(vault, out var result))
            {
                try
                {
                    result = _backend.Test(vault)
                        ? (ReferenceStatus.Ok, string.Empty)
                        : (ReferenceStatus.VaultLocked, $"The vault '{vault}' did not pass Test-SecretVault: it is locked or cannot be reached. Run Unlock-SecretVault -Name '{vault}' if it is locked.");
                }
                catch (DataCompassException exception)
                {
                    result = (StatusOf(exception), exception.Message);
                }

                _vaults[vault] = result;
            }

            return result;
        }

        private IReadOnlyList<VaultInfo>? Registered()
        {
            if (_registered == null && _registryFailure == null)
            {
                try
                {
                    _registered = _backend.GetVaults();
                }
                catch (DataCompassException exception)
                {
                    _registryFailure = exception;
                }
            }

            return _registered;
        }

        private static ReferenceStatus StatusOf(DataCompassException exception)
        {
            if (exception.Error == DcError.VaultLocked)
            {
                return ReferenceStatus.VaultLocked;
            }

            if (exception.Error == DcError.VaultNotFound || exception.Error == DcError.NoVaultAvailable)
            {
                return ReferenceStatus.VaultNotFound;
            }

            if (exception.Error == DcError.SecretNotFound)
            {
                return ReferenceStatus.SecretNotFound;
            }

            return exception.Error == DcError.SecretManagementNotInstalled ? ReferenceStatus.SecretManagementNotInstalled : ReferenceStatus.VaultFailed;
        }
    }
}

namespace DataCompass.Core.Operations.Connect
{
    public enum ReferenceStatus
    {
        /// <summary>Resolves.</summary>
        Ok,

        /// <summary>The variable is unset and the placeholder's default will be used.</summary>
        DefaultUsed,

        /// <summary>The environment variable is not set and there is no default.</summary>
        NotSet,

        SecretManagementNotInstalled,
        VaultNotFound,
        VaultLocked,
        SecretNotFound,

        /// <summary>The secret exists but its type cannot fill the field (e.g. a ByteArray).</summary>
        TypeUnusable,

        /// <summary>The vault failed to answer.</summary>
        VaultFailed,

        /// <summary>The stored reference cannot be parsed.</summary>
        Invalid,

        /// <summary>An encrypted value whose key is not in the key ring (or no key is configured).</summary>
        KeyMissing,

        /// <summary>An encrypted value that its key cannot open: damaged or changed.</summary>
        DecryptionFailed,

        /// <summary>The value is longer than the 65,536 characters of a SecureString, so the secret field cannot be handed out.</summary>
        TooLong,

        /// <summary>The key ring is configured but cannot be used (a malformed key, a key file others can read, a vault that fails).</summary>
        KeyUnusable,

        /// <summary>A secret stored in the clear: it works, but a preflight passes it only with -AllowPlaintext.</summary>
        Plaintext,

        /// <summary>The Python tool's "**********" in place of a lost credential: no credential at all.</summary>
        Broken,

        /// <summary>A required secret with no value (nothing stored, or a variable set to nothing).</summary>
        Empty,
    }

    /// <summary>What a checked reference is: an environment placeholder, a vault secret, or an encrypted value.</summary>
    public enum ReferenceKind
    {
        Environment,
        Vault,
        Encrypted,

        /// <summary>A value stored as is, with no reference to follow (plaintext, the legacy mask, or nothing).</summary>
        Literal,
    }

    /// <summary>Whether one reference of one source resolves now. Holds no value.</summary>
    public sealed class ReferenceCheck
    {
        public ReferenceCheck(string source, string field, string reference, ReferenceKind kind, ReferenceStatus status, string message)
        {
            Source = source;
            Field = field;
            Reference = reference;
            Kind = kind;
            Status = status;
            Message = message;
        }

        public string Source { get; }

        public string Field { get; }

        public string Reference { get; }

        public ReferenceKind Kind { get; }

        public ReferenceStatus Status { get; }

        /// <summary>Whether the field would give a working value now; a plaintext one does, but see <see cref="ReferenceStatus.Plaintext"/>.</summary>
        public bool Resolvable => Status == ReferenceStatus.Ok || Status == ReferenceStatus.DefaultUsed || Status == ReferenceStatus.Plaintext;

        public string Message { get; }
    }
}

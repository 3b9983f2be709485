using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace DataCompass
{
    /// <summary>Whether one reference of a source resolves now (DcReferenceTest.Status). ConvertTo-Json writes its name, not its number.</summary>
    [JsonConverter(typeof(StringEnumConverter))]
    public enum DcReferenceStatus
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

        /// <summary>Longer than the 65,536 characters of a SecureString.</summary>
        TooLong,

        /// <summary>The key ring is configured but cannot be used.</summary>
        KeyUnusable,

        /// <summary>A secret stored in the clear: it works, but a preflight passes it only with -AllowPlaintext.</summary>
        Plaintext,

        /// <summary>The Python tool's "**********" in place of a lost credential: no credential at all.</summary>
        Broken,

        /// <summary>A required secret with no value.</summary>
        Empty,
    }
}

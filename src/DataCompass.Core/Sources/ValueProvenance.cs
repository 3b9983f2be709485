namespace DataCompass.Core.Sources
{
    /// <summary>Where a stored field value comes from at connection time.</summary>
    public enum ValueProvenance
    {
        /// <summary>No value stored.</summary>
        None,

        /// <summary>A non-secret value stored as written.</summary>
        Literal,

        /// <summary>One or more <c>${VAR}</c> placeholders.</summary>
        Environment,

        /// <summary>A SecretManagement reference (<c>${secret:...}</c> or secret_ref).</summary>
        Vault,

        /// <summary>An <c>enc:v1:</c> value encrypted at rest.</summary>
        Encrypted,

        /// <summary>A secret stored in the clear: what an audit looks for.</summary>
        Plaintext,
    }
}

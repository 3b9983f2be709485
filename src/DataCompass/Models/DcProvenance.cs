using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace DataCompass
{
    /// <summary>Where a field's value comes from when the source is used. ConvertTo-Json writes its name, not its number.</summary>
    [JsonConverter(typeof(StringEnumConverter))]
    public enum DcProvenance
    {
        /// <summary>No value stored.</summary>
        None,

        /// <summary>A non-secret value stored as written.</summary>
        Literal,

        /// <summary>An environment variable placeholder, resolved at connection time.</summary>
        Env,

        /// <summary>A SecretManagement vault reference.</summary>
        Vault,

        /// <summary>Encrypted at rest.</summary>
        Encrypted,

        /// <summary>A secret stored in the clear.</summary>
        Plaintext,
    }
}

using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace DataCompass
{
    /// <summary>What a checked reference is (DcReferenceTest.Kind). ConvertTo-Json writes its name, not its number.</summary>
    [JsonConverter(typeof(StringEnumConverter))]
    public enum DcReferenceKind
    {
        /// <summary>An environment placeholder, ${VAR}.</summary>
        Env,

        /// <summary>A SecretManagement vault secret.</summary>
        Vault,

        /// <summary>A value encrypted at rest.</summary>
        Encrypted,

        /// <summary>A value stored as is, with no reference to follow (plaintext, the legacy mask, or nothing).</summary>
        Literal,
    }
}

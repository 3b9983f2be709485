using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Operations.Add;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Tests
{
    /// <summary>Validates and plans a source the way Add-DcSource does, against an in-memory backend (no vault unless given).</summary>
    internal static class TestSources
    {
        public static SourcePlan Plan(string name, string type, string? displayName, OrderedMap fields, bool allowPlaintext,
            ISecretBackend? backend = null, string? vault = null, DcConfig? config = null) =>
            SecretPolicy.Plan(
                SourceDefinition.Prepare(name, type, displayName, fields),
                new SecretPolicyOptions(config ?? new DcConfig(), vault, allowPlaintext),
                backend ?? new InMemorySecretBackend(),
                new EmptyCatalog());

        /// <summary>
        /// A source as an older tool stored it, past every check Add-DcSource makes (the Python tool's "**********"
        /// among them): the fields go to the row as they are.
        /// </summary>
        public static SourcePlan AsStored(string name, string type, OrderedMap fields) =>
            new SourcePlan(new NewSource(name, type, null, fields, true), System.Array.Empty<PendingSecret>(), System.Array.Empty<string>(), System.Array.Empty<string>());

        /// <summary>A catalog with no sources and no owned secrets.</summary>
        private sealed class EmptyCatalog : ICatalogLookup
        {
            public void EnsureNameIsFree(string name)
            {
            }

            public string? FindSecretOwner(string vault, string secretName) => null;

            public System.Collections.Generic.IReadOnlyList<StoredSource> ListSources() => System.Array.Empty<StoredSource>();
        }
    }
}

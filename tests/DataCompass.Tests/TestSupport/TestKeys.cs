using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Vaults;

namespace DataCompass.Tests
{
    /// <summary>Key rings and key ring sources for the encryption tests: no file, no vault, no process environment.</summary>
    internal static class TestKeys
    {
        public static KeyRing Ring(params FernetKey[] keys) => new KeyRing(keys, "the test ring");

        /// <summary>A source that finds <paramref name="ring"/> in the environment variable, or finds no key at all when it is null.</summary>
        public static KeyRingSource SourceOf(KeyRing? ring) => new KeyRingSource(
            Environment((KeyRingSource.EnvironmentVariable, ring?.ToText())),
            () => new DcConfig(),
            MissingKeyFile(),
            null);

        /// <summary>A key file path in a folder that does not exist.</summary>
        public static string MissingKeyFile() => Path.Combine(Path.GetTempPath(), "dc-no-key-" + Guid.NewGuid().ToString("n"), KeyFile.FileName);

        public static Func<string, string?> Environment(params (string Name, string? Value)[] variables)
        {
            var map = variables.Where(variable => variable.Value != null).ToDictionary(variable => variable.Name, variable => variable.Value);
            return name => map.TryGetValue(name, out var value) ? value : null;
        }

        /// <summary>Asserts that no text of the exception (message, target, inner messages) holds any of the canaries.</summary>
        public static void AssertNoCanary(Exception exception, params string[] canaries)
        {
            for (var current = exception; current != null; current = current.InnerException)
            {
                foreach (var canary in canaries)
                {
                    Assert.DoesNotContain(canary, current.Message, StringComparison.Ordinal);
                    Assert.DoesNotContain(canary, current.ToString(), StringComparison.Ordinal);
                    if (current is DataCompassException dc)
                    {
                        Assert.DoesNotContain(canary, dc.Target ?? string.Empty, StringComparison.Ordinal);
                    }
                }
            }
        }
    }

    /// <summary>A secret backend for a machine without Microsoft.PowerShell.SecretManagement: every call fails so.</summary>
    internal sealed class NoSecretManagementBackend : ISecretBackend
    {
        public List<string> Calls { get; } = new List<string>();

        public IReadOnlyList<VaultInfo> GetVaults() => throw Missing(nameof(GetVaults));

        public SecretValue Get(string? vault, string name) => throw Missing(nameof(Get));

        public string? GetSecretType(string vault, string name) => throw Missing(nameof(GetSecretType));

        public IReadOnlyCollection<string> GetSecretNames(string vault) => throw Missing(nameof(GetSecretNames));

        public IReadOnlyList<VaultSecretInfo> ListSecrets(string vault) => throw Missing(nameof(ListSecrets));

        public void SetText(string vault, string name, string value) => throw Missing(nameof(SetText));

        public void SetCredential(string vault, string name, string userName, string password) => throw Missing(nameof(SetCredential));

        public void SetMap(string vault, string name, IReadOnlyDictionary<string, string?> entries) => throw Missing(nameof(SetMap));

        public void Remove(string vault, string name) => throw Missing(nameof(Remove));

        public bool Test(string vault) => throw Missing(nameof(Test));

        public void Unlock(string vault, string password) => throw Missing(nameof(Unlock));

        private DataCompassException Missing(string call)
        {
            Calls.Add(call);
            return new DataCompassException(DcError.SecretManagementNotInstalled, "Microsoft.PowerShell.SecretManagement is not installed.");
        }
    }
}

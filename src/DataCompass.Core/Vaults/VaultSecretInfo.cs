using System;
using System.Collections.Generic;

namespace DataCompass.Core.Vaults
{
    /// <summary>What Get-SecretInfo says about one secret: its name, type and the vault's metadata. Never its value.</summary>
    public sealed class VaultSecretInfo
    {
        private static readonly IReadOnlyDictionary<string, object?> NoMetadata = new Dictionary<string, object?>();

        public VaultSecretInfo(string name, string? type, IReadOnlyDictionary<string, object?>? metadata = null)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Type = type;
            Metadata = metadata ?? NoMetadata;
        }

        public string Name { get; }

        /// <summary>String, SecureString, PSCredential, Hashtable, ByteArray, or null when the vault does not say.</summary>
        public string? Type { get; }

        /// <summary>The vault's metadata, keys as the vault spells them; empty when it keeps none.</summary>
        public IReadOnlyDictionary<string, object?> Metadata { get; }
    }
}

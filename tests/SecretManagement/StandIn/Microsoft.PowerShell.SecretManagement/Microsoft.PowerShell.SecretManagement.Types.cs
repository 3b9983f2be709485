// Public types of Microsoft.PowerShell.SecretManagement 1.1.2, re-declared for the test stand-in.
// Same namespace, names, members and constructors as the real module, so vault extensions and callers that
// name these types work against either. Compiled by Microsoft.PowerShell.SecretManagement.psm1 with Add-Type.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;

namespace Microsoft.PowerShell.SecretManagement
{
    public enum SecretType
    {
        Unknown = 0,
        ByteArray,
        String,
        SecureString,
        PSCredential,
        Hashtable
    }

    /// <summary>Thrown by a vault that needs a password before it can be used (e.g. a locked SecretStore).</summary>
    public sealed class PasswordRequiredException : InvalidOperationException
    {
        public PasswordRequiredException(string msg) : base(msg)
        {
        }
    }

    public sealed class SecretInformation
    {
        public string Name { get; }

        public SecretType Type { get; }

        public string VaultName { get; }

        /// <summary>Null when the vault supplied no metadata.</summary>
        public ReadOnlyDictionary<string, object> Metadata { get; }

        public SecretInformation(string name, SecretType type, string vaultName)
        {
            Name = name;
            Type = type;
            VaultName = vaultName;
        }

        public SecretInformation(string name, SecretType type, string vaultName, ReadOnlyDictionary<string, object> metadata)
            : this(name, type, vaultName)
        {
            Metadata = metadata;
        }

        public SecretInformation(string name, SecretType type, string vaultName, Hashtable metadata)
            : this(name, type, vaultName)
        {
            if (metadata == null)
            {
                return;
            }

            // Keys are cast, not converted, and the copy is case-sensitive: both as in the real module.
            var copy = new Dictionary<string, object>(metadata.Count);
            foreach (var key in metadata.Keys)
            {
                copy.Add((string)key, metadata[key]);
            }
            Metadata = new ReadOnlyDictionary<string, object>(copy);
        }
    }

    public sealed class SecretVaultInfo
    {
        public string Name { get; }

        public string ModuleName { get; }

        public string ModulePath { get; }

        public string Description { get; }

        public IReadOnlyDictionary<string, object> VaultParameters { get; }

        public bool IsDefault { get; }

        // Internal, as in the real module: only the module creates these (the stand-in uses reflection).
        internal SecretVaultInfo(
            string name,
            string moduleName,
            string modulePath,
            string description,
            IDictionary<string, object> vaultParameters,
            bool isDefault)
        {
            Name = name;
            ModuleName = moduleName;
            ModulePath = modulePath;
            Description = description ?? string.Empty;
            VaultParameters = new ReadOnlyDictionary<string, object>(
                vaultParameters ?? new Dictionary<string, object>());
            IsDefault = isDefault;
        }
    }

    /// <summary>Base class of the real module's secret cmdlets; declared so the type name resolves.</summary>
    public abstract class SecretCmdlet : PSCmdlet
    {
    }
}

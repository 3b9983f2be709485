using System;
using System.Collections;
using System.Collections.Specialized;
using System.Linq;
using System.Management.Automation;
using System.Security;

namespace DataCompass
{
    /// <summary>
    /// A source with every reference resolved (one that did not fully resolve is never emitted). Secret fields
    /// are SecureStrings unless plaintext was asked for; the credential pairs the user name and password where
    /// the adapter has both.
    /// </summary>
    /// <remarks>
    /// PowerShell reaches the live <c>Settings</c> and <c>Credential</c> through DataCompass.Types.ps1xml (code
    /// properties backed by <see cref="GetSettings"/> and <see cref="GetCredential"/>). The .NET properties of
    /// the same names are what serializers read: ConvertTo-Json would write a SecureString as its length, and
    /// Export-Clixml on Linux as its text, so they only ever see the settings with every secret masked and the
    /// credential's user name. Export-Clixml keeps Name, Type and SecretFields only (types file).
    /// </remarks>
    public sealed class DcSourceConnection
    {
        private const string Mask = "********";
        private readonly OrderedDictionary _settings;
        private readonly PSCredential? _credential;

        internal DcSourceConnection(string name, string type, OrderedDictionary settings, PSCredential? credential, string[] secretFields)
        {
            Name = name;
            Type = type;
            _settings = settings;
            _credential = credential;
            SecretFields = secretFields;
        }

        public string Name { get; }

        public string Type { get; }

        /// <summary>The fields that hold a secret, in declaration order.</summary>
        public string[] SecretFields { get; }

        /// <summary>For serializers: every field, secret values masked. PowerShell's Settings holds the values.</summary>
        public OrderedDictionary Settings
        {
            get
            {
                var masked = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                foreach (DictionaryEntry entry in _settings)
                {
                    var isSecret = SecretFields.Contains((string)entry.Key, StringComparer.OrdinalIgnoreCase);
                    masked.Add(entry.Key, isSecret && entry.Value != null ? Mask : entry.Value);
                }

                return masked;
            }
        }

        /// <summary>For serializers: the user name and a masked password. PowerShell's Credential is the PSCredential.</summary>
        public OrderedDictionary? Credential => _credential == null ? null
            : new OrderedDictionary { { "UserName", _credential.UserName }, { "Password", Mask } };

        /// <summary>The Settings code property: field name to resolved value, in declaration order.</summary>
        public static OrderedDictionary GetSettings(PSObject instance) => ((DcSourceConnection)instance.BaseObject)._settings;

        /// <summary>The Credential code property.</summary>
        public static PSCredential? GetCredential(PSObject instance) => ((DcSourceConnection)instance.BaseObject)._credential;

        public override string ToString() => Name;
    }
}

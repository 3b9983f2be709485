using System.Collections.Specialized;
using System.Management.Automation;

namespace DataCompass
{
    /// <summary>
    /// A source with every reference resolved. Secret fields are SecureStrings unless plaintext was asked for;
    /// <see cref="Credential"/> pairs the user name and password where the adapter has both.
    /// </summary>
    public sealed class DcSourceConnection
    {
        internal DcSourceConnection(string name, string type, OrderedDictionary settings, PSCredential? credential, string[] unresolvedFields)
        {
            Name = name;
            Type = type;
            Settings = settings;
            Credential = credential;
            UnresolvedFields = unresolvedFields;
        }

        public string Name { get; }

        public string Type { get; }

        /// <summary>Field name to resolved value, in declaration order.</summary>
        public OrderedDictionary Settings { get; }

        public PSCredential? Credential { get; }

        /// <summary>False when a reference failed: those fields are empty, and an error was written for each.</summary>
        public bool IsComplete => UnresolvedFields.Length == 0;

        /// <summary>The fields whose references could not be resolved.</summary>
        public string[] UnresolvedFields { get; }

        public override string ToString() => Name;
    }
}

using System.Collections;
using System.Management.Automation;
using System.Security;
using DataCompass.Core.Common;
using DataCompass.Secrets;

namespace DataCompass.Commands
{
    /// <summary>A -Connection hashtable copied as Add-DcSource and Set-DcSource take it, within the input limits.</summary>
    internal static class ConnectionInput
    {
        public static OrderedMap Copy(IDictionary connection, string sourceName) =>
            InputGraph.ToOrderedMap(connection, $"Source '{sourceName}': the -Connection value", sourceName, Unwrap);

        /// <summary>
        /// The one PowerShell-specific step of copying -Connection: a PSObject is its base object, a SecureString its
        /// text. It never recurses; InputGraph walks the nesting within the input limits.
        /// </summary>
        private static object? Unwrap(object? value)
        {
            if (value is PSObject wrapped)
            {
                value = wrapped.BaseObject;
            }

            return value is SecureString secure ? SecureText.Reveal(secure) : value;
        }
    }
}

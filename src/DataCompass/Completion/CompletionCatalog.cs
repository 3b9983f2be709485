using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using DataCompass.Core.Config;

namespace DataCompass.Completion
{
    internal static class CompletionCatalog
    {
        /// <summary>The catalog the command would use, from the -Database typed on the line, else the default.</summary>
        public static string PathFor(IDictionary? fakeBoundParameters) => PathFor(fakeBoundParameters?["Database"] as string);

        /// <summary>
        /// The catalog path for a -Database value (none: the default). Relative paths and '~' resolve against the
        /// PowerShell location, as the cmdlet resolves them.
        /// </summary>
        public static string PathFor(string? database)
        {
            if (!string.IsNullOrEmpty(database))
            {
                using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
                shell.AddScript("param($path) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($path)").AddArgument(database);
                database = shell.Invoke().Select(result => result?.BaseObject as string).FirstOrDefault() ?? database;
            }

            return CatalogLocation.Resolve(database, Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        }
    }
}

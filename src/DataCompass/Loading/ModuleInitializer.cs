using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace DataCompass.Loading
{
    /// <summary>
    /// Runs on Import-Module: teaches the default load context where DataCompass.Core lives. Only that one
    /// name is answered; everything Core needs is then found by the private context that loaded it.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        private const string CoreAssemblyName = "DataCompass.Core";
        private static readonly object Gate = new object();
        private static DependencyLoadContext? s_context;

        public void OnImport()
        {
            // Import-Module after Remove-Module runs this again in the same process: register once.
            lock (Gate)
            {
                if (s_context != null)
                {
                    return;
                }

                var moduleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
                s_context = new DependencyLoadContext(Path.Combine(moduleFolder, "deps"));
                AssemblyLoadContext.Default.Resolving += ResolveCore;
            }
        }

        private static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name) =>
            name.Name == CoreAssemblyName ? s_context?.LoadFromAssemblyName(name) : null;
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Xunit;

namespace DataCompass.Tests
{
    /// <summary>
    /// The core is laid out in layers, and each folder may use only the folders below it. A use case under
    /// Operations uses no other use case: what two of them share belongs in a lower layer.
    /// </summary>
    public class LayeringTests
    {
        private static readonly string[] Layers =
        {
            "Errors", "Common", "References", "Adapters", "Config", "Vaults", "Storage", "Encryption", "Sources", "Operations",
        };

        private static readonly Regex CoreNamespace = new Regex(@"\bDataCompass\.Core\.([A-Za-z]+(?:\.[A-Za-z]+)?)");

        [Fact]
        public void Every_core_folder_uses_only_the_layers_below_it()
        {
            var violations = new List<string>();
            foreach (var file in CoreSourceFiles())
            {
                var folder = FolderOf(file);
                foreach (var used in NamespacesUsedBy(file).Where(used => used != folder))
                {
                    if (!MayUse(folder, used))
                    {
                        violations.Add($"{Path.GetRelativePath(CoreRoot(), file)} ({folder}) uses {used}");
                    }
                }
            }

            Assert.True(violations.Count == 0, "Layering violations:\n" + string.Join("\n", violations));
        }

        [Fact]
        public void Every_core_folder_is_a_known_layer()
        {
            var unknown = CoreSourceFiles().Select(FolderOf).Distinct().Where(folder => Array.IndexOf(Layers, LayerOf(folder)) < 0).ToList();
            Assert.True(unknown.Count == 0, "Folders outside the layers: " + string.Join(", ", unknown));
        }

        [Fact]
        public void The_check_sees_a_violation()
        {
            // Positive control: a folder using one above it, and one use case using another, are both caught.
            Assert.False(MayUse("Storage", "Encryption"));
            Assert.False(MayUse("Operations.Remove", "Operations.Connect"));
            Assert.True(MayUse("Operations.Remove", "Sources"));
            Assert.Contains("Sources", NamespacesIn("using DataCompass.Core.Sources;\nvar x = DataCompass.Core.Errors.DcError.SourceInvalid;"));
            Assert.Contains("Errors", NamespacesIn("var x = DataCompass.Core.Errors.DcError.SourceInvalid;"));
        }

        private static bool MayUse(string folder, string used)
        {
            if (LayerOf(folder) == "Operations" && LayerOf(used) == "Operations")
            {
                return false;
            }

            return Array.IndexOf(Layers, LayerOf(used)) < Array.IndexOf(Layers, LayerOf(folder));
        }

        private static string LayerOf(string folder) => folder.Split('.')[0];

        private static string FolderOf(string file) =>
            Path.GetRelativePath(CoreRoot(), Path.GetDirectoryName(file)!).Replace(Path.DirectorySeparatorChar, '.');

        private static IEnumerable<string> NamespacesUsedBy(string file) => NamespacesIn(File.ReadAllText(file));

        private static IEnumerable<string> NamespacesIn(string text)
        {
            // The file's own namespace line is not a use.
            var body = Regex.Replace(text, @"^namespace [\w.]+", string.Empty, RegexOptions.Multiline);
            return CoreNamespace.Matches(body).Select(match => Normalize(match.Groups[1].Value)).Distinct();
        }

        // "Operations.Add.SecretPolicy" names the folder Operations.Add; "Errors.DcError" the folder Errors.
        private static string Normalize(string name)
        {
            var parts = name.Split('.');
            return parts[0] == "Operations" && parts.Length > 1 ? parts[0] + "." + parts[1] : parts[0];
        }

        private static IEnumerable<string> CoreSourceFiles() =>
            Directory.EnumerateFiles(CoreRoot(), "*.cs", SearchOption.AllDirectories)
                .Where(file => !file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    && !file.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal));

        private static string CoreRoot([CallerFilePath] string thisFile = "") =>
            Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "src", "DataCompass.Core"));
    }
}

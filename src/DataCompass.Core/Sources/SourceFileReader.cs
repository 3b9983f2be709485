using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Sources
{
    /// <summary>Reads a source config (YAML) with the hardened reader; errors say "Source file" and use the source file error ids.</summary>
    public static class SourceFileReader
    {
        private static readonly YamlReader Reader = new YamlReader("Source file", DcError.SourceFileNotFound, DcError.SourceFileInvalid, DcError.SourceFileTooLarge);

        /// <summary>Reads and parses the file at <paramref name="path"/> (already resolved to a full path).</summary>
        public static OrderedMap ReadFile(string path) => Reader.ReadFile(path);

        /// <summary>Parses YAML text; <paramref name="origin"/> names the text in error messages and as the error target.</summary>
        public static OrderedMap ReadText(string yaml, string origin) => Reader.ReadText(yaml, origin);
    }
}

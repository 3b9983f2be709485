namespace DataCompass.Core.Common
{
    /// <summary>
    /// The bounds every input is held to, whichever way it arrives (a YAML file, a -Connection hashtable): a
    /// hostile or mistaken input gets an error, never unbounded memory, time or stack.
    /// </summary>
    public static class InputLimits
    {
        /// <summary>Text in one input: bytes of a file, or UTF-8 bytes of all keys and strings of a hashtable.</summary>
        public const long MaxTextBytes = 1024 * 1024;

        /// <summary>Levels of nested mappings and lists, the top-level mapping included.</summary>
        public const int MaxDepth = 20;

        /// <summary>Keys, values and list items together.</summary>
        public const int MaxNodes = 10000;

        /// <summary>The longest text a SecureString can hold, so the longest secret value DataCompass can hand out.</summary>
        public const int MaxSecretLength = 65536;
    }
}

using System;

namespace DataCompass
{
    /// <summary>
    /// The core's enums as the enums of the output objects, value for value by name (the core's types stay out of
    /// what PowerShell sees). A core value without a namesake here is a bug, and Module.Tests checks there is none.
    /// </summary>
    internal static class OutputEnum
    {
        public static T From<T>(Enum value) where T : struct, Enum => Enum.Parse<T>(value.ToString());

        public static T From<T>(string name) where T : struct, Enum => Enum.Parse<T>(name);
    }
}

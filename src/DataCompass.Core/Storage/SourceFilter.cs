using System;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// Which rows <see cref="SourceCatalog.EnumerateSources"/> keeps. <see cref="Name"/> and <see cref="Type"/> are
    /// the exact tests, made on the name and type before the rest of a row is read. <see cref="NameGlob"/>, from
    /// <see cref="SourceNameGlob"/>, only narrows the rows SQLite hands over; it never decides on its own.
    /// </summary>
    public sealed class SourceFilter
    {
        public Func<string, bool>? Name { get; init; }

        public Func<string, bool>? Type { get; init; }

        public string? NameGlob { get; init; }
    }
}

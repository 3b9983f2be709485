using System;
using System.Collections.Generic;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// The keys of a source file that describe the source rather than its connection: <c>name</c>, <c>type</c>,
    /// <c>display_name</c> and <c>active</c>, as Export-DcSource writes them. All four are optional (a file without
    /// <c>active</c> is an active source); the rest of the mapping is the adapter's fields, as in the Python tool's
    /// flat format.
    /// </summary>
    public sealed class SourceFileHeader
    {
        public const string NameKey = "name";
        public const string TypeKey = "type";
        public const string DisplayNameKey = "display_name";
        public const string ActiveKey = "active";

        private SourceFileHeader(string? name, string? type, string? displayName, bool? active, OrderedMap fields)
        {
            Name = name;
            Type = type;
            DisplayName = displayName;
            Active = active;
            Fields = fields;
        }

        public string? Name { get; }

        public string? Type { get; }

        public string? DisplayName { get; }

        /// <summary>The file's active: key; null when the file has none.</summary>
        public bool? Active { get; }

        /// <summary>Whether the source is active: as the file says, else active (an export leaves the key out for an active source).</summary>
        public bool IsActive => Active ?? true;

        /// <summary>The file's mapping without the header keys: the adapter's fields.</summary>
        public OrderedMap Fields { get; }

        /// <summary>
        /// Splits a file's mapping; a header key whose value is not text (for active:, not true or false) is refused,
        /// naming the file and the key.
        /// </summary>
        public static SourceFileHeader Split(OrderedMap file, string path)
        {
            string? name = null, type = null, displayName = null;
            bool? active = null;
            var fields = new OrderedMap();
            foreach (var entry in file)
            {
                // Case is ignored, as for the adapter's fields.
                switch (entry.Key.ToLowerInvariant())
                {
                    case NameKey:
                        name = Text(name, entry, path);
                        break;
                    case TypeKey:
                        type = Text(type, entry, path);
                        break;
                    case DisplayNameKey:
                        displayName = Text(displayName, entry, path);
                        break;
                    case ActiveKey:
                        active = Flag(active, entry, path);
                        break;
                    default:
                        fields.Add(entry.Key, entry.Value);
                        break;
                }
            }

            return new SourceFileHeader(name, type, displayName, active, fields);
        }

        /// <summary>
        /// Checks the header against what the command was given (Add-DcSource -Name -Type -DisplayName): a name or
        /// type that differs is an error naming both; the file's display name applies unless the command gives one.
        /// </summary>
        /// <returns>The display name to use.</returns>
        public string? CheckAgainst(string name, string type, string? displayName, string path)
        {
            if (Name != null && !string.Equals(Name, name, StringComparison.Ordinal))
            {
                throw Conflict(path, $"names the source '{Name}' (name:), but the command adds '{name}'", name);
            }

            if (Type != null && !string.Equals(AdapterCatalog.Find(Type)?.Type ?? Type, AdapterCatalog.Find(type)?.Type ?? type, StringComparison.OrdinalIgnoreCase))
            {
                throw Conflict(path, $"is of type '{Type}' (type:), but the command adds source '{name}' as '{type}'", name);
            }

            return displayName ?? DisplayName;
        }

        private static DataCompassException Conflict(string path, string what, string target) =>
            new DataCompassException(DcError.SourceFileConflict, $"Source file '{path}' {what}. Remove the key from the file or give the same value.", target);

        /// <summary>
        /// The YAML 1.2 booleans only: the reader keeps scalars as text, and yes/no/on/off read as booleans to some
        /// YAML readers and as text to others, so a file means the same to every tool. The value is not repeated.
        /// </summary>
        private static bool Flag(bool? earlier, KeyValuePair<string, object?> entry, string path)
        {
            Once(earlier != null, entry, path);
            return entry.Value switch
            {
                true or "true" or "True" or "TRUE" => true,
                false or "false" or "False" or "FALSE" => false,
                _ => throw new DataCompassException(
                    DcError.SourceFileInvalid, $"Source file '{path}': the key '{entry.Key}' must be true or false.", path),
            };
        }

        private static string Text(string? earlier, KeyValuePair<string, object?> entry, string path)
        {
            Once(earlier != null, entry, path);
            return entry.Value as string ?? throw new DataCompassException(
                DcError.SourceFileInvalid, $"Source file '{path}': the key '{entry.Key}' must be text.", path);
        }

        private static void Once(bool seen, KeyValuePair<string, object?> entry, string path)
        {
            if (seen)
            {
                throw new DataCompassException(DcError.SourceFileInvalid, $"Source file '{path}' gives the key '{entry.Key.ToLowerInvariant()}' more than once.", path);
            }
        }
    }
}

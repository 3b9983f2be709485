using System;
using System.Collections.Generic;
using System.Linq;

namespace DataCompass.Core.Adapters
{
    /// <summary>An adapter is data: its type name and its fields in declaration order.</summary>
    public sealed class AdapterSchema
    {
        public AdapterSchema(string type, string displayName, IReadOnlyList<FieldSchema> fields, string? usernameField = null, string? passwordField = null)
        {
            Type = type;
            DisplayName = displayName;
            Fields = fields;
            UsernameField = usernameField;
            PasswordField = passwordField;
            _byName = new Dictionary<string, FieldSchema>(StringComparer.OrdinalIgnoreCase);
            foreach (var field in fields)
            {
                _byName.TryAdd(field.Name, field);
            }
        }

        // Looked up for every field of every row read (Get-DcSource over a large catalog).
        private readonly Dictionary<string, FieldSchema> _byName;

        public string Type { get; }

        public string DisplayName { get; }

        public IReadOnlyList<FieldSchema> Fields { get; }

        /// <summary>With <see cref="PasswordField"/>, the pair a connection offers as one credential.</summary>
        public string? UsernameField { get; }

        public string? PasswordField { get; }

        public IEnumerable<FieldSchema> SecretFields => Fields.Where(candidate => candidate.IsSecret);

        public FieldSchema? FindField(string name) => _byName.TryGetValue(name, out var field) ? field : null;
    }
}

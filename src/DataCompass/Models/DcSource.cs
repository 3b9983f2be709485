using System;
using System.Linq;

namespace DataCompass
{
    /// <summary>A catalogued data source, as Get-DcSource shows it. It holds no secret value.</summary>
    public sealed class DcSource
    {
        internal DcSource(long id, string name, string? displayName, string type, bool isActive, DcSourceField[] fields,
            DateTime createdAt, DateTime updatedAt, DateTime? lastScanAt, string? lastScanStatus, string database)
        {
            Id = id;
            Name = name;
            DisplayName = displayName;
            Type = type;
            IsActive = isActive;
            Fields = fields;
            CreatedAt = createdAt;
            UpdatedAt = updatedAt;
            LastScanAt = lastScanAt;
            LastScanStatus = lastScanStatus;
            Database = database;
        }

        public long Id { get; }

        public string Name { get; }

        public string? DisplayName { get; }

        public string Type { get; }

        public bool IsActive { get; }

        /// <summary>Every stored field in declaration order, with its provenance.</summary>
        public DcSourceField[] Fields { get; }

        /// <summary>True when any secret field is stored in the clear.</summary>
        public bool HasPlaintextSecret => Fields.Any(f => f.IsSecret && f.Provenance == DcProvenance.Plaintext);

        /// <summary>The secret fields, each as name = shown value (provenance).</summary>
        public string Secrets => string.Join("; ", Fields.Where(f => f.IsSecret && f.Provenance != DcProvenance.None)
            .Select(f => $"{f.Name}={f.DisplayText} ({f.Provenance.ToString().ToLowerInvariant()})"));

        public DateTime CreatedAt { get; }

        public DateTime UpdatedAt { get; }

        public DateTime? LastScanAt { get; }

        public string? LastScanStatus { get; }

        /// <summary>The catalog database this source was read from.</summary>
        public string Database { get; }

        public override string ToString() => Name;
    }
}

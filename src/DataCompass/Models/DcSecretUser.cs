namespace DataCompass
{
    /// <summary>One field that refers to a vault secret, as Get-DcSecretInventory lists it.</summary>
    public sealed class DcSecretUser
    {
        internal DcSecretUser(DcSecretUserKind kind, string name, string field, string reference)
        {
            Kind = kind;
            Name = name;
            Field = field;
            Reference = reference;
        }

        /// <summary>Source, or NotificationChannel.</summary>
        public DcSecretUserKind Kind { get; }

        /// <summary>The source's (or channel's) name.</summary>
        public string Name { get; }

        public string Field { get; }

        /// <summary>The reference as stored, e.g. ${secret:Store/DataCompass-prod-password} or ${secret:pg-pass}.</summary>
        public string Reference { get; }

        /// <summary>source.field, or channel:name.field.</summary>
        public override string ToString() => Kind == DcSecretUserKind.Source ? $"{Name}.{Field}" : $"channel:{Name}.{Field}";
    }
}

namespace DataCompass.Core.Operations.Inventory
{
    public enum InventoryUserKind
    {
        Source,
        NotificationChannel,
    }

    /// <summary>One field that refers to a secret: a source's (or a notification channel's), with the reference as written.</summary>
    public sealed class InventoryUser
    {
        public InventoryUser(InventoryUserKind kind, string name, string field, string reference)
        {
            Kind = kind;
            Name = name;
            Field = field;
            Reference = reference;
        }

        public InventoryUserKind Kind { get; }

        public string Name { get; }

        public string Field { get; }

        public string Reference { get; }

        /// <summary>source.field, or channel:name.field for a notification channel.</summary>
        public override string ToString() => Kind == InventoryUserKind.Source ? $"{Name}.{Field}" : $"channel:{Name}.{Field}";
    }
}

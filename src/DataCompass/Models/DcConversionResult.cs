namespace DataCompass
{
    /// <summary>What Convert-DcSourceSecret did with one secret field. Holds no value.</summary>
    public sealed class DcConversionResult
    {
        internal DcConversionResult(DcConversionKind kind, string source, string field, DcConversionStatus status, string? reference, string? message)
        {
            Kind = kind;
            Source = source;
            Field = field;
            Status = status;
            Reference = reference;
            Message = message;
        }

        /// <summary>DataSource, or NotificationChannel for a value in the config of one of the Python tool's notification channels.</summary>
        public DcConversionKind Kind { get; }

        /// <summary>The data source, or the notification channel (see <see cref="Kind"/>).</summary>
        public string Source { get; }

        public string Field { get; }

        /// <summary>Converted, Planned (-WhatIf), Declined (no at the -Confirm prompt), AlreadySafe, Broken, Mixed, Failed, or NotSelected (a notification channel's plaintext without -IncludeNotificationChannel).</summary>
        public DcConversionStatus Status { get; }

        /// <summary>The reference the field holds (or would hold) once converted.</summary>
        public string? Reference { get; }

        public string? Message { get; }

        public override string ToString() => $"{(Kind == DcConversionKind.NotificationChannel ? "notification channel " : string.Empty)}{Source}.{Field}: {Status}";
    }
}

namespace DataCompass
{
    /// <summary>What Convert-DcSourceSecret did with one secret field. Holds no value.</summary>
    public sealed class DcConversionResult
    {
        internal DcConversionResult(string source, string field, string status, string? reference, string? message)
        {
            Source = source;
            Field = field;
            Status = status;
            Reference = reference;
            Message = message;
        }

        public string Source { get; }

        public string Field { get; }

        /// <summary>Converted, Planned (-WhatIf), AlreadySafe, Broken, Mixed or Failed.</summary>
        public string Status { get; }

        /// <summary>The reference the field holds (or would hold) once converted.</summary>
        public string? Reference { get; }

        public string? Message { get; }

        public override string ToString() => $"{Source}.{Field}: {Status}";
    }
}

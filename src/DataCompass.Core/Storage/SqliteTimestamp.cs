using System;
using System.Globalization;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// DATETIME text as SQLAlchemy writes it to SQLite (<c>YYYY-MM-DD HH:MM:SS[.ffffff]</c>, UTC without a zone).
    /// </summary>
    internal static class SqliteTimestamp
    {
        private static readonly string[] Formats =
        {
            "yyyy-MM-dd HH:mm:ss.FFFFFFF",
            "yyyy-MM-dd HH:mm:ss",
            "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
            "yyyy-MM-ddTHH:mm:ss",
            "yyyy-MM-dd",
        };

        public static string Format(DateTime utc) =>
            utc.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

        public static DateTime? Parse(object? value)
        {
            // A timestamp column read from a server database comes back as the time itself (UTC, without a zone).
            if (value is DateTime time)
            {
                return DateTime.SpecifyKind(time, DateTimeKind.Utc);
            }

            if (!(value is string text) || text.Length == 0)
            {
                return null;
            }

            return DateTime.TryParseExact(text.Trim(), Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : (DateTime?)null;
        }
    }
}

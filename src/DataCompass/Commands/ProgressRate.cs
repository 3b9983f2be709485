using System.Diagnostics;
using System.Globalization;

namespace DataCompass.Commands
{
    internal static class ProgressRate
    {
        /// <summary>Items a second so far, for a progress bar's status line.</summary>
        public static string PerSecond(int done, Stopwatch clock) =>
            clock.Elapsed.TotalSeconds < 0.001 ? "-" : (done / clock.Elapsed.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture);
    }
}

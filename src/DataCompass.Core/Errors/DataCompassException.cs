using System;

namespace DataCompass.Core.Errors
{
    /// <summary>
    /// The one exception type the core throws for an expected failure. Its message names sources, fields,
    /// variables and references, never a secret value.
    /// </summary>
    public class DataCompassException : Exception
    {
        public DataCompassException(DcError error, string message, string? target = null, Exception? innerException = null)
            : base(message, innerException)
        {
            Error = error;
            Target = target;
        }

        public DcError Error { get; }

        /// <summary>What the error is about (a source name, a file path, a variable); never a secret value.</summary>
        public string? Target { get; }

        /// <summary>
        /// A failed precondition (e.g. no vault at all) rather than a bad item: every further item would meet it
        /// too, so a pipeline command stops instead of going on to the next input.
        /// </summary>
        public bool IsPrecondition { get; init; }

        /// <summary>The same error with its message placed in context, e.g. "Source 'prod', field 'password': ...".</summary>
        public DataCompassException WithContext(string context) =>
            Message.StartsWith(context, StringComparison.Ordinal)
                ? this
                : new DataCompassException(Error, $"{context}: {Message}", Target) { IsPrecondition = IsPrecondition };
    }
}

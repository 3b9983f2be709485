using DataCompass.Core.Errors;

namespace DataCompass.Core.Operations.Connect
{
    /// <summary>Why one field of a source could not be resolved. Names things, never values.</summary>
    public sealed class FieldFailure
    {
        public FieldFailure(string field, DcError error, string message, string target)
        {
            Field = field;
            Error = error;
            Message = message;
            Target = target;
        }

        public string Field { get; }

        public DcError Error { get; }

        public string Message { get; }

        /// <summary>The variable or reference that failed.</summary>
        public string Target { get; }

        public DataCompassException ToException() => new DataCompassException(Error, Message, Target);
    }
}

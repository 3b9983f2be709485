using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using DataCompass.Core.Errors;

namespace DataCompass
{
    /// <summary>
    /// The one place core errors become PowerShell ErrorRecords: the ErrorId is the core's stable id, the
    /// category follows its kind, and the exception is a standard .NET type, so no core type reaches the session.
    /// </summary>
    internal static class ErrorRecords
    {
        public static ErrorRecord From(DataCompassException exception)
        {
            var (category, wrapped) = Map(exception.Error.Kind, exception.Message);
            return new ErrorRecord(wrapped, exception.Error.Id, category, exception.Target);
        }

        public static ErrorRecord From(DcError error, string message, object? target)
        {
            var (category, wrapped) = Map(error.Kind, message);
            return new ErrorRecord(wrapped, error.Id, category, target);
        }

        private static (ErrorCategory, Exception) Map(DcErrorKind kind, string message) => kind switch
        {
            DcErrorKind.ObjectNotFound => (ErrorCategory.ObjectNotFound, new ItemNotFoundException(message)),
            DcErrorKind.ResourceExists => (ErrorCategory.ResourceExists, new InvalidOperationException(message)),
            DcErrorKind.InvalidArgument => (ErrorCategory.InvalidArgument, new ArgumentException(message)),
            DcErrorKind.InvalidData => (ErrorCategory.InvalidData, new InvalidDataException(message)),
            DcErrorKind.InvalidOperation => (ErrorCategory.InvalidOperation, new InvalidOperationException(message)),
            DcErrorKind.SecurityError => (ErrorCategory.SecurityError, new SecurityException(message)),
            DcErrorKind.ResourceUnavailable => (ErrorCategory.ResourceUnavailable, new IOException(message)),
            DcErrorKind.NotInstalled => (ErrorCategory.NotInstalled, new NotSupportedException(message)),
            DcErrorKind.ReadError => (ErrorCategory.ReadError, new IOException(message)),
            DcErrorKind.WriteError => (ErrorCategory.WriteError, new IOException(message)),
            _ => (ErrorCategory.NotSpecified, new InvalidOperationException(message)),
        };
    }
}

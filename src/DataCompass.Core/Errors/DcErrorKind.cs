namespace DataCompass.Core.Errors
{
    /// <summary>
    /// What kind of failure an error is. The cmdlet layer maps each kind to one PowerShell ErrorCategory,
    /// so the core stays free of PowerShell types.
    /// </summary>
    public enum DcErrorKind
    {
        ObjectNotFound,
        ResourceExists,
        InvalidArgument,
        InvalidData,
        InvalidOperation,
        SecurityError,
        ResourceUnavailable,
        NotInstalled,
        ReadError,
        WriteError,
    }
}

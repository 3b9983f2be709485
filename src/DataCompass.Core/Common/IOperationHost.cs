namespace DataCompass.Core.Common
{
    /// <summary>
    /// What an operation asks of whoever runs it: permission before each change (a cmdlet's ShouldProcess, so
    /// -WhatIf and -Confirm work) and a place for warnings. The core never talks to PowerShell directly.
    /// </summary>
    public interface IOperationHost
    {
        /// <summary>True when the change may go ahead; false leaves it undone.</summary>
        bool ShouldProcess(string target, string action);

        void Warn(string message);
    }
}

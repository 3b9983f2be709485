using System.Collections.Generic;
using DataCompass.Core.Common;

namespace DataCompass.Tests
{
    /// <summary>An operation host that answers every ShouldProcess with <see cref="Allow"/> and records what it was asked and told.</summary>
    internal sealed class RecordingHost : IOperationHost
    {
        public bool Allow { get; set; } = true;

        public List<string> Asked { get; } = new List<string>();

        public List<string> Warnings { get; } = new List<string>();

        public bool ShouldProcess(string target, string action)
        {
            Asked.Add($"{action}: {target}");
            return Allow;
        }

        public void Warn(string message) => Warnings.Add(message);
    }
}

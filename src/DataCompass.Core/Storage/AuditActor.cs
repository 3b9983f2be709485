using System;

namespace DataCompass.Core.Storage
{
    /// <summary>
    /// Who makes a change: the OS user, the machine, the process, the PowerShell host and the command. Names only:
    /// nothing secret identifies the user in the catalog.
    /// </summary>
    public sealed class AuditActor
    {
        public AuditActor(string user, string machine, int processId, string hostName, string command)
        {
            User = user;
            Machine = machine;
            ProcessId = processId;
            HostName = hostName;
            Command = command;
        }

        public string User { get; }

        public string Machine { get; }

        public int ProcessId { get; }

        /// <summary>The PowerShell host's name (ConsoleHost, Default Host, ...).</summary>
        public string HostName { get; }

        /// <summary>The command that made the change (Add-DcSource, ...).</summary>
        public string Command { get; }

        /// <summary>This process, run by <paramref name="command"/> in the host <paramref name="hostName"/>.</summary>
        public static AuditActor OfThisProcess(string hostName, string command) =>
            new AuditActor(Environment.UserName, Environment.MachineName, Environment.ProcessId, hostName, command);

        /// <summary>For code that runs outside any command (tests, tools): the process and nothing more.</summary>
        public static AuditActor Unknown { get; } = OfThisProcess("unknown", "unknown");
    }
}

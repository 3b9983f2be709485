using System;
using System.IO;
using System.Text.RegularExpressions;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Config
{
    /// <summary>
    /// Config <c>vault_unlock</c>: where the password of a vault that locks (SecretStore with a password) comes from,
    /// so a scheduled job can unlock it without a prompt: <c>${VARIABLE}</c> (an automation account's secret
    /// variable), or a file only its owner can read (0600). Never the password itself.
    /// </summary>
    public static class VaultUnlock
    {
        private static readonly Regex Variable = new Regex(@"^\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}$", RegexOptions.CultureInvariant);

        /// <summary>What is wrong with a source, completing "entry 'Vault' ...", or null when it is usable.</summary>
        public static string? Check(string source)
        {
            if (Variable.IsMatch(source) || IsFilePath(source))
            {
                return null;
            }

            return "must be ${VARIABLE} or the path of a file that holds the password (absolute, or starting with ~/); the password itself never goes in the config";
        }

        private static bool IsFilePath(string source) =>
            source.StartsWith("~/", StringComparison.Ordinal) || (Path.IsPathRooted(source) && source.IndexOfAny(Path.GetInvalidPathChars()) < 0);

        /// <summary>How a source is named in messages: the variable or the file, never what it holds.</summary>
        public static string Describe(string source) =>
            Variable.IsMatch(source) ? $"${{{Variable.Match(source).Groups["name"].Value}}}" : $"the file '{source}'";

        /// <summary>The password a source holds; <see cref="DcError.VaultUnlockFailed"/> when it cannot be read or may be read by others.</summary>
        public static string ReadPassword(string vault, string source, Func<string, string?> environment, string home)
        {
            var context = $"The vault '{vault}' is locked, and config vault_unlock takes its password from {Describe(source)}";
            var match = Variable.Match(source);
            if (match.Success)
            {
                var value = environment(match.Groups["name"].Value);
                return string.IsNullOrEmpty(value)
                    ? throw new DataCompassException(DcError.VaultUnlockFailed, $"{context}, which is not set in this session.", vault)
                    : value!;
            }

            var path = source.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, source.Substring(2)) : source;
            string text;
            try
            {
                if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & OthersMayRead) != 0)
                {
                    var mode = Convert.ToString((int)File.GetUnixFileMode(path), 8);
                    throw new DataCompassException(
                        DcError.VaultUnlockFailed, $"{context}, which others may read (mode {mode}): 'chmod 600' it, then run the command again. The file was not read.", vault);
                }

                text = File.ReadAllText(path);
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                throw new DataCompassException(DcError.VaultUnlockFailed, $"{context}, which cannot be read: {exception.Message}", vault);
            }

            // One line, as `echo pw > file` writes it: the line break is not part of the password.
            var password = text.TrimEnd('\r', '\n');
            return password.Length == 0
                ? throw new DataCompassException(DcError.VaultUnlockFailed, $"{context}, which is empty.", vault)
                : password;
        }

        private const UnixFileMode OthersMayRead =
            UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security;
using DataCompass.Core.Errors;
using DataCompass.Core.Vaults;

namespace DataCompass.Secrets
{
    /// <summary>
    /// Calls Microsoft.PowerShell.SecretManagement's public cmdlets by module-qualified name on the caller's
    /// runspace, with no compile-time reference, so any registered vault extension works. SecretManagement
    /// runs every vault call on one shared runspace and is not thread-safe: all calls in the process go
    /// through one lock. Its outcomes, including the errors it writes without throwing, become DataCompass
    /// errors that name the vault and secret, never a value.
    /// </summary>
    internal sealed class SecretManagementBridge : ISecretBackend
    {
        public const string ModuleName = "Microsoft.PowerShell.SecretManagement";
        private const string PasswordRequiredType = "Microsoft.PowerShell.SecretManagement.PasswordRequiredException";
        private static readonly object Gate = new object();
        private bool _loaded;
        private PowerShell? _shell;
        private readonly ArrayList? _userErrors;

        /// <param name="sessionState">The calling command's session state, whose $Error is kept free of
        /// SecretManagement's own records; null where there is none (argument completion).</param>
        public SecretManagementBridge(SessionState? sessionState)
        {
            _userErrors = sessionState?.PSVariable.GetValue("Error") as ArrayList;
        }

        public IReadOnlyList<VaultInfo> GetVaults()
        {
            var output = Invoke("Get-SecretVault", new Dictionary<string, object?>(), out _, vault: null, secret: null);
            return output
                .Select(item => new VaultInfo(
                    Property(item, "Name") as string ?? string.Empty,
                    Property(item, "ModuleName") as string ?? string.Empty,
                    Property(item, "IsDefault") is bool isDefault && isDefault))
                .Where(vault => vault.Name.Length > 0)
                .ToList();
        }

        public SecretValue Get(string? vault, string name)
        {
            var parameters = new Dictionary<string, object?> { ["Name"] = name, ["AsPlainText"] = true };
            if (vault != null)
            {
                parameters["Vault"] = vault;
            }

            var output = Invoke("Get-Secret", parameters, out var errors, vault, name);
            var values = output.Select(item => item?.BaseObject).Where(item => item != null).ToList();
            if (values.Count > 1)
            {
                // Which one is the secret is anyone's guess: using the first would hand out a credential silently.
                throw new DataCompassException(
                    DcError.VaultFailed,
                    $"The vault '{vault ?? "(any vault)"}' returned {values.Count.ToString(CultureInfo.InvariantCulture)} values for the secret '{name}' instead of one, so none is used. " +
                    "Check the vault extension (its Get-Secret must write exactly one object).",
                    vault);
            }

            var value = values.FirstOrDefault();
            if (value == null)
            {
                ThrowFirst(errors, vault, name);
                throw NotFound(vault, name);
            }

            return ToSecretValue(value);
        }

        public string? GetSecretType(string vault, string name)
        {
            var parameters = new Dictionary<string, object?> { ["Name"] = WildcardPattern.Escape(name), ["Vault"] = vault };
            var output = Invoke("Get-SecretInfo", parameters, out var errors, vault, name);
            ThrowFirst(errors, vault, name);
            var match = output.FirstOrDefault(item => string.Equals(Property(item, "Name") as string, name, StringComparison.OrdinalIgnoreCase));
            return match == null ? null : Convert.ToString(Property(match, "Type"), CultureInfo.InvariantCulture);
        }

        public IReadOnlyCollection<string> GetSecretNames(string vault)
        {
            var output = Invoke("Get-SecretInfo", new Dictionary<string, object?> { ["Name"] = "*", ["Vault"] = vault }, out var errors, vault, null);
            ThrowFirst(errors, vault, null);
            return new HashSet<string>(
                output.Select(item => Property(item, "Name") as string).Where(name => name != null).Select(name => name!),
                StringComparer.OrdinalIgnoreCase);
        }

        public IReadOnlyList<VaultSecretInfo> ListSecrets(string vault)
        {
            var output = Invoke("Get-SecretInfo", new Dictionary<string, object?> { ["Name"] = "*", ["Vault"] = vault }, out var errors, vault, null);
            ThrowFirst(errors, vault, null);
            return output
                .Where(item => Property(item, "Name") is string)
                .Select(item => new VaultSecretInfo(
                    (string)Property(item, "Name")!,
                    Convert.ToString(Property(item, "Type"), CultureInfo.InvariantCulture),
                    MetadataOf(Property(item, "Metadata"))))
                .ToList();
        }

        /// <summary>SecretInformation.Metadata (a dictionary, or null), its values unwrapped from PSObject.</summary>
        private static IReadOnlyDictionary<string, object?>? MetadataOf(object? metadata)
        {
            if (!(metadata is IDictionary map))
            {
                return null;
            }

            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in map)
            {
                var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture);
                if (key != null)
                {
                    copy[key] = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
                }
            }

            return copy;
        }

        public void SetText(string vault, string name, string value) =>
            Set(vault, name, SecureText.Protect(value));

        public void SetCredential(string vault, string name, string userName, string password) =>
            Set(vault, name, new PSCredential(userName, SecureText.Protect(password)));

        public void SetMap(string vault, string name, IReadOnlyDictionary<string, string?> entries)
        {
            var map = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in entries)
            {
                // Plain strings, as a Hashtable secret is usually written (@{ password = '...' }): vault extensions that
                // store a Hashtable's SecureString entries as text would otherwise keep "System.Security.SecureString".
                map[entry.Key] = entry.Value;
            }

            Set(vault, name, map);
        }

        public void Remove(string vault, string name)
        {
            Invoke("Remove-Secret", new Dictionary<string, object?> { ["Name"] = name, ["Vault"] = vault }, out var errors, vault, name);
            if (errors.Count == 0)
            {
                return;
            }

            // Each vault extension words "not there" its own way: ask the vault whether the secret still exists,
            // so a secret that is already gone is reported as not found, not as a failing vault.
            string? type;
            try
            {
                type = GetSecretType(vault, name);
            }
            catch (DataCompassException)
            {
                type = string.Empty;
            }

            if (type == null)
            {
                throw NotFound(vault, name);
            }

            ThrowFirst(errors, vault, name);
        }

        public bool Test(string vault)
        {
            var output = Invoke("Test-SecretVault", new Dictionary<string, object?> { ["Name"] = vault }, out var errors, vault, null);
            var result = output.Select(item => item?.BaseObject).OfType<bool>().ToList();
            if (result.Count == 0)
            {
                ThrowFirst(errors, vault, null);
                throw VaultNotFound(vault);
            }

            var passedAll = result.All(passed => passed);
            if (!passedAll)
            {
                // False with an error beside it is a vault whose test threw: it failed, it is not merely locked
                // (a PasswordRequiredException among the errors still says locked).
                ThrowFirst(errors, vault, null);
            }

            return passedAll;
        }

        public void Unlock(string vault, string password)
        {
            Invoke("Unlock-SecretVault", new Dictionary<string, object?> { ["Name"] = vault, ["Password"] = SecureText.Protect(password) }, out var errors, vault, null);
            ThrowFirst(errors, vault, null);
        }

        private void Set(string vault, string name, object secret)
        {
            Invoke("Set-Secret", new Dictionary<string, object?> { ["Name"] = name, ["Vault"] = vault, ["Secret"] = secret }, out var errors, vault, name);
            ThrowFirst(errors, vault, name);
        }

        private Collection<PSObject> Invoke(string command, Dictionary<string, object?> parameters, out List<ErrorRecord> errors, string? vault, string? secret)
        {
            lock (Gate)
            {
                EnsureLoaded();
                var newestBefore = _userErrors?.Count > 0 ? _userErrors[0] : null;
                try
                {
                    // One PowerShell per bridge, reused: a command resolving a thousand secrets pays for it once.
                    var shell = _shell ??= PowerShell.Create(RunspaceMode.CurrentRunspace);
                    shell.Commands.Clear();
                    shell.Streams.ClearStreams();
                    shell.AddCommand(ModuleName + "\\" + command);
                    foreach (var parameter in parameters)
                    {
                        shell.AddParameter(parameter.Key, parameter.Value);
                    }

                    // On the caller's runspace, warnings would go straight to the user's host: they are merged into
                    // the output instead, read here, and reported as DataCompass errors where they matter.
                    shell.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Warning, PipelineResultTypes.Output);
                    var results = shell.Invoke();
                    errors = shell.Streams.Error.ToList();
                    var warnings = results.Select(item => item?.BaseObject).OfType<WarningRecord>().ToList();
                    var output = new Collection<PSObject>(results.Where(item => item != null && !(item.BaseObject is WarningRecord)).ToList());
                    if (output.Count == 0 && errors.Count == 0 && NoVaultsRegistered(warnings))
                    {
                        throw new DataCompassException(DcError.NoVaultAvailable, NoVaultMessage, ModuleName);
                    }

                    return output;
                }
                catch (CommandNotFoundException)
                {
                    throw NotInstalled();
                }
                catch (RuntimeException exception)
                {
                    // A terminating error: unknown vault, a locked default vault, no vault to write to.
                    throw Map(exception.ErrorRecord, exception, vault, secret);
                }
                finally
                {
                    ForgetErrorsSince(_userErrors, newestBefore);
                }
            }
        }

        /// <summary>
        /// SecretManagement's own records land in the session's $Error when it runs on the caller's runspace;
        /// DataCompass reports each failure once, as its own ErrorRecord, so those are taken out again.
        /// </summary>
        private static void ForgetErrorsSince(ArrayList? userErrors, object? newestBefore)
        {
            // $Error is newest-first and capped, so the entries added are those in front of the one that was newest.
            while (userErrors != null && userErrors.Count > 0 && !ReferenceEquals(userErrors[0], newestBefore))
            {
                userErrors.RemoveAt(0);
            }
        }

        /// <summary>
        /// Makes sure the module is loaded, once per bridge (so once per DataCompass command), importing it if
        /// needed. Quietly: calling a command of a missing module would leave a CommandNotFoundException in the
        /// user's $Error, and a module-qualified Get-Command does not load the module by itself.
        /// </summary>
        private void EnsureLoaded()
        {
            if (_loaded)
            {
                return;
            }

            // Commands, not a script: a nested script block run from a cmdlet stops the transcript from
            // recording what the cmdlet writes to the host afterwards (its -WhatIf lines, for one).
            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddCommand("Get-Module").AddParameter("Name", ModuleName);
            _loaded = shell.Invoke().Any(result => result?.BaseObject is PSModuleInfo);
            if (!_loaded)
            {
                shell.Commands.Clear();
                shell.AddCommand("Import-Module").AddParameter("Name", ModuleName).AddParameter("Global")
                    .AddParameter("PassThru").AddParameter("ErrorAction", ActionPreference.Ignore);
                _loaded = shell.Invoke().Any(result => result?.BaseObject is PSModuleInfo);
            }

            if (!_loaded)
            {
                throw NotInstalled();
            }
        }

        private static void ThrowFirst(List<ErrorRecord> errors, string? vault, string? secret)
        {
            // A locked vault or a missing vault explains the other errors that follow it.
            var first = errors.FirstOrDefault(error => IsPasswordRequired(error.Exception))
                ?? errors.FirstOrDefault(error => IdOf(error) != "GetSecretNotFound")
                ?? errors.FirstOrDefault();
            if (first != null)
            {
                throw Map(first, first.Exception, vault, secret);
            }
        }

        private static DataCompassException Map(ErrorRecord? record, Exception exception, string? vault, string? secret)
        {
            var id = record == null ? string.Empty : IdOf(record);
            var vaultText = vault ?? "(any vault)";
            if (IsPasswordRequired(exception))
            {
                return new DataCompassException(
                    DcError.VaultLocked,
                    $"The vault '{vaultText}' is locked. Run Unlock-SecretVault -Name '{vaultText}' first, or, for automation, name where its password comes from: Set-DcConfig -VaultUnlock @{{ '{vaultText}' = '${{VARIABLE}}' }} (or the path of a 0600 file).",
                    vault);
            }

            switch (id)
            {
                case "GetSecretVaultNotFound":
                case "TestSecretVaultNotFound":
                    return VaultNotFound(vaultText);
                case "GetSecretNotFound":
                    return NotFound(vault, secret ?? string.Empty);
                case "SetSecretCommandFailNoVault":
                    return new DataCompassException(DcError.NoVaultAvailable, NoVaultMessage, ModuleName);
                default:
                    if (exception is CommandNotFoundException || id == "CommandNotFoundException")
                    {
                        return NotInstalled();
                    }

                    var cause = exception.InnerException?.Message ?? exception.Message;
                    return new DataCompassException(
                        DcError.VaultFailed,
                        $"The vault '{vaultText}' failed{(secret == null ? string.Empty : $" on secret '{secret}'")} ({id}): {cause}",
                        vault);
            }
        }

        private static string IdOf(ErrorRecord record)
        {
            var id = record.FullyQualifiedErrorId ?? string.Empty;
            var comma = id.IndexOf(',');
            return comma < 0 ? id : id.Substring(0, comma);
        }

        private static bool IsPasswordRequired(Exception? exception)
        {
            for (var current = exception; current != null; current = current.InnerException)
            {
                if (current.GetType().FullName == PasswordRequiredType)
                {
                    return true;
                }

                if (current is IContainsErrorRecord container && container.ErrorRecord?.Exception != null
                    && !ReferenceEquals(container.ErrorRecord.Exception, current) && IsPasswordRequired(container.ErrorRecord.Exception))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool NoVaultsRegistered(IEnumerable<WarningRecord> warnings) =>
            warnings.Any(warning => warning.Message.IndexOf("no extension vaults registered", StringComparison.OrdinalIgnoreCase) >= 0);

        private static SecretValue ToSecretValue(object value)
        {
            switch (value)
            {
                case string text:
                    return SecretValue.FromText(text);
                case SecureString secure:
                    return SecretValue.FromText(SecureText.Reveal(secure));
                case PSCredential credential:
                    return SecretValue.FromCredential(credential.UserName, credential.GetNetworkCredential().Password);
                case IDictionary map:
                    var entries = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                    foreach (DictionaryEntry entry in map)
                    {
                        var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                        entries[key] = entry.Value switch
                        {
                            null => null,
                            PSObject wrapped when wrapped.BaseObject is string s => s,
                            SecureString secure => SecureText.Reveal(secure),
                            PSCredential credential => credential.GetNetworkCredential().Password,
                            var other => Convert.ToString(other is PSObject o ? o.BaseObject : other, CultureInfo.InvariantCulture),
                        };
                    }

                    return SecretValue.FromMap(entries);
                case byte[]:
                    return SecretValue.Unusable("ByteArray");
                default:
                    return SecretValue.Unusable(value.GetType().Name);
            }
        }

        private static object? Property(PSObject item, string name) => item?.Properties[name]?.Value;

        private static DataCompassException NotFound(string? vault, string name) =>
            new DataCompassException(
                DcError.SecretNotFound,
                vault == null ? $"The secret '{name}' was not found in any registered vault." : $"The secret '{name}' was not found in the vault '{vault}'.",
                name);

        private static DataCompassException VaultNotFound(string vault) =>
            new DataCompassException(
                DcError.VaultNotFound,
                $"No SecretManagement vault named '{vault}' is registered. Get-SecretVault lists the vaults; Register-SecretVault adds one.",
                vault);

        private static DataCompassException NotInstalled() =>
            new DataCompassException(
                DcError.SecretManagementNotInstalled,
                "Microsoft.PowerShell.SecretManagement is not installed. Install it and a vault extension, then register a vault: " +
                "Install-PSResource Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore; " +
                "Register-SecretVault -Name Store -ModuleName Microsoft.PowerShell.SecretStore -DefaultVault " +
                "(Install-Module works too).",
                ModuleName);

        private const string NoVaultMessage =
            "No SecretManagement vault is available: register one (Register-SecretVault -Name Store -ModuleName Microsoft.PowerShell.SecretStore -DefaultVault), " +
            "name one with -Vault, or set a default with Set-DcConfig -SecretVault.";
    }
}

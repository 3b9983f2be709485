using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Config
{
    /// <summary>
    /// Reads and writes config.yaml in the data folder (beside the catalog database). Unknown keys are an
    /// error, so a typo cannot silently switch a setting off.
    /// </summary>
    public static class ConfigFile
    {
        public const string FileName = "config.yaml";
        public const string SecretsBackendKey = "secrets_backend";
        public const string SecretNameTemplateKey = "secret_name_template";
        public const string EncryptionKeyRefKey = "encryption_key_ref";

        /// <summary>The vault secret holding the key of an encrypted (SQLCipher) catalog file.</summary>
        public const string DatabaseKeyRefKey = "database_key_ref";

        private static readonly YamlReader Reader = new YamlReader("The config file", DcError.ConfigInvalid, DcError.ConfigInvalid, DcError.ConfigInvalid);

        public const string AuditRetentionDaysKey = "audit_retention_days";
        public const string AuditResolutionKey = "audit_resolution";

        /// <summary>A mapping of a shared catalog's vault names to the vaults registered on this machine.</summary>
        public const string VaultMapKey = "vault_map";

        /// <summary>A mapping of vault names to where each one's password comes from (${VARIABLE} or a 0600 file).</summary>
        public const string VaultUnlockKey = "vault_unlock";

        /// <summary>The longest retention that can be set: 100 years.</summary>
        public const int MaxAuditRetentionDays = 36500;

        private static readonly string[] Keys = { SecretsBackendKey, SecretNameTemplateKey, EncryptionKeyRefKey, DatabaseKeyRefKey, AuditRetentionDaysKey, AuditResolutionKey, VaultMapKey, VaultUnlockKey };

        public static string PathFor(string databasePath) => System.IO.Path.Combine(CatalogLocation.DataDirectoryOf(databasePath), FileName);

        /// <summary>Reads the config; a missing file is an empty config.</summary>
        public static DcConfig Read(string path)
        {
            if (!File.Exists(path))
            {
                return new DcConfig();
            }

            var map = Reader.ReadFile(path, allowEmpty: true);

            var problems = new List<string>();
            var config = new DcConfig();
            foreach (var entry in map)
            {
                if (!Keys.Contains(entry.Key, StringComparer.Ordinal))
                {
                    problems.Add($"unknown key '{entry.Key}' (known keys: {string.Join(", ", Keys)})");
                    continue;
                }

                if (entry.Key == AuditRetentionDaysKey)
                {
                    if (entry.Value != null && ParseRetention(entry.Value) is not { } days)
                    {
                        problems.Add($"key '{entry.Key}' must be a whole number of days from 1 to {MaxAuditRetentionDays}");
                        continue;
                    }

                    config.AuditRetentionDays = entry.Value == null ? null : ParseRetention(entry.Value);
                    continue;
                }

                if (entry.Key == VaultMapKey)
                {
                    config.VaultMap = ReadMapping(VaultMap, entry.Value, problems);
                    continue;
                }

                if (entry.Key == VaultUnlockKey)
                {
                    config.VaultUnlock = ReadMapping(VaultUnlockMapping, entry.Value, problems);
                    continue;
                }

                if (entry.Value != null && !(entry.Value is string))
                {
                    problems.Add($"key '{entry.Key}' must be text");
                    continue;
                }

                var value = (string?)entry.Value;
                switch (entry.Key)
                {
                    case SecretsBackendKey:
                        config.SecretsBackend = value;
                        break;
                    case SecretNameTemplateKey:
                        if (value != null && SecretNameTemplate.Check(value) is { } problem)
                        {
                            problems.Add($"key '{entry.Key}' {problem}");
                        }

                        config.SecretNameTemplate = value;
                        break;
                    case AuditResolutionKey:
                        if (value != null && !Enum.TryParse<AuditResolution>(value, ignoreCase: true, out _))
                        {
                            problems.Add($"key '{entry.Key}' must be All, Failures or Off");
                            break;
                        }

                        config.AuditResolution = value == null ? AuditResolution.All : Enum.Parse<AuditResolution>(value, ignoreCase: true);
                        break;
                    case EncryptionKeyRefKey:
                        if (value != null && KeyReference.Check(value) is { } keyProblem)
                        {
                            problems.Add($"key '{entry.Key}' {keyProblem}");
                        }

                        config.EncryptionKeyRef = value;
                        break;
                    case DatabaseKeyRefKey:
                        if (value != null && KeyReference.Check(value) is { } databaseKeyProblem)
                        {
                            problems.Add($"key '{entry.Key}' {databaseKeyProblem}");
                        }

                        config.DatabaseKeyRef = value;
                        break;
                }
            }

            if (problems.Count > 0)
            {
                throw new DataCompassException(DcError.ConfigInvalid, $"The config file '{path}' is invalid: {string.Join("; ", problems)}.", path);
            }

            return config;
        }

        /// <summary>Writes the config (0600 on Unix), replacing the file atomically.</summary>
        public static void Write(string path, DcConfig config)
        {
            if (config.SecretNameTemplate != null && SecretNameTemplate.Check(config.SecretNameTemplate) is { } problem)
            {
                throw new DataCompassException(DcError.ConfigInvalid, $"The secret name template {problem}.", SecretNameTemplateKey);
            }

            if (config.EncryptionKeyRef != null && KeyReference.Check(config.EncryptionKeyRef) is { } keyProblem)
            {
                throw new DataCompassException(DcError.ConfigInvalid, $"The encryption key reference {keyProblem}.", EncryptionKeyRefKey);
            }

            if (config.DatabaseKeyRef != null && KeyReference.Check(config.DatabaseKeyRef) is { } databaseKeyProblem)
            {
                throw new DataCompassException(DcError.ConfigInvalid, $"The database key reference {databaseKeyProblem}.", DatabaseKeyRefKey);
            }

            var text = new StringBuilder();
            text.Append("# DataCompass settings. Keys: ").Append(string.Join(", ", Keys)).Append('\n');
            Append(text, SecretsBackendKey, config.SecretsBackend);
            Append(text, SecretNameTemplateKey, config.SecretNameTemplate);
            Append(text, EncryptionKeyRefKey, config.EncryptionKeyRef);
            Append(text, DatabaseKeyRefKey, config.DatabaseKeyRef);
            if (config.AuditRetentionDays is { } retention)
            {
                if (retention < 1 || retention > MaxAuditRetentionDays)
                {
                    throw new DataCompassException(
                        DcError.ConfigInvalid, $"The audit retention must be from 1 to {MaxAuditRetentionDays} days; {retention} is not.", AuditRetentionDaysKey);
                }

                text.Append(AuditRetentionDaysKey).Append(": ").Append(retention.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            }

            if (config.AuditResolution != AuditResolution.All)
            {
                Append(text, AuditResolutionKey, config.AuditResolution.ToString());
            }

            AppendMapping(text, VaultMap, "The vault map", config.VaultMap);
            AppendMapping(text, VaultUnlockMapping, "The vault unlock settings", config.VaultUnlock);

            try
            {
                PrivateFiles.WriteAtomically(path, text.ToString());
            }
            catch (Exception exception) when (exception is IOException || exception is UnauthorizedAccessException)
            {
                throw new DataCompassException(DcError.ConfigFileUnavailable, $"Cannot write the config file '{path}': {exception.Message}", path);
            }
        }

        /// <summary>A config key that maps vault names to text: its example for messages, and what makes a value wrong.</summary>
        private sealed class VaultMapping
        {
            public VaultMapping(string key, string shape, Func<object?, string?> check)
            {
                Key = key;
                Shape = shape;
                Check = check;
            }

            public string Key { get; }

            /// <summary>Completes "must map ...".</summary>
            public string Shape { get; }

            /// <summary>Completes "entry 'X' ...", or null for a usable value.</summary>
            public Func<object?, string?> Check { get; }
        }

        // vault_map: a vault name (as a catalog's references name it) to a registered vault name.
        private static readonly VaultMapping VaultMap = new VaultMapping(VaultMapKey, "vault names to vault names (Corp: CorpKeyVault)", value =>
            value is string registered && registered.Length > 0 && registered.IndexOfAny(new[] { '/', '}' }) < 0
                ? null
                : "must map a vault name to a vault name, neither empty nor holding '/' or '}'");

        // vault_unlock: a registered vault name to where its password comes from.
        private static readonly VaultMapping VaultUnlockMapping = new VaultMapping(
            VaultUnlockKey, "vault names to where their passwords come from (Store: ${STORE_PASSWORD})", value =>
                value is string source ? VaultUnlock.Check(source) : "must be text");

        private static IReadOnlyDictionary<string, string> ReadMapping(VaultMapping mapping, object? value, List<string> problems)
        {
            var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (value == null)
            {
                return map;
            }

            if (!(value is IEnumerable<KeyValuePair<string, object?>> entries))
            {
                problems.Add($"key '{mapping.Key}' must map {mapping.Shape}");
                return map;
            }

            foreach (var entry in entries)
            {
                var problem = entry.Key.Length == 0 || entry.Key.IndexOfAny(new[] { '/', '}' }) >= 0
                    ? "must be a vault name, neither empty nor holding '/' or '}'"
                    : mapping.Check(entry.Value);
                if (problem != null)
                {
                    problems.Add($"key '{mapping.Key}', entry '{entry.Key}' {problem}");
                    continue;
                }

                if (map.ContainsKey(entry.Key))
                {
                    problems.Add($"key '{mapping.Key}' names '{entry.Key}' twice (vault names are compared ignoring case)");
                    continue;
                }

                map[entry.Key] = (string)entry.Value!;
            }

            return map;
        }

        /// <summary>A mapping, checked as a read would check it, written one single-quoted pair a line in name order.</summary>
        private static void AppendMapping(StringBuilder text, VaultMapping mapping, string label, IReadOnlyDictionary<string, string> entries)
        {
            if (entries.Count == 0)
            {
                return;
            }

            var problems = new List<string>();
            ReadMapping(mapping, entries.ToDictionary(entry => entry.Key, entry => (object?)entry.Value), problems);
            if (problems.Count > 0)
            {
                throw new DataCompassException(DcError.ConfigInvalid, $"{label} is invalid: {string.Join("; ", problems)}.", mapping.Key);
            }

            text.Append(mapping.Key).Append(":\n");
            foreach (var entry in entries.OrderBy(entry => entry.Key, StringComparer.OrdinalIgnoreCase))
            {
                text.Append("  '").Append(entry.Key.Replace("'", "''")).Append("': '").Append(entry.Value.Replace("'", "''")).Append("'\n");
            }
        }

        private static int? ParseRetention(object value)
        {
            var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            return text.Length > 0 && text.Length <= 5 && text.All(char.IsAsciiDigit) && int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) is var days
                && days >= 1 && days <= MaxAuditRetentionDays
                ? days
                : null;
        }

        private static void Append(StringBuilder text, string key, string? value)
        {
            if (value != null)
            {
                // Single-quoted YAML: only the quote itself needs doubling.
                text.Append(key).Append(": '").Append(value.Replace("'", "''")).Append("'\n");
            }
        }
    }
}

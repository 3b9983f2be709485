using System.Collections.Generic;
using System.Text;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Sources
{
    /// <summary>Why a secret field was exported as a placeholder instead of as stored.</summary>
    public enum ExportedSecretState
    {
        Plaintext,
        Encrypted,
        LegacyMask,
    }

    /// <summary>A secret field whose stored value is not a reference, exported as <c>${Variable}</c> for the user to provide.</summary>
    public sealed class ExportPlaceholder
    {
        public ExportPlaceholder(string source, string field, string variable, ExportedSecretState state)
        {
            Source = source;
            Field = field;
            Variable = variable;
            State = state;
        }

        public string Source { get; }

        public string Field { get; }

        public string Variable { get; }

        public ExportedSecretState State { get; }

        /// <summary>What the user must do; names the source, the field and the variable, never the value.</summary>
        public string Warning
        {
            get
            {
                var held = State switch
                {
                    ExportedSecretState.Encrypted => "is stored encrypted (an export never decrypts)",
                    ExportedSecretState.LegacyMask => "holds the Python tool's legacy \"**********\", which is no credential",
                    _ => "is stored in plaintext",
                };
                return $"Source '{Source}', field '{Field}' {held}, so it is exported as the placeholder ${{{Variable}}}. " +
                    $"Before adding the file, set the environment variable {Variable} (in a runbook: $env:{Variable}), " +
                    "or replace the placeholder with a ${secret:Vault/Name} reference to a vault secret that holds the value.";
            }
        }
    }

    /// <summary>One source as a source file: its YAML text and the secret fields that became placeholders.</summary>
    public sealed class SourceExport
    {
        public SourceExport(string name, string type, string yaml, IReadOnlyList<ExportPlaceholder> placeholders)
        {
            Name = name;
            Type = type;
            Yaml = yaml;
            Placeholders = placeholders;
        }

        public string Name { get; }

        public string Type { get; }

        public string Yaml { get; }

        public IReadOnlyList<ExportPlaceholder> Placeholders { get; }
    }

    /// <summary>
    /// Writes a stored source in the format Add-DcSource -Path reads (see <see cref="SourceFileHeader"/>): name,
    /// type, display name and (for an inactive source) active: false first, then every stored field that has a value, references as stored. A secret field
    /// holding anything but references (plaintext, an encrypted value, the legacy mask) is written as the
    /// placeholder <c>${SOURCE_FIELD}</c>; nothing is decrypted and no secret text is written.
    /// </summary>
    public static class SourceExporter
    {
        public static SourceExport Export(StoredSource source)
        {
            var adapter = AdapterCatalog.Find(source.SourceType);
            var map = new OrderedMap
            {
                { SourceFileHeader.NameKey, source.Name },
                { SourceFileHeader.TypeKey, adapter?.Type ?? source.SourceType },
            };
            if (!string.IsNullOrEmpty(source.DisplayName))
            {
                map.Add(SourceFileHeader.DisplayNameKey, source.DisplayName);
            }

            // Only an inactive source says so: a file without the key is active, so exports of active sources stay as they were.
            if (!source.IsActive)
            {
                map.Add(SourceFileHeader.ActiveKey, false);
            }

            var placeholders = new List<ExportPlaceholder>();
            foreach (var entry in source.ConnectionInfo)
            {
                // An absent field and a null one are the same to Add-DcSource: a field without a value is left out.
                if (entry.Value == null)
                {
                    continue;
                }

                if (SourceDescriber.IsSecretField(adapter, entry.Key) && StateOf(entry.Value, source.Name, entry.Key) is { } state)
                {
                    var placeholder = new ExportPlaceholder(source.Name, entry.Key, VariableFor(source.Name, entry.Key), state);
                    placeholders.Add(placeholder);
                    map.Add(entry.Key, "${" + placeholder.Variable + "}");
                    continue;
                }

                map.Add(entry.Key, entry.Value);
            }

            return new SourceExport(source.Name, adapter?.Type ?? source.SourceType, YamlWriter.Write(map), placeholders);
        }

        /// <summary>The environment variable a placeholder names: SOURCE_FIELD upper-cased, other characters as '_'.</summary>
        public static string VariableFor(string source, string field)
        {
            var builder = new StringBuilder();
            foreach (var c in source + "_" + field)
            {
                builder.Append(c < 128 && char.IsLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
            }

            // A variable name cannot start with a digit: ${1PROD_PASSWORD} would be literal text, not a placeholder.
            if (char.IsDigit(builder[0]))
            {
                builder.Insert(0, '_');
            }

            return builder.ToString();
        }

        private static ExportedSecretState? StateOf(object value, string source, string field)
        {
            if (EncryptedValue.IsEncrypted(value))
            {
                return ExportedSecretState.Encrypted;
            }

            if (value is string text && text == LiteralSecrets.LegacyMask)
            {
                return ExportedSecretState.LegacyMask;
            }

            return SourceDescriber.HoldsPlaintextSecret(value, $"source '{source}', field '{field}'") ? ExportedSecretState.Plaintext : null;
        }
    }
}

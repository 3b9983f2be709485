using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Connect
{
    /// <summary>
    /// Resolves a stored source at connection time: environment placeholders with the Python tool's rules,
    /// vault references through the command's <see cref="SecretFetcher"/>, encrypted values with the key ring,
    /// the secret_ref Hashtable for the
    /// secret fields it supplies, then the adapter's type checks on the resolved values. Every failing field
    /// is reported, and the fields that did resolve are kept.
    /// </summary>
    public static class ConnectionResolver
    {
        public static ResolvedConnection Resolve(StoredSource source, Func<string, string?> environment, SecretFetcher? secrets, KeyRingSource? keys = null)
        {
            if (source.ConnectionInfoProblem != null)
            {
                throw source.ConnectionInfoProblem;
            }

            var adapter = AdapterCatalog.Find(source.SourceType) ?? throw new DataCompassException(
                DcError.SourceTypeUnknown,
                $"Source '{source.Name}' has the type '{source.SourceType}', which this version of DataCompass does not know. Known types: {string.Join(", ", AdapterCatalog.Types)}.",
                source.Name);

            var context = new Context(source.Name, environment, secrets, keys);
            var values = new OrderedMap();
            string? secretRef = null;
            foreach (var entry in source.ConnectionInfo)
            {
                if (string.Equals(entry.Key, SourceValidator.SecretRefField, StringComparison.OrdinalIgnoreCase))
                {
                    secretRef = entry.Value as string;
                    continue;
                }

                if (entry.Value is string stored && stored == LiteralSecrets.LegacyMask && SourceDescriber.IsSecretField(adapter, entry.Key))
                {
                    // Never handed out as a password: it is what the Python tool stored when it lost one.
                    context.Fail(entry.Key, DcError.SecretBroken,
                        $"Source '{source.Name}', field '{entry.Key}' holds \"{LiteralSecrets.LegacyMask}\", which an older datacompass stored in place of the real credential. Set the real value with Set-DcSourceSecret.",
                        entry.Key);
                    values.Add(entry.Key, null);
                    continue;
                }

                // Only a whole field value is ever stored encrypted; text inside a list is taken as written.
                values.Add(entry.Key, EncryptedValue.IsEncrypted(entry.Value)
                    ? context.Decrypt(entry.Key, (string)entry.Value!)
                    : context.ResolveValue(entry.Key, entry.Value));
            }

            if (secretRef != null)
            {
                ApplySecretRef(adapter, secretRef, values, context);
            }

            FailEmptyRequiredSecrets(adapter, values, context);
            CheckSecretLengths(adapter, source, secretRef, values, context);

            // A field that failed holds no value; the others are still checked and returned.
            var unresolved = new HashSet<string>(context.Failures.Select(failure => failure.Field), StringComparer.OrdinalIgnoreCase);
            unresolved.UnionWith(context.Unsupplied);
            unresolved.Remove(SourceValidator.SecretRefField);
            foreach (var field in unresolved)
            {
                if (values.ContainsKey(field))
                {
                    values[field] = null;
                }
            }

            values = CheckTypes(adapter, source.Name, values, unresolved);
            return new ResolvedConnection(source.Name, adapter, values, context.Failures, values.Keys.Where(unresolved.Contains).ToList());
        }

        private static void ApplySecretRef(AdapterSchema adapter, string uri, OrderedMap values, Context context)
        {
            SecretReference reference;
            try
            {
                reference = SecretReference.ParseUri(uri, $"source '{context.SourceName}', field 'secret_ref'");
            }
            catch (DataCompassException exception)
            {
                context.Fail(SourceValidator.SecretRefField, exception.Error, exception.Message, uri);
                return;
            }

            var needed = adapter.SecretFields.Where(field => !values.TryGetValue(field.Name, out var value) || value == null).ToList();
            if (needed.Count == 0)
            {
                return;
            }

            var secret = context.Fetch(SourceValidator.SecretRefField, reference, uri);
            if (secret == null || secret.Kind != SecretKind.Map)
            {
                // The fields the Hashtable was to supply are unresolved too (the error is the secret_ref's).
                context.Unsupplied.UnionWith(needed.Select(field => field.Name));
            }

            if (secret == null)
            {
                return;
            }

            if (secret.Kind != SecretKind.Map)
            {
                context.Fail(SourceValidator.SecretRefField, DcError.SecretTypeUnusable,
                    $"Source '{context.SourceName}', field 'secret_ref': the secret '{uri}' is a {secret.TypeName}; a secret_ref must name a Hashtable secret whose keys are field names.",
                    uri);
                return;
            }

            foreach (var field in needed)
            {
                var entry = secret.Map!.FirstOrDefault(pair => string.Equals(pair.Key, field.Name, StringComparison.OrdinalIgnoreCase));
                if (entry.Key != null && entry.Value != null)
                {
                    values[field.Name] = entry.Value;
                }
                else if (field.IsRequiredGiven(name => values.TryGetValue(name, out var actual) ? actual as string : null))
                {
                    context.Fail(field.Name, DcError.SecretNotFound,
                        $"Source '{context.SourceName}', field '{field.Name}': the Hashtable secret '{uri}' has no entry '{field.Name}'.",
                        uri);
                }
            }
        }

        /// <summary>A required secret that resolved to nothing (a variable set to '', a stored '') gives no working credential.</summary>
        private static void FailEmptyRequiredSecrets(AdapterSchema adapter, OrderedMap values, Context context)
        {
            var failed = new HashSet<string>(context.Failures.Select(failure => failure.Field), StringComparer.OrdinalIgnoreCase);
            foreach (var field in adapter.SecretFields)
            {
                var required = field.IsRequiredGiven(name => values.TryGetValue(name, out var actual) ? actual as string : null);
                if (required && !failed.Contains(field.Name) && values.TryGetValue(field.Name, out var value) && value is string text && text.Trim().Length == 0)
                {
                    context.Fail(field.Name, DcError.SecretEmpty,
                        $"Source '{context.SourceName}', field '{field.Name}' is required and resolved to an empty value.",
                        field.Name);
                }
            }
        }

        /// <summary>
        /// A secret field is handed out as a SecureString, which holds at most 65,536 characters: a longer value
        /// (from a vault, a variable or a secret_ref) is a failure of that field, not a crash when it is handed out.
        /// </summary>
        private static void CheckSecretLengths(AdapterSchema adapter, StoredSource source, string? secretRef, OrderedMap values, Context context)
        {
            foreach (var field in adapter.SecretFields)
            {
                if (!values.TryGetValue(field.Name, out var value) || !(value is string text) || text.Length <= InputLimits.MaxSecretLength)
                {
                    continue;
                }

                // Name the references the value came from; a literal or encrypted value is never shown.
                source.ConnectionInfo.TryGetValue(field.Name, out var stored);
                var references = stored switch
                {
                    null => secretRef ?? string.Empty,
                    string storedText when !EncryptedValue.IsEncrypted(storedText) => string.Join(", ", ReferenceGrammar.Parse(storedText, field.Name)
                        .Where(segment => segment.Kind != SegmentKind.Literal).Select(segment => segment.Text)),
                    _ => string.Empty,
                };
                var error = SecretFieldInput.TooLong($"Source '{source.Name}', field '{field.Name}'", references.Length > 0 ? $"the value of {references}" : "the value", source.Name);
                context.Fail(field.Name, error.Error, error.Message, references.Length > 0 ? references : field.Name);
            }
        }

        private static OrderedMap CheckTypes(AdapterSchema adapter, string sourceName, OrderedMap values, ICollection<string> unresolved)
        {
            // Values held placeholders at add time, so their types are only checked now. Keys the adapter does
            // not declare (from a database another tool wrote) pass through unchecked.
            var known = new OrderedMap();
            foreach (var entry in values)
            {
                if (adapter.FindField(entry.Key) != null)
                {
                    known.Add(entry.Key, entry.Value);
                }
            }

            var checkedValues = SourceValidator.Normalize(adapter, sourceName, known, resolved: true, unresolved: unresolved);
            foreach (var entry in values)
            {
                if (!checkedValues.ContainsKey(entry.Key))
                {
                    checkedValues.Add(entry.Key, entry.Value);
                }
            }

            return checkedValues;
        }

        private sealed class Context
        {
            private readonly Func<string, string?> _environment;
            private readonly SecretFetcher? _secrets;
            private readonly KeyRingSource? _keys;

            public Context(string sourceName, Func<string, string?> environment, SecretFetcher? secrets, KeyRingSource? keys)
            {
                SourceName = sourceName;
                _environment = environment;
                _secrets = secrets;
                _keys = keys;
            }

            public string SourceName { get; }

            public List<FieldFailure> Failures { get; } = new List<FieldFailure>();

            /// <summary>Secret fields left empty because the secret_ref that supplies them failed.</summary>
            public HashSet<string> Unsupplied { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

            public object? ResolveValue(string field, object? value)
            {
                switch (value)
                {
                    case string text:
                        return ResolveText(field, text);
                    case IEnumerable<object?> items:
                        return items.Select(item => ResolveValue(field, item)).ToList();
                    default:
                        return value;
                }
            }

            public SecretValue? Fetch(string field, SecretReference reference, string referenceText)
            {
                if (_secrets == null)
                {
                    Fail(field, DcError.SecretManagementNotInstalled,
                        $"Source '{SourceName}', field '{field}': the vault reference '{referenceText}' needs Microsoft.PowerShell.SecretManagement.",
                        referenceText);
                    return null;
                }

                try
                {
                    return _secrets.Fetch(reference);
                }
                catch (DataCompassException exception)
                {
                    Fail(field, exception.Error, $"Source '{SourceName}', field '{field}', reference '{referenceText}': {exception.Message}", referenceText);
                    return null;
                }
            }

            public string? Decrypt(string field, string stored)
            {
                var context = $"Source '{SourceName}', field '{field}'";
                try
                {
                    return KeyRingSource.Decrypt(_keys, stored, context);
                }
                catch (DataCompassException exception)
                {
                    Fail(field, exception.Error, exception.WithContext(context).Message, exception.Target ?? field);
                    return null;
                }
            }

            public void Fail(string field, DcError error, string message, string target) =>
                Failures.Add(new FieldFailure(field, error, message, target));

            // One left-to-right pass over the parsed segments: a replacement is never scanned again.
            private string ResolveText(string field, string text)
            {
                if (!ReferenceGrammar.HasPlaceholder(text))
                {
                    return text;
                }

                var segments = ReferenceGrammar.Parse(text, $"source '{SourceName}', field '{field}'");
                var result = new StringBuilder();
                var reported = new HashSet<string>(StringComparer.Ordinal);
                foreach (var segment in segments)
                {
                    switch (segment.Kind)
                    {
                        case SegmentKind.Environment:
                            var current = ReferenceGrammar.EnvironmentValue(segment, _environment);
                            if (current == null && reported.Add(segment.Variable!))
                            {
                                Fail(field, DcError.EnvironmentVariableNotSet,
                                    $"Source '{SourceName}', field '{field}': the environment variable '{segment.Variable}' is not set and its placeholder has no default.",
                                    segment.Variable!);
                            }

                            result.Append(current ?? segment.Text);
                            break;
                        case SegmentKind.Secret:
                            var secret = Fetch(field, segment.Secret!, segment.Text);
                            if (secret != null && (secret.Kind == SecretKind.Text || secret.Kind == SecretKind.Credential))
                            {
                                result.Append(secret.Text);
                            }
                            else
                            {
                                if (secret != null)
                                {
                                    Fail(field, DcError.SecretTypeUnusable,
                                        $"Source '{SourceName}', field '{field}': the secret '{segment.Text}' is a {secret.TypeName}; a field needs a String, SecureString or PSCredential secret.",
                                        segment.Text);
                                }

                                result.Append(segment.Text);
                            }

                            break;
                        default:
                            result.Append(segment.Text);
                            break;
                    }
                }

                return result.ToString();
            }
        }
    }
}

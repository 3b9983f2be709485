using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;

namespace DataCompass.Core.Operations.Connect
{
    /// <summary>
    /// The resolve events: which references a command resolved for a source, and whether they resolved (with the
    /// error id when not). References as stored, literal text masked; never a value.
    /// </summary>
    public static class ResolutionEvents
    {
        /// <summary>Whether <paramref name="failed"/> resolution of a source is recorded under the config's audit_resolution.</summary>
        public static bool IsRecorded(DcConfig config, bool failed) => config.AuditResolution switch
        {
            AuditResolution.Off => false,
            AuditResolution.Failures => failed,
            _ => true,
        };

        /// <summary>Get-DcSourceConnection's resolution of one source.</summary>
        public static AuditEntry ForConnection(StoredSource source, ResolvedConnection resolved)
        {
            var entry = Entry(source, resolved.Failures.Count == 0 ? null : resolved.Failures[0].Error.Id);
            if (resolved.Failures.Count > 0)
            {
                entry.Details["failed_fields"] = ToMap(resolved.Failures.GroupBy(failure => failure.Field).Select(group => (group.Key, (object?)group.First().Error.Id)));
            }

            return entry;
        }

        /// <summary>Test-DcSource's check of one source: each checked field's status.</summary>
        public static AuditEntry ForCheck(StoredSource source, IReadOnlyList<ReferenceCheck> checks, bool allowPlaintext)
        {
            var failing = checks.FirstOrDefault(check => !check.Resolvable || (!allowPlaintext && check.Status == ReferenceStatus.Plaintext));
            var entry = Entry(source, failing == null ? null : ErrorIdOf(failing.Status));
            entry.Details["statuses"] = ToMap(checks.Select(check => (check.Field, (object?)check.Status.ToString())));
            return entry;
        }

        private static AuditEntry Entry(StoredSource source, string? errorId)
        {
            var adapter = AdapterCatalog.Find(source.SourceType);
            var references = new List<(string, object?)>();
            foreach (var field in source.ConnectionInfo)
            {
                // A plain value of a field that is not secret is neither a reference nor a secret: skipped without
                // describing it (this runs for every field of every source resolved).
                var holdsPlaceholder = field.Value is string text && text.Contains("${", System.StringComparison.Ordinal);
                if (!holdsPlaceholder && !SourceDescriber.IsSecretField(adapter, field.Key))
                {
                    continue;
                }

                var described = AuditValues.Describe(adapter, field.Key, field.Value);
                if (described != null && described != AuditValues.Literal)
                {
                    references.Add((field.Key, described));
                }
            }

            var entry = new AuditEntry(AuditActions.Resolve) { SourceId = source.Id, SourceName = source.Name, ErrorId = errorId };
            entry.Details["references"] = ToMap(references);
            return entry;
        }

        private static OrderedMap ToMap(IEnumerable<(string Key, object? Value)> pairs)
        {
            var map = new OrderedMap();
            foreach (var (key, value) in pairs)
            {
                map[key] = value;
            }

            return map;
        }

        /// <summary>The error id Get-DcSourceConnection would raise for a field in this state.</summary>
        private static string ErrorIdOf(ReferenceStatus status) => (status switch
        {
            ReferenceStatus.NotSet => DcError.EnvironmentVariableNotSet,
            ReferenceStatus.SecretManagementNotInstalled => DcError.SecretManagementNotInstalled,
            ReferenceStatus.VaultNotFound => DcError.VaultNotFound,
            ReferenceStatus.VaultLocked => DcError.VaultLocked,
            ReferenceStatus.SecretNotFound => DcError.SecretNotFound,
            ReferenceStatus.TypeUnusable => DcError.SecretTypeUnusable,
            ReferenceStatus.VaultFailed => DcError.VaultFailed,
            ReferenceStatus.Invalid => DcError.ReferenceInvalid,
            ReferenceStatus.KeyMissing => DcError.EncryptionKeyMissing,
            ReferenceStatus.DecryptionFailed => DcError.DecryptionFailed,
            ReferenceStatus.TooLong => DcError.SecretTooLong,
            ReferenceStatus.KeyUnusable => DcError.EncryptionKeyInvalid,
            ReferenceStatus.Plaintext => DcError.PlaintextSecretRefused,
            ReferenceStatus.Broken => DcError.SecretBroken,
            ReferenceStatus.Empty => DcError.SecretEmpty,
            _ => DcError.SourceInvalid,
        }).Id;
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Sources
{
    /// <summary>
    /// Turns what a user gave (name, type, fields) into a validated draft. Nothing here touches the database
    /// or a vault, so a bad input never changes either.
    /// </summary>
    public static class SourceDefinition
    {
        public static DraftSource Prepare(string name, string type, string? displayName, OrderedMap fields, bool isActive = true)
        {
            SourceNames.Validate(name);
            var adapter = AdapterCatalog.Find(type) ?? throw new DataCompassException(
                DcError.SourceTypeUnknown,
                $"Source '{name}': the type '{type}' is not known. Known types: {string.Join(", ", AdapterCatalog.Types)}.",
                type);

            var connectionInfo = SourceValidator.Normalize(adapter, name, fields);
            CheckReferences(name, connectionInfo);
            SecretFieldInput.Check(name, adapter, connectionInfo);
            return new DraftSource(name, adapter, string.IsNullOrEmpty(displayName) ? null : displayName, connectionInfo, isActive);
        }

        /// <summary>
        /// -ResolveNow: replaces every ${VAR} placeholder in every field with its value now (the Python tool's
        /// resolve_env_vars), so the stored source no longer depends on the environment. Secret placeholders stay.
        /// A variable that is unset is refused, and so is a value whose result would read as another placeholder
        /// once stored (a variable holding "${", or "$" followed by "{B}"); messages name the variable, never its value.
        /// </summary>
        public static OrderedMap ResolveEnvironment(string name, OrderedMap fields, Func<string, string?> environment)
        {
            var unset = new List<string>();
            var unstorable = new List<string>();
            var resolved = new OrderedMap();
            foreach (var entry in fields)
            {
                resolved.Add(entry.Key, Resolve(entry.Value, entry.Key));
            }

            if (unset.Count + unstorable.Count > 0)
            {
                throw new DataCompassException(
                    unset.Count > 0 ? DcError.EnvironmentVariableNotSet : DcError.SourceInvalid,
                    $"Source '{name}' cannot be resolved now (-ResolveNow): {string.Join("; ", unset.Distinct().Concat(unstorable.Distinct()))}.",
                    name);
            }

            return resolved;

            object? Resolve(object? value, string field) => value switch
            {
                string text => ResolveText(text, field),
                OrderedMap map => map.Aggregate(new OrderedMap(), (copy, pair) => { copy.Add(pair.Key, Resolve(pair.Value, field)); return copy; }),
                IList<object?> list => list.Select(item => Resolve(item, field)).ToList(),
                _ => value,
            };

            string ResolveText(string text, string field)
            {
                var context = $"source '{name}', field '{field}'";
                var segments = ReferenceGrammar.Parse(text, context);
                var variables = segments.Where(segment => segment.Kind == SegmentKind.Environment).Select(segment => segment.Variable!).Distinct().ToList();
                if (variables.Count == 0)
                {
                    return text;
                }

                var missing = new List<string>();
                var result = ReferenceGrammar.ExpandEnvironment(text, environment, missing);
                unset.AddRange(missing.Select(variable => $"field '{field}' uses the environment variable '{variable}', which is not set and has no default"));
                if (missing.Count == 0 && !KeepsItsPlaceholders(result, segments, context))
                {
                    unstorable.Add($"field '{field}': the value of {string.Join(", ", variables.Select(variable => $"'{variable}'"))} would read as a placeholder once stored");
                }

                return result;
            }
        }

        /// <summary>True when the resolved text holds exactly the secret placeholders the original held, and nothing else that parses as one.</summary>
        private static bool KeepsItsPlaceholders(string resolved, IReadOnlyList<ValueSegment> original, string context)
        {
            try
            {
                var secrets = ReferenceGrammar.Parse(resolved, context).Where(segment => segment.Kind != SegmentKind.Literal).Select(segment => segment.Text);
                return secrets.SequenceEqual(original.Where(segment => segment.Kind == SegmentKind.Secret).Select(segment => segment.Text));
            }
            catch (DataCompassException)
            {
                return false;
            }
        }

        /// <summary>
        /// Validates a stored source's fields merged with a change, as <see cref="Prepare"/> does on add. The secret
        /// input checks apply to the fields <paramref name="given"/> only: a stored value is not input.
        /// </summary>
        public static OrderedMap PrepareChange(string name, AdapterSchema adapter, OrderedMap merged, ICollection<string> given)
        {
            var connectionInfo = SourceValidator.Normalize(adapter, name, merged);
            CheckReferences(name, connectionInfo);
            var input = new OrderedMap();
            foreach (var entry in connectionInfo.Where(entry => given.Contains(entry.Key)))
            {
                input.Add(entry.Key, entry.Value);
            }

            SecretFieldInput.Check(name, adapter, input);
            return connectionInfo;
        }

        /// <summary>A malformed reference is refused now, naming source and field, rather than at connection time.</summary>
        private static void CheckReferences(string name, OrderedMap connectionInfo)
        {
            foreach (var entry in connectionInfo)
            {
                var values = entry.Value is IEnumerable<object?> list ? list : new[] { entry.Value };
                foreach (var value in values)
                {
                    if (value is string text)
                    {
                        ReferenceGrammar.Parse(text, $"source '{name}', field '{entry.Key}'");
                    }
                }
            }
        }
    }

    /// <summary>A validated source before the secret policy has decided where its secret values go.</summary>
    public sealed class DraftSource
    {
        public DraftSource(string name, AdapterSchema adapter, string? displayName, OrderedMap connectionInfo, bool isActive = true)
        {
            Name = name;
            Adapter = adapter;
            DisplayName = displayName;
            ConnectionInfo = connectionInfo;
            IsActive = isActive;
        }

        public string Name { get; }

        public AdapterSchema Adapter { get; }

        public string? DisplayName { get; }

        public OrderedMap ConnectionInfo { get; }

        /// <summary>The data_sources is_active flag the source is added with (a source file's active: key).</summary>
        public bool IsActive { get; }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
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
        public static DraftSource Prepare(string name, string type, string? displayName, OrderedMap fields)
        {
            SourceNames.Validate(name);
            var adapter = AdapterCatalog.Find(type) ?? throw new DataCompassException(
                DcError.SourceTypeUnknown,
                $"Source '{name}': the type '{type}' is not known. Known types: {string.Join(", ", AdapterCatalog.Types)}.",
                type);

            var connectionInfo = SourceValidator.Normalize(adapter, name, fields);
            CheckReferences(name, connectionInfo);
            return new DraftSource(name, adapter, string.IsNullOrEmpty(displayName) ? null : displayName, connectionInfo);
        }

        /// <summary>
        /// -ResolveNow: replaces every ${VAR} placeholder in every field with its value now (the Python tool's
        /// resolve_env_vars), so the stored source no longer depends on the environment. Secret placeholders stay.
        /// A variable that is unset, or whose value holds "${" (it would read as a placeholder once stored), is
        /// refused, naming the variable and never its value.
        /// </summary>
        public static OrderedMap ResolveEnvironment(string name, OrderedMap fields, Func<string, string?> environment)
        {
            var resolved = new OrderedMap();
            var unset = new List<string>();
            var unstorable = new List<string>();
            foreach (var entry in fields)
            {
                var missing = new List<string>();
                var ambiguous = new List<string>();
                string? Lookup(string variable)
                {
                    var value = environment(variable);
                    if (value != null && value.Contains("${", StringComparison.Ordinal))
                    {
                        ambiguous.Add(variable);
                    }

                    return value;
                }

                if (entry.Value is string text)
                {
                    ReferenceGrammar.Parse(text, $"source '{name}', field '{entry.Key}'");
                }

                resolved.Add(entry.Key, ReferenceGrammar.ExpandEnvironmentDeep(entry.Value, Lookup, missing));
                unset.AddRange(missing.Distinct().Select(variable => $"field '{entry.Key}' uses the environment variable '{variable}', which is not set and has no default"));
                unstorable.AddRange(ambiguous.Distinct().Select(variable => $"field '{entry.Key}' uses the environment variable '{variable}', whose value holds '${{' and would read as a placeholder once stored"));
            }

            if (unset.Count + unstorable.Count > 0)
            {
                throw new DataCompassException(
                    unset.Count > 0 ? DcError.EnvironmentVariableNotSet : DcError.SourceInvalid,
                    $"Source '{name}' cannot be resolved now (-ResolveNow): {string.Join("; ", unset.Concat(unstorable))}.",
                    name);
            }

            return resolved;
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
        public DraftSource(string name, AdapterSchema adapter, string? displayName, OrderedMap connectionInfo)
        {
            Name = name;
            Adapter = adapter;
            DisplayName = displayName;
            ConnectionInfo = connectionInfo;
        }

        public string Name { get; }

        public AdapterSchema Adapter { get; }

        public string? DisplayName { get; }

        public OrderedMap ConnectionInfo { get; }
    }
}

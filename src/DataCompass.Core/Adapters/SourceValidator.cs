using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Adapters
{
    /// <summary>
    /// Checks a source's fields against its adapter and produces connection_info as the Python tool stores it:
    /// every field in declaration order, defaults and nulls included. All problems are reported at once and no
    /// message ever holds a field's value.
    /// </summary>
    public static class SourceValidator
    {
        /// <summary>The field of the plan's Option 2: a Hashtable secret that supplies the secret fields.</summary>
        public const string SecretRefField = "secret_ref";

        /// <summary>
        /// Validates raw fields. When <paramref name="resolved"/> is false, a value holding a placeholder is
        /// kept as written and its type checks wait until the placeholder is resolved at connection time.
        /// </summary>
        /// <param name="unresolved">Fields whose references failed to resolve: not reported as missing again.</param>
        public static OrderedMap Normalize(AdapterSchema adapter, string sourceName, OrderedMap fields, bool resolved = false, ICollection<string>? unresolved = null)
        {
            var problems = new List<string>();
            var given = MatchFields(adapter, fields, problems, out var secretRef);
            var secretRefSuppliesSecrets = secretRef != null;

            var result = new OrderedMap();
            foreach (var field in adapter.Fields)
            {
                given.TryGetValue(field.Name, out var value);
                result.Add(field.Name, value == null ? field.DefaultCopy() : Coerce(field, value, resolved, problems));
            }

            foreach (var field in adapter.Fields)
            {
                if (result[field.Name] != null || (field.IsSecret && secretRefSuppliesSecrets) || unresolved?.Contains(field.Name) == true)
                {
                    continue;
                }

                if (field.Required)
                {
                    problems.Add($"field '{field.Name}' is required");
                }
                else if (field.RequiredWhen is { } condition && result[condition.Field] is string actual
                    && (resolved || !ReferenceGrammar.HasPlaceholder(actual)) && condition.IsMetBy(actual))
                {
                    problems.Add($"field '{field.Name}' is required when {condition.Field} is '{condition.Value}'");
                }
            }

            if (secretRef != null)
            {
                result.Add(SecretRefField, secretRef);
            }

            if (problems.Count > 0)
            {
                throw new DataCompassException(
                    DcError.SourceInvalid,
                    $"Source '{sourceName}' ({adapter.Type}) is invalid: {string.Join("; ", problems)}.",
                    sourceName);
            }

            return result;
        }

        private static Dictionary<string, object?> MatchFields(AdapterSchema adapter, OrderedMap fields, List<string> problems, out string? secretRef)
        {
            secretRef = null;
            var given = new Dictionary<string, object?>(StringComparer.Ordinal);
            var unknown = new List<string>();
            foreach (var entry in fields)
            {
                if (string.Equals(entry.Key, SecretRefField, StringComparison.OrdinalIgnoreCase))
                {
                    secretRef = CheckSecretRef(entry.Value, problems);
                    continue;
                }

                var field = adapter.FindField(entry.Key);
                if (field == null)
                {
                    unknown.Add(entry.Key);
                }
                else if (given.ContainsKey(field.Name))
                {
                    problems.Add($"field '{field.Name}' is given more than once");
                }
                else
                {
                    given.Add(field.Name, entry.Value);
                }
            }

            foreach (var name in unknown)
            {
                var suggestion = Suggest(adapter, name);
                problems.Add(suggestion == null
                    ? $"unknown field '{name}'"
                    : $"unknown field '{name}' (did you mean '{suggestion}'?)");
            }

            if (unknown.Count > 0)
            {
                problems.Add($"the fields of {adapter.Type} are: {string.Join(", ", adapter.Fields.Select(f => f.Name))}");
            }

            return given;
        }

        private static string? CheckSecretRef(object? value, List<string> problems)
        {
            if (value is string uri)
            {
                try
                {
                    return SecretReference.ParseUri(uri, "field 'secret_ref'").ToUri();
                }
                catch (DataCompassException)
                {
                    problems.Add("field 'secret_ref' must have the form vault://Vault/Name");
                    return null;
                }
            }

            problems.Add("field 'secret_ref' must be text of the form vault://Vault/Name");
            return null;
        }

        private static object? Coerce(FieldSchema field, object value, bool resolved, List<string> problems)
        {
            switch (field.Kind)
            {
                case FieldKind.Integer:
                    return CoerceInteger(field, value, resolved, problems);
                case FieldKind.StringList:
                    return CoerceList(field, value, problems);
                default:
                    return CoerceText(field, value, resolved, problems);
            }
        }

        private static object? CoerceText(FieldSchema field, object value, bool resolved, List<string> problems)
        {
            var text = AsText(value);
            if (text == null)
            {
                problems.Add($"field '{field.Name}' must be text");
                return null;
            }

            if (field.AllowedValues != null && (resolved || !ReferenceGrammar.HasPlaceholder(text))
                && !field.AllowedValues.Contains(text, StringComparer.Ordinal))
            {
                problems.Add($"field '{field.Name}' must be one of: {string.Join(", ", field.AllowedValues)}");
                return null;
            }

            return text;
        }

        private static object? CoerceInteger(FieldSchema field, object value, bool resolved, List<string> problems)
        {
            long? number = value switch
            {
                long l => l,
                int i => i,
                short s => s,
                byte b => b,
                double d when Math.Floor(d) == d && Math.Abs(d) < 9e15 => (long)d,
                decimal m when decimal.Floor(m) == m && Math.Abs(m) < 9e15m => (long)m,
                string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => null,
            };

            if (number == null)
            {
                if (value is string placeholder && !resolved && ReferenceGrammar.HasPlaceholder(placeholder))
                {
                    return placeholder;
                }

                problems.Add($"field '{field.Name}' must be an integer{DescribeRange(field)}");
                return null;
            }

            if ((field.Minimum.HasValue && number < field.Minimum) || (field.Maximum.HasValue && number > field.Maximum))
            {
                problems.Add($"field '{field.Name}' must be an integer{DescribeRange(field)}");
                return null;
            }

            return number.Value;
        }

        private static object? CoerceList(FieldSchema field, object value, List<string> problems)
        {
            // A single text value is a one-item list: PowerShell unrolls one-element arrays.
            if (AsText(value) is { } single)
            {
                return new List<object?> { single };
            }

            if (value is IEnumerable items && !(value is OrderedMap) && !(value is IDictionary))
            {
                var list = new List<object?>();
                foreach (var item in items)
                {
                    var text = item == null ? null : AsText(item);
                    if (text == null)
                    {
                        problems.Add($"field '{field.Name}' must be a list of text values");
                        return null;
                    }

                    list.Add(text);
                }

                return list;
            }

            problems.Add($"field '{field.Name}' must be a list of text values");
            return null;
        }

        private static string? AsText(object value) => value switch
        {
            string s => s,
            long or int or short or byte => Convert.ToString(value, CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            decimal m => m.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };

        private static string DescribeRange(FieldSchema field) =>
            field.Minimum.HasValue && field.Maximum.HasValue ? $" from {field.Minimum} to {field.Maximum}" : string.Empty;

        /// <summary>The closest field name within two edits, so a typo like 'pasword' points at 'password'.</summary>
        private static string? Suggest(AdapterSchema adapter, string name) =>
            NameSuggestion.Closest(name, adapter.Fields.Select(field => field.Name));
    }
}

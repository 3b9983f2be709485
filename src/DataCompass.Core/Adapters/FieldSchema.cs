using System;
using System.Collections.Generic;

namespace DataCompass.Core.Adapters
{
    /// <summary>One field of an adapter: its type, default, limits, and whether it holds a secret.</summary>
    public sealed class FieldSchema
    {
        public FieldSchema(string name, FieldKind kind)
        {
            Name = name;
            Kind = kind;
        }

        public string Name { get; }

        public FieldKind Kind { get; }

        public bool Required { get; init; }

        /// <summary>The value stored when the field is absent (null means "store null").</summary>
        public object? Default { get; init; }

        /// <summary>A secret field never has its value shown, and its value belongs in a vault or the environment.</summary>
        public bool IsSecret { get; init; }

        public long? Minimum { get; init; }

        public long? Maximum { get; init; }

        /// <summary>The only values allowed, for an enumeration field.</summary>
        public IReadOnlyList<string>? AllowedValues { get; init; }

        /// <summary>Makes the field required when another field has a given value (e.g. auth_method = personal_token).</summary>
        public Condition? RequiredWhen { get; init; }

        /// <summary>Whether the field must hold a value, given the text of the other fields (for <see cref="RequiredWhen"/>).</summary>
        public bool IsRequiredGiven(Func<string, string?> textOf) =>
            Required || (RequiredWhen is { } condition && condition.IsMetBy(textOf(condition.Field)));

        internal object? DefaultCopy() =>
            Default is IReadOnlyList<string> list ? new List<object?>(list) : Default;

        /// <summary>A field-equals-value condition.</summary>
        public sealed class Condition
        {
            public Condition(string field, string value)
            {
                Field = field;
                Value = value;
            }

            public string Field { get; }

            public string Value { get; }

            public bool IsMetBy(string? actual) => string.Equals(actual, Value, StringComparison.Ordinal);
        }
    }
}

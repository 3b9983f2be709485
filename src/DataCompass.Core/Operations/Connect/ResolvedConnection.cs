using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Sources;

namespace DataCompass.Core.Operations.Connect
{
    /// <summary>A source with every reference replaced by its current value, or the reasons it could not be.</summary>
    public sealed class ResolvedConnection
    {
        public ResolvedConnection(string sourceName, AdapterSchema adapter, OrderedMap values, IReadOnlyList<FieldFailure> failures, IReadOnlyList<string> unresolvedFields)
        {
            UnresolvedFields = unresolvedFields;
            SourceName = sourceName;
            Adapter = adapter;
            Values = values;
            Failures = failures;
        }

        public string SourceName { get; }

        public AdapterSchema Adapter { get; }

        /// <summary>The field values in declaration order. Only complete when <see cref="Failures"/> is empty.</summary>
        public OrderedMap Values { get; }

        public IReadOnlyList<FieldFailure> Failures { get; }

        public bool Succeeded => Failures.Count == 0;

        /// <summary>The adapter fields that hold no value because a reference failed, in declaration order.</summary>
        public IReadOnlyList<string> UnresolvedFields { get; }

        public bool IsSecret(string field) => SourceDescriber.IsSecretField(Adapter, field);
    }
}

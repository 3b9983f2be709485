using System;
using System.Collections.Generic;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Core.Vaults
{
    /// <summary>
    /// Fetches secrets for one command: each distinct reference is read from its vault once, and a failure is
    /// remembered too, so a locked vault is asked once, not once per field.
    /// </summary>
    public sealed class SecretFetcher
    {
        private readonly ISecretBackend _backend;
        private readonly Dictionary<SecretReference, Outcome> _outcomes = new Dictionary<SecretReference, Outcome>();

        public SecretFetcher(ISecretBackend backend)
        {
            _backend = backend;
        }

        /// <summary>How many reads reached the backend.</summary>
        public int BackendReads { get; private set; }

        public SecretValue Fetch(SecretReference reference)
        {
            if (!_outcomes.TryGetValue(reference, out var outcome))
            {
                BackendReads++;
                try
                {
                    outcome = new Outcome(_backend.Get(reference.Vault, reference.Name), null);
                }
                catch (DataCompassException exception)
                {
                    outcome = new Outcome(null, exception);
                }

                _outcomes[reference] = outcome;
            }

            return outcome.Value ?? throw outcome.Failure!;
        }

        private sealed class Outcome
        {
            public Outcome(SecretValue? value, DataCompassException? failure)
            {
                Value = value;
                Failure = failure;
            }

            public SecretValue? Value { get; }

            public DataCompassException? Failure { get; }
        }
    }
}

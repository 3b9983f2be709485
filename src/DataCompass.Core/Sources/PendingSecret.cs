using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Errors;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Sources
{
    /// <summary>A secret value on its way to a vault. Deliberately has no ToString that shows the value.</summary>
    public sealed class PendingSecret
    {
        public PendingSecret(string field, string vault, string name, string value, bool alreadyWritten = false)
        {
            Field = field;
            Vault = vault;
            Name = name;
            Value = value;
            AlreadyWritten = alreadyWritten;
        }

        public string Field { get; }

        public string Vault { get; }

        public string Name { get; }

        internal string Value { get; }

        /// <summary>The vault already holds this value under this name (left by an interrupted add): it is used, not written.</summary>
        public bool AlreadyWritten { get; }

        public string Reference => "${secret:" + Vault + "/" + Name + "}";

        public override string ToString() => AlreadyWritten ? $"{Field} -> {Reference} (already in the vault)" : $"{Field} -> {Reference}";
    }

    public static class PendingSecrets
    {
        /// <summary>
        /// Writes the secrets the vault does not hold yet, then runs <paramref name="commit"/> (the catalog transaction
        /// that refers to them). If anything fails, the secrets just written are removed again, so a failure leaves
        /// neither a source pointing at nothing nor a stray secret; one found already in the vault is left as it was.
        /// </summary>
        public static T WriteThen<T>(string sourceName, IEnumerable<PendingSecret> secrets, ISecretBackend backend, Func<T> commit)
        {
            var written = new List<PendingSecret>();
            try
            {
                foreach (var secret in secrets.Where(secret => !secret.AlreadyWritten))
                {
                    try
                    {
                        backend.SetText(secret.Vault, secret.Name, secret.Value);
                    }
                    catch (DataCompassException exception)
                    {
                        throw exception.WithContext($"Source '{sourceName}', field '{secret.Field}'");
                    }

                    written.Add(secret);
                }

                return commit();
            }
            catch (Exception)
            {
                foreach (var secret in written)
                {
                    try
                    {
                        backend.Remove(secret.Vault, secret.Name);
                    }
                    catch (DataCompassException)
                    {
                        // The original failure is the one to report; a leftover secret holds no catalog state.
                    }
                }

                throw;
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Encryption
{
    /// <summary>
    /// Commits newly encrypted values only while their keys are in the key ring. Remove-DcEncryptionKey checks that no
    /// value in the catalog needs a key and drops it while holding the key ring's lock (key.lock, see
    /// <see cref="KeyFile.Lock"/>, which is exclusive only). A writer that encrypted values takes the same lock for its
    /// commit, reads the ring again from where it lives, and commits only if every key it encrypted with is still
    /// there. So either the key went first and the writer fails having written nothing, or removal runs after the
    /// commit, sees the new values and refuses. A ring from $env:DATACOMPASS_ENCRYPTION_KEY, which no other process can
    /// change, is checked without the lock.
    /// </summary>
    public static class KeyRingGuard
    {
        /// <summary>
        /// Runs <paramref name="commit"/> (which opens and commits the writer's transaction) under key.lock once every
        /// key that an encrypted value among <paramref name="written"/> names is in the ring as it is now; without any
        /// encrypted value it just runs it. A key gone meanwhile is <see cref="DcError.EncryptionKeyMissing"/>, naming
        /// <paramref name="context"/> and the key id, and nothing is committed.
        /// </summary>
        /// <param name="keys">The ring source the values were encrypted from; required when any value is encrypted.</param>
        /// <param name="written">The values the commit newly stores (others are ignored).</param>
        public static T Commit<T>(KeyRingSource? keys, IEnumerable<object?> written, string context, Func<T> commit)
        {
            var keyIds = written.OfType<string>().Select(EncryptedValue.KeyIdOf).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (keyIds.Count == 0)
            {
                return commit();
            }

            if (keys == null)
            {
                throw new ArgumentNullException(nameof(keys), "Encrypted values are committed only against the key ring they were encrypted from.");
            }

            if (keys.Place == KeyRingPlace.Environment)
            {
                // $env:DATACOMPASS_ENCRYPTION_KEY belongs to this process and Remove-DcEncryptionKey never changes it.
                CheckStillIn(keys.ReadNow(), keyIds, context);
                return commit();
            }

            using (KeyFile.Lock(keys.KeyFilePath))
            {
                CheckStillIn(keys.ReadNow(), keyIds, context);
                return commit();
            }
        }

        private static void CheckStillIn(KeyRing? ring, IReadOnlyList<string> keyIds, string context)
        {
            var gone = keyIds.FirstOrDefault(keyId => ring?.Find(keyId) == null);
            if (gone == null)
            {
                return;
            }

            var now = ring == null
                ? "no encryption key is configured any more"
                : $"the key ring from {ring.Origin} now holds {string.Join(", ", ring.Keys.Select(key => key.Id))} (primary {ring.Primary.Id})";
            throw new DataCompassException(
                DcError.EncryptionKeyMissing,
                $"{context}: the new value was encrypted with key {gone}, which was removed from the key ring meanwhile (Remove-DcEncryptionKey): {now}. " +
                "Nothing was written; run the command again to encrypt with the primary key.",
                gone);
        }
    }
}

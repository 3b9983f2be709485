using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Keys
{
    /// <summary>
    /// Remove-DcEncryptionKey: drops retired keys from the catalog's key ring, in the key file or the vault secret
    /// named by encryption_key_ref. A key is refused while any encrypted value in the catalog names it, while it is
    /// the primary key, and always when the ring comes from $env:DATACOMPASS_ENCRYPTION_KEY (the message then says
    /// whether dropping it from the variable is safe). After confirmation the ring and the catalog are read again
    /// under the key ring's lock and every key is checked again, so a value moved or written meanwhile is seen.
    /// </summary>
    public sealed class KeyRemoval
    {
        private const int ListedValues = 10;
        private static readonly Regex KeyIdPattern = new Regex("^[0-9a-fA-F]{8}$", RegexOptions.CultureInvariant);

        private readonly string _databasePath;
        private readonly ISecretBackend _backend;
        private readonly Func<string, string?> _environment;
        private readonly Func<DcConfig> _config;
        private readonly Func<CatalogEncryptedValues> _readCatalog;
        private readonly IOperationHost _host;

        /// <param name="readCatalog">Reads the catalog's encrypted values: first of all (a catalog that is not there stops the command before any key is looked at), and again under the lock.</param>
        public KeyRemoval(string databasePath, ISecretBackend backend, Func<string, string?> environment, Func<DcConfig> config,
            Func<CatalogEncryptedValues> readCatalog, IOperationHost host)
        {
            _databasePath = databasePath;
            _backend = backend;
            _environment = environment;
            _config = config;
            _readCatalog = readCatalog;
            _host = host;
        }

        private string KeyFilePath => KeyFile.PathFor(_databasePath);

        /// <summary>Removes every key that may go and the host confirmed; the others come back as refusals.</summary>
        public KeyRemovalResult Remove(IReadOnlyList<string> keyIds)
        {
            var values = _readCatalog();
            var place = KeyRingSource.PlaceOf(_environment, _config);
            var ring = ReadRing();
            var refused = new List<DataCompassException>();
            var candidates = Check(keyIds.Distinct(StringComparer.OrdinalIgnoreCase), ring, values, place, refused);
            var location = Location(place);
            var keeping = string.Join(", ", ring.Keys.Where(key => !candidates.Contains(key.Id)).Select(key => key.Id));
            var confirmed = candidates.Where(id => _host.ShouldProcess(location, $"Remove encryption key {id} from the key ring (keeping {keeping})")).ToList();
            if (confirmed.Count == 0)
            {
                return new KeyRemovalResult(Array.Empty<string>(), Ids(ring), location, refused);
            }

            // Update-DcEncryptionKey, or a command that still had an older ring, may have changed the catalog since
            // the first check, and another command the ring: both are read again, and the keys checked again.
            using (KeyFile.Lock(KeyFilePath))
            {
                var current = ReadRing();
                var removed = Check(confirmed, current, _readCatalog(), place, refused);
                if (removed.Count == 0)
                {
                    return new KeyRemovalResult(Array.Empty<string>(), Ids(current), location, refused);
                }

                var after = new KeyRing(current.Keys.Where(key => !removed.Contains(key.Id)).ToList(), current.Origin);
                if (place == KeyRingPlace.Vault)
                {
                    var reference = VaultReference();
                    KeyCreation.WriteVaultRing(_backend, reference.Vault!, reference.Name, after);
                }
                else
                {
                    KeyFile.Write(KeyFilePath, after);
                }

                return new KeyRemovalResult(removed, Ids(after), location, refused);
            }
        }

        private KeyRing ReadRing() =>
            new KeyRingSource(_environment, _config, KeyFilePath, _backend).Require("Remove-DcEncryptionKey removes keys from the key ring");

        private SecretReference VaultReference() => KeyReference.Parse(_config().EncryptionKeyRef!, $"The config's {ConfigFile.EncryptionKeyRefKey}");

        private string Location(KeyRingPlace place) => place switch
        {
            KeyRingPlace.Environment => "$env:" + KeyRingSource.EnvironmentVariable,
            KeyRingPlace.Vault => VaultReference().ToUri(),
            _ => KeyFilePath,
        };

        /// <summary>The ids (as the ring spells them) of the keys that may go; a refusal for each other one.</summary>
        private List<string> Check(IEnumerable<string> keyIds, KeyRing ring, CatalogEncryptedValues values, KeyRingPlace place, List<DataCompassException> refused)
        {
            var allowed = new List<string>();
            foreach (var keyId in keyIds)
            {
                var problem = Refusal(keyId, ring, values, place);
                if (problem == null)
                {
                    allowed.Add(ring.Find(keyId)!.Id);
                }
                else
                {
                    refused.Add(problem);
                }
            }

            return allowed;
        }

        private DataCompassException? Refusal(string keyId, KeyRing ring, CatalogEncryptedValues values, KeyRingPlace place)
        {
            var held = $"the key ring from {ring.Origin} holds {string.Join(", ", Ids(ring))}";
            if (!KeyIdPattern.IsMatch(keyId ?? string.Empty))
            {
                // Never repeated: the text may be a key pasted in place of its id.
                var pasted = TryIdOfKey(keyId);
                return new DataCompassException(
                    DcError.EncryptionKeyNotFound,
                    pasted == null
                        ? $"-KeyId takes key ids, 8 hex digits as Get-DcEncryptionStatus shows them; {held}."
                        : $"-KeyId was given a key itself, not its id (key {pasted}); do not put keys on a command line. {Capitalized(held)}.",
                    "KeyId");
            }

            var key = ring.Find(keyId!);
            if (key == null)
            {
                return new DataCompassException(DcError.EncryptionKeyNotFound, $"There is no key {keyId} in the key ring: {held}.", keyId);
            }

            var needing = values.Needing(key.Id);
            var usage = Usage(needing, values.Unchecked);
            var moveFirst = $"Run Update-DcEncryptionKey to re-encrypt {(needing.Count == 1 ? "it" : "them")} under the primary key {ring.Primary.Id} first.";
            var isPrimary = key == ring.Primary;
            if (place == KeyRingPlace.Environment)
            {
                var advice = isPrimary
                    ? $"It is the primary key: put a new key first in the variable (New-DcEncryptionKey -AsPlainText prints one), run Update-DcEncryptionKey, and only then drop {key.Id}."
                    : usage != null
                        ? $"{usage} {(needing.Count > 0 ? moveFirst : string.Empty)} Until then, dropping it from the variable would make them unreadable."
                        : $"No encrypted value in the catalog '{_databasePath}' needs it, so it is safe to drop it from the variable (as far as this catalog is concerned).";
                return new DataCompassException(
                    DcError.EncryptionKeyRingInEnvironment,
                    $"Key {key.Id} is in the key ring from $env:{KeyRingSource.EnvironmentVariable}, which DataCompass does not change: edit the variable yourself, wherever it is set (a CI secret, a profile). {advice}",
                    key.Id);
            }

            if (isPrimary)
            {
                var only = ring.Keys.Count == 1 ? "the only key of the key ring, and so its primary key" : "the primary key of the key ring";
                return new DataCompassException(
                    DcError.EncryptionKeyIsPrimary,
                    $"Key {key.Id} is {only} in {ring.Origin}: new values are encrypted with it. To retire it, make a new primary key with New-DcEncryptionKey, " +
                    $"move the values to it with Update-DcEncryptionKey, then remove {key.Id}.",
                    key.Id);
            }

            if (usage != null)
            {
                return new DataCompassException(
                    DcError.EncryptionKeyInUse,
                    $"Key {key.Id} cannot be removed from the key ring in {ring.Origin}: {usage} {(needing.Count > 0 ? moveFirst + " " : string.Empty)}-Force does not override this.",
                    key.Id);
            }

            return null;
        }

        /// <summary>Which values still need the key (at most <see cref="ListedValues"/> named), and which rows could not be checked; null for none.</summary>
        private string? Usage(IReadOnlyList<string> needing, IReadOnlyList<string> unreadable)
        {
            var parts = new List<string>();
            if (needing.Count > 0)
            {
                var listed = string.Join("; ", needing.Take(ListedValues)) + (needing.Count > ListedValues ? $"; and {needing.Count - ListedValues} more" : string.Empty);
                parts.Add(needing.Count == 1
                    ? $"1 encrypted value in the catalog '{_databasePath}' still needs it ({listed})."
                    : $"{needing.Count.ToString(CultureInfo.InvariantCulture)} encrypted values in the catalog '{_databasePath}' still need it ({listed}).");
            }

            if (unreadable.Count > 0)
            {
                parts.Add($"The stored settings of {string.Join(", ", unreadable)} cannot be read, so DataCompass cannot tell whether they need it: repair or remove {(unreadable.Count == 1 ? "it" : "them")} first.");
            }

            return parts.Count == 0 ? null : string.Join(" ", parts);
        }

        private static string? TryIdOfKey(string? text)
        {
            try
            {
                return FernetKey.Parse(text ?? string.Empty, "-KeyId").Id;
            }
            catch (DataCompassException)
            {
                return null;
            }
        }

        private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text.Substring(1);

        private static IReadOnlyList<string> Ids(KeyRing ring) => ring.Keys.Select(key => key.Id).ToList();
    }

    /// <summary>What Remove-DcEncryptionKey did: the keys removed, the ids left in the ring (primary first), where it lives, and each key it refused.</summary>
    public sealed record KeyRemovalResult(IReadOnlyList<string> Removed, IReadOnlyList<string> Remaining, string Location, IReadOnlyList<DataCompassException> Refused);

    /// <summary>
    /// Every encrypted value a catalog holds and the key id it names, found in any string of a source's
    /// connection_info or a notification channel's config (DataCompass never encrypts a channel's value, but a
    /// key must not be dropped while anything in the catalog may need it). Rows whose stored JSON cannot be read
    /// are listed as unreadable.
    /// </summary>
    public sealed class CatalogEncryptedValues
    {
        private readonly List<(string KeyId, string Where)> _values = new List<(string KeyId, string Where)>();

        public CatalogEncryptedValues(IEnumerable<StoredSource> sources, IEnumerable<StoredChannel> channels)
        {
            var unreadable = new List<string>();
            foreach (var source in sources)
            {
                if (source.ConnectionInfoProblem != null)
                {
                    unreadable.Add($"source '{source.Name}'");
                }

                Walk(source.ConnectionInfo, null, $"source '{source.Name}'");
            }

            foreach (var channel in channels)
            {
                if (channel.ConfigProblem != null)
                {
                    unreadable.Add($"notification channel '{channel.Name}'");
                }

                Walk(channel.Config, null, $"notification channel '{channel.Name}'");
            }

            Unchecked = unreadable;
        }

        /// <summary>The rows whose stored JSON could not be read, as "source 'x'" or "notification channel 'y'".</summary>
        public IReadOnlyList<string> Unchecked { get; }

        public static CatalogEncryptedValues Read(SourceCatalog catalog) => new CatalogEncryptedValues(catalog.ListSources(), catalog.ListNotificationChannels());

        /// <summary>The values under <paramref name="keyId"/>, as "source 'a', field 'password'".</summary>
        public IReadOnlyList<string> Needing(string keyId) =>
            _values.Where(value => string.Equals(value.KeyId, keyId, StringComparison.OrdinalIgnoreCase)).Select(value => value.Where).ToList();

        private void Walk(object? value, string? field, string owner)
        {
            switch (value)
            {
                case string text when EncryptedValue.KeyIdOf(text) is { } keyId:
                    _values.Add((keyId, $"{owner}, field '{field}'"));
                    break;
                case OrderedMap map:
                    foreach (var entry in map)
                    {
                        Walk(entry.Value, field == null ? entry.Key : field + "." + entry.Key, owner);
                    }

                    break;
                case IEnumerable<object?> list when !(value is string):
                    var index = 0;
                    foreach (var item in list)
                    {
                        Walk(item, $"{field}[{index++}]", owner);
                    }

                    break;
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Sources;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Core.Operations.Inventory
{
    /// <summary>
    /// Every vault secret the catalog refers to (source fields, secret_ref, notification channel configs), with
    /// its users, and every secret DataCompass owns that nothing refers to any more. Built from one Get-SecretInfo
    /// per vault asked: no secret value is read. Secret names compare ignoring case, as SecretStore does.
    /// </summary>
    public sealed class SecretInventory
    {
        private static readonly StringComparer NoCase = StringComparer.OrdinalIgnoreCase;
        private static readonly string[] ExpiryKeys = { "expires", "expireson", "expiresat", "expiration", "expirationdate", "expirydate", "expiry", "notafter", "validuntil" };
        private readonly ISecretBackend _backend;
        private readonly Dictionary<string, (Dictionary<string, VaultSecretInfo>? Secrets, DataCompassException? Failure)> _listings =
            new Dictionary<string, (Dictionary<string, VaultSecretInfo>?, DataCompassException?)>(NoCase);
        private IReadOnlyList<VaultInfo>? _registered;
        private DataCompassException? _registryFailure;

        public SecretInventory(ISecretBackend backend)
        {
            _backend = backend;
        }

        /// <summary>The vaults whose Get-SecretInfo was called, in order: each at most once.</summary>
        public IReadOnlyList<string> VaultsAsked => _asked;

        private readonly List<string> _asked = new List<string>();

        /// <param name="vaultFilter">Keeps the items whose vault it accepts; null keeps all. A vault it rejects is never asked, except
        /// where SecretManagement's search order for an unqualified reference passes through it.</param>
        public InventoryResult Take(IEnumerable<StoredSource> sources, IEnumerable<StoredChannel> channels, IEnumerable<OwnedSecret> owned,
            Func<string, bool>? vaultFilter, DateTime nowUtc)
        {
            var problems = new List<DataCompassException>();
            var references = new List<(SecretReference Secret, InventoryUser User)>();
            foreach (var source in sources)
            {
                try
                {
                    references.AddRange(SourceReferences.List(source)
                        .Where(reference => reference.Secret != null)
                        .Select(reference => (reference.Secret!, new InventoryUser(InventoryUserKind.Source, source.Name, reference.Field, reference.Text))));
                }
                catch (DataCompassException exception)
                {
                    problems.Add(exception.WithContext($"Source '{source.Name}' is left out of the inventory"));
                }
            }

            foreach (var channel in channels)
            {
                if (channel.ConfigProblem != null)
                {
                    problems.Add(channel.ConfigProblem.WithContext($"Notification channel '{channel.Name}' is left out of the inventory"));
                    continue;
                }

                try
                {
                    references.AddRange(ChannelReferences(channel.Config, null, $"notification channel '{channel.Name}'")
                        .Select(found => (found.Secret, new InventoryUser(InventoryUserKind.NotificationChannel, channel.Name, found.Field, found.Text))));
                }
                catch (DataCompassException exception)
                {
                    problems.Add(exception.WithContext($"Notification channel '{channel.Name}' is left out of the inventory"));
                }
            }

            var items = new Dictionary<(string, string), Builder>(new PairComparer());
            foreach (var (secret, user) in references)
            {
                var (vault, from) = secret.Vault != null ? (secret.Vault, InventoryVaultFrom.Reference) : ResolveUnqualified(secret.Name);
                var builder = Item(items, vault, secret.Name, from);
                if (secret.Vault != null)
                {
                    builder.VaultFrom = InventoryVaultFrom.Reference;
                }

                builder.Users.Add(user);
            }

            foreach (var record in owned)
            {
                Item(items, record.Vault, record.SecretName, InventoryVaultFrom.OwnershipRecord).OwnedBy.Add($"{record.SourceName}.{record.Field}");
            }

            var result = new List<InventoryItem>();
            foreach (var builder in items.Values
                .Where(builder => vaultFilter == null || (builder.Vault != null && vaultFilter(builder.Vault)))
                .OrderBy(builder => builder.Vault ?? string.Empty, NoCase)
                .ThenBy(builder => builder.Name, NoCase))
            {
                result.Add(Complete(builder, nowUtc));
            }

            // Each vault that could not be asked is one problem, however many of its secrets are listed.
            var failures = result.Where(item => item.Exists == null)
                .Select(item => item.Vault == null ? _registryFailure : Listing(item.Vault).Failure)
                .Where(failure => failure != null)
                .Distinct();
            problems.AddRange(failures!);
            return new InventoryResult(result, problems);
        }

        private InventoryItem Complete(Builder builder, DateTime nowUtc)
        {
            var owned = builder.OwnedBy.Count > 0;
            var orphaned = owned && builder.Users.Count == 0;
            var (secrets, failure) = builder.Vault == null ? (null, _registryFailure) : Listing(builder.Vault);
            VaultSecretInfo? info = null;
            bool? exists = null;
            if (secrets != null)
            {
                exists = secrets.TryGetValue(builder.Name, out info);
            }

            var vault = builder.Vault == null ? null : info != null ? builder.Vault : RegisteredSpelling(builder.Vault);
            var expires = info == null ? null : ExpiryOf(info.Metadata);
            var text = $"The secret '{builder.Name}'{(vault == null ? string.Empty : $" in vault '{vault}'")}";
            string status;
            string? problem;
            if (exists == null)
            {
                status = failure == null ? InventoryStatus.VaultFailed : StatusOf(failure);
                problem = failure == null
                    ? $"{text} could not be looked up."
                    : $"{text} could not be looked up: {failure.Message}";
                if (orphaned)
                {
                    status = InventoryStatus.Orphaned;
                    problem = $"{text} is owned by DataCompass ({string.Join(", ", builder.OwnedBy)}) and no source refers to it; whether the vault still holds it is unknown: {failure?.Message}";
                }
            }
            else if (orphaned)
            {
                status = InventoryStatus.Orphaned;
                problem = exists.Value
                    ? $"{text} was created by DataCompass ({string.Join(", ", builder.OwnedBy)}) and no source refers to it any more. Remove-Secret -Vault '{vault}' -Name '{builder.Name}' deletes it."
                    : $"{text} was created by DataCompass ({string.Join(", ", builder.OwnedBy)}); no source refers to it and the vault no longer holds it.";
            }
            else if (!exists.Value)
            {
                status = InventoryStatus.Missing;
                problem = vault == null
                    ? $"The secret '{builder.Name}' is in no registered vault."
                    : $"{text} does not exist; {string.Join(", ", builder.Users)} cannot resolve it.";
            }
            else if (expires != null && expires.Value <= nowUtc)
            {
                status = InventoryStatus.Expired;
                problem = $"{text} expired on {expires.Value.ToString("u", CultureInfo.InvariantCulture)} (the vault's metadata says so).";
            }
            else
            {
                status = InventoryStatus.Ok;
                problem = null;
            }

            return new InventoryItem(
                vault,
                info?.Name ?? builder.Name,
                status,
                exists,
                owned,
                builder.Users.ToList(),
                builder.OwnedBy.ToList(),
                expires,
                info?.Type,
                builder.VaultFrom,
                problem);
        }

        /// <summary>
        /// The vault SecretManagement's Get-Secret would take an unqualified secret from: the default vault, then the
        /// others by name, the first that holds it. Not found anywhere: the first vault that could not be asked, else the
        /// default vault (null when there is none).
        /// </summary>
        private (string? Vault, string From) ResolveUnqualified(string name)
        {
            var vaults = Registered();
            if (vaults == null)
            {
                return (null, InventoryVaultFrom.DefaultVault);
            }

            var order = vaults.OrderByDescending(vault => vault.IsDefault).ThenBy(vault => vault.Name, NoCase).ToList();
            string? firstFailed = null;
            foreach (var vault in order)
            {
                var (secrets, _) = Listing(vault.Name);
                if (secrets == null)
                {
                    firstFailed ??= vault.Name;
                }
                else if (secrets.ContainsKey(name))
                {
                    return (vault.Name, vault.IsDefault ? InventoryVaultFrom.DefaultVault : InventoryVaultFrom.VaultSearch);
                }
            }

            var fallback = firstFailed ?? order.FirstOrDefault(vault => vault.IsDefault)?.Name;
            return (fallback, fallback != null && order.Any(vault => vault.IsDefault && NoCase.Equals(vault.Name, fallback))
                ? InventoryVaultFrom.DefaultVault
                : InventoryVaultFrom.VaultSearch);
        }

        private (Dictionary<string, VaultSecretInfo>? Secrets, DataCompassException? Failure) Listing(string vault)
        {
            if (_listings.TryGetValue(vault, out var listing))
            {
                return listing;
            }

            var vaults = Registered();
            if (vaults == null)
            {
                listing = (null, _registryFailure);
            }
            else if (!vaults.Any(registered => NoCase.Equals(registered.Name, vault)))
            {
                listing = (null, new DataCompassException(
                    DcError.VaultNotFound,
                    $"No SecretManagement vault named '{vault}' is registered. Get-SecretVault lists the vaults; Register-SecretVault adds one.",
                    vault));
            }
            else
            {
                try
                {
                    _asked.Add(vault);
                    var secrets = new Dictionary<string, VaultSecretInfo>(NoCase);
                    foreach (var info in _backend.ListSecrets(vault))
                    {
                        secrets[info.Name] = info;
                    }

                    listing = (secrets, null);
                }
                catch (DataCompassException exception)
                {
                    listing = (null, exception);
                }
            }

            _listings[vault] = listing;
            return listing;
        }

        private IReadOnlyList<VaultInfo>? Registered()
        {
            if (_registered == null && _registryFailure == null)
            {
                try
                {
                    _registered = _backend.GetVaults();
                }
                catch (DataCompassException exception)
                {
                    _registryFailure = exception;
                }
            }

            return _registered;
        }

        /// <summary>Whether SecretManagement has a vault of this name; null when the vaults cannot be listed.</summary>
        public bool? IsRegistered(string vault) => Registered()?.Any(registered => NoCase.Equals(registered.Name, vault));

        private string RegisteredSpelling(string vault) =>
            _registered?.FirstOrDefault(registered => NoCase.Equals(registered.Name, vault))?.Name ?? vault;

        private static Builder Item(Dictionary<(string, string), Builder> items, string? vault, string name, string from)
        {
            if (!items.TryGetValue((vault ?? string.Empty, name), out var builder))
            {
                builder = new Builder(vault, name, from);
                items[(vault ?? string.Empty, name)] = builder;
            }

            return builder;
        }

        /// <summary>The ${secret:...} placeholders in a channel config, any string at any depth; the field is the key path (headers.Authorization).</summary>
        private static IEnumerable<(SecretReference Secret, string Field, string Text)> ChannelReferences(object? value, string? path, string context)
        {
            switch (value)
            {
                case string text:
                    foreach (var segment in ReferenceGrammar.Parse(text, $"{context}, {path}"))
                    {
                        if (segment.Kind == SegmentKind.Secret)
                        {
                            yield return (segment.Secret!, path ?? string.Empty, segment.Text);
                        }
                    }

                    break;
                case OrderedMap map:
                    foreach (var entry in map)
                    {
                        foreach (var found in ChannelReferences(entry.Value, path == null ? entry.Key : $"{path}.{entry.Key}", context))
                        {
                            yield return found;
                        }
                    }

                    break;
                case IEnumerable<object?> items:
                    foreach (var item in items)
                    {
                        foreach (var found in ChannelReferences(item, path, context))
                        {
                            yield return found;
                        }
                    }

                    break;
            }
        }

        /// <summary>
        /// An expiry-like entry of the vault's metadata (Az.KeyVault's Expires, or a user's Expiration, ExpiresOn,
        /// NotAfter, ...), as UTC; null when there is none or it is not a date.
        /// </summary>
        internal static DateTime? ExpiryOf(IReadOnlyDictionary<string, object?> metadata)
        {
            foreach (var entry in metadata)
            {
                var key = entry.Key.Replace("_", string.Empty).Replace("-", string.Empty).ToLowerInvariant();
                if (!ExpiryKeys.Contains(key))
                {
                    continue;
                }

                switch (entry.Value)
                {
                    case DateTime time:
                        return time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();
                    case DateTimeOffset offset:
                        return offset.UtcDateTime;
                    case string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed):
                        return parsed.UtcDateTime;
                }
            }

            return null;
        }

        private static string StatusOf(DataCompassException exception) =>
            exception.Error == DcError.VaultLocked ? InventoryStatus.VaultLocked
            : exception.Error == DcError.VaultNotFound || exception.Error == DcError.NoVaultAvailable ? InventoryStatus.VaultNotFound
            : exception.Error == DcError.SecretManagementNotInstalled ? InventoryStatus.SecretManagementNotInstalled
            : InventoryStatus.VaultFailed;

        private sealed class Builder
        {
            public Builder(string? vault, string name, string from)
            {
                Vault = vault;
                Name = name;
                VaultFrom = from;
            }

            public string? Vault { get; }

            public string Name { get; }

            public string VaultFrom { get; set; }

            public List<InventoryUser> Users { get; } = new List<InventoryUser>();

            public List<string> OwnedBy { get; } = new List<string>();
        }

        private sealed class PairComparer : IEqualityComparer<(string, string)>
        {
            public bool Equals((string, string) x, (string, string) y) => NoCase.Equals(x.Item1, y.Item1) && NoCase.Equals(x.Item2, y.Item2);

            public int GetHashCode((string, string) pair) => HashCode.Combine(NoCase.GetHashCode(pair.Item1), NoCase.GetHashCode(pair.Item2));
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Inventory;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;

namespace DataCompass.Tests
{
    /// <summary>The inventory from vault listings alone: users, ownership, orphans, unqualified references, vaults that cannot be asked.</summary>
    public class SecretInventoryTests
    {
        private static readonly DateTime Now = new DateTime(2030, 6, 1, 0, 0, 0, DateTimeKind.Utc);

        private static StoredSource Pg(string name, string password, long id = 1) => new StoredSource
        {
            Id = id,
            Name = name,
            SourceType = "postgresql",
            ConnectionInfo = new OrderedMap { { "host", "db" }, { "database", "d" }, { "username", "u" }, { "password", password } },
        };

        private static InventoryResult Take(InMemorySecretBackend backend, IEnumerable<StoredSource> sources, IEnumerable<OwnedSecret>? owned = null,
            IEnumerable<StoredChannel>? channels = null, Func<string, bool>? filter = null) =>
            new SecretInventory(backend).Take(sources, channels ?? Array.Empty<StoredChannel>(), owned ?? Array.Empty<OwnedSecret>(), filter, Now);

        [Fact]
        public void A_secret_two_sources_share_is_one_item_with_both_users_and_each_vault_is_listed_once()
        {
            var backend = new InMemorySecretBackend("Store", "Other");
            backend.Put("Store", "pg", SecretValue.FromText("canary-shared-1"));
            var result = Take(backend, new[] { Pg("a", "${secret:Store/pg}"), Pg("b", "${secret:store/PG}", 2), Pg("c", "${secret:Other/gone}", 3) });

            Assert.Empty(result.Problems);
            var shared = Assert.Single(result.Items, item => item.Name == "pg");
            Assert.Equal(InventoryStatus.Ok, shared.Status);
            Assert.True(shared.Exists);
            Assert.False(shared.Owned);
            Assert.Equal(new[] { "a.password", "b.password" }, shared.Users.Select(user => user.ToString()));
            var gone = Assert.Single(result.Items, item => item.Name == "gone");
            Assert.Equal(InventoryStatus.Missing, gone.Status);
            Assert.False(gone.Exists);
            Assert.Equal(new[] { "List Other", "List Store" }, backend.Calls.OrderBy(call => call));
        }

        [Fact]
        public void An_owned_secret_nothing_refers_to_is_orphaned_and_an_owned_one_in_use_is_owned()
        {
            var backend = new InMemorySecretBackend("Store", "Other");
            backend.Put("Store", "DataCompass-prod-password", SecretValue.FromText("old"));
            backend.Put("Other", "DataCompass-prod-password", SecretValue.FromText("new"));
            var owned = new[]
            {
                new OwnedSecret("password", "Other", "DataCompass-prod-password", "prod"),
                new OwnedSecret(OwnedSecret.LeftBehindFieldOf("password", "Store"), "Store", "DataCompass-prod-password", "prod"),
                new OwnedSecret("password", "Store", "DataCompass-gone-password", "gone"),
            };
            var result = Take(backend, new[] { Pg("prod", "${secret:Other/DataCompass-prod-password}") }, owned);

            var current = Assert.Single(result.Items, item => item.Vault == "Other");
            Assert.Equal(InventoryStatus.Ok, current.Status);
            Assert.True(current.Owned);
            var orphans = result.Items.Where(item => item.Status == InventoryStatus.Orphaned).ToList();
            Assert.Equal(new[] { "DataCompass-gone-password", "DataCompass-prod-password" }, orphans.Select(item => item.Name));
            Assert.All(orphans, orphan => Assert.Empty(orphan.Users));
            Assert.Equal(new bool?[] { false, true }, orphans.Select(item => item.Exists));
            Assert.Equal(new[] { "prod.password:left:Store" }, orphans[1].OwnedBy);
            Assert.Equal(InventoryVaultFrom.OwnershipRecord, orphans[1].VaultFrom);
        }

        [Fact]
        public void An_unqualified_reference_goes_to_the_default_vault_else_the_first_other_vault_holding_it()
        {
            var backend = new InMemorySecretBackend("Zeta", "Alpha", "Beta") { DefaultVault = "Zeta" };
            backend.Put("Zeta", "in-default", SecretValue.FromText("x"));
            backend.Put("Beta", "elsewhere", SecretValue.FromText("x"));
            var result = Take(backend, new[] { Pg("a", "${secret:in-default}"), Pg("b", "${secret:elsewhere}", 2), Pg("c", "${secret:nowhere}", 3) });

            var inDefault = Assert.Single(result.Items, item => item.Name == "in-default");
            Assert.Equal(("Zeta", InventoryVaultFrom.DefaultVault), (inDefault.Vault, inDefault.VaultFrom));
            var elsewhere = Assert.Single(result.Items, item => item.Name == "elsewhere");
            Assert.Equal(("Beta", InventoryVaultFrom.VaultSearch), (elsewhere.Vault, elsewhere.VaultFrom));
            var nowhere = Assert.Single(result.Items, item => item.Name == "nowhere");
            Assert.Equal(("Zeta", InventoryStatus.Missing), (nowhere.Vault, nowhere.Status));
            Assert.Equal(new[] { "List Zeta", "List Alpha", "List Beta" }, backend.Calls);
        }

        [Fact]
        public void A_locked_vault_leaves_its_items_undecided_with_one_problem_and_the_others_are_listed()
        {
            var backend = new InMemorySecretBackend("Store", "Locked");
            backend.LockedVaults.Add("Locked");
            backend.Put("Store", "ok", SecretValue.FromText("x"));
            var result = Take(backend, new[] { Pg("a", "${secret:Locked/one}"), Pg("b", "${secret:Locked/two}", 2), Pg("c", "${secret:Store/ok}", 3), Pg("d", "${secret:Nope/x}", 4) });

            Assert.All(result.Items.Where(item => item.Vault == "Locked"), item =>
            {
                Assert.Equal(InventoryStatus.VaultLocked, item.Status);
                Assert.Null(item.Exists);
            });
            Assert.Equal(InventoryStatus.Ok, Assert.Single(result.Items, item => item.Vault == "Store").Status);
            Assert.Equal(InventoryStatus.VaultNotFound, Assert.Single(result.Items, item => item.Vault == "Nope").Status);
            Assert.Equal(new[] { DcError.VaultLocked, DcError.VaultNotFound }, result.Problems.Select(problem => problem.Error));
            Assert.Equal(1, backend.Calls.Count(call => call == "List Locked"));
        }

        [Fact]
        public void The_vault_filter_keeps_matching_items_and_asks_no_other_vault()
        {
            var backend = new InMemorySecretBackend("Store", "Other");
            var result = Take(backend, new[] { Pg("a", "${secret:Store/s}"), Pg("b", "${secret:Other/o}", 2) },
                filter: vault => string.Equals(vault, "Other", StringComparison.OrdinalIgnoreCase));

            Assert.Equal("o", Assert.Single(result.Items).Name);
            Assert.Equal(new[] { "List Other" }, backend.Calls);
        }

        [Fact]
        public void Secret_refs_and_notification_channel_placeholders_are_users_too()
        {
            var backend = new InMemorySecretBackend("Store");
            var source = new StoredSource
            {
                Name = "dbx",
                SourceType = "databricks",
                ConnectionInfo = new OrderedMap { { "host", "h" }, { "http_path", "p" }, { "catalog", "c" }, { "secret_ref", "vault://Store/dbx-creds" } },
            };
            var channel = new StoredChannel
            {
                Name = "alerts",
                Config = new OrderedMap { { "headers", new OrderedMap { { "Authorization", "Bearer ${secret:Store/hook-token}" } } } },
            };
            var result = Take(backend, new[] { source }, channels: new[] { channel });

            Assert.Equal(new[] { "dbx.secret_ref" }, Assert.Single(result.Items, item => item.Name == "dbx-creds").Users.Select(user => user.ToString()));
            var hook = Assert.Single(result.Items, item => item.Name == "hook-token");
            Assert.Equal("channel:alerts.headers.Authorization", Assert.Single(hook.Users).ToString());
        }

        [Fact]
        public void A_source_whose_references_cannot_be_read_is_a_problem_and_the_rest_is_listed()
        {
            var backend = new InMemorySecretBackend("Store");
            var result = Take(backend, new[] { Pg("bad", "${secret:}"), Pg("good", "${secret:Store/s}", 2) });

            Assert.Equal("s", Assert.Single(result.Items).Name);
            var problem = Assert.Single(result.Problems);
            Assert.Contains("'bad'", problem.Message);
        }

        [Fact]
        public void Expiry_comes_from_an_expiry_like_metadata_entry_and_a_passed_one_is_expired()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "future", SecretValue.FromText("x"));
            backend.Put("Store", "past", SecretValue.FromText("x"));
            backend.Put("Store", "none", SecretValue.FromText("x"));
            backend.PutMetadata("Store", "future", new Dictionary<string, object?> { ["Expires"] = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero) });
            backend.PutMetadata("Store", "past", new Dictionary<string, object?> { ["expiration_date"] = "2020-01-01T00:00:00Z" });
            backend.PutMetadata("Store", "none", new Dictionary<string, object?> { ["Owner"] = "team", ["Expires"] = "soon" });
            var result = Take(backend, new[] { Pg("a", "${secret:Store/future}"), Pg("b", "${secret:Store/past}", 2), Pg("c", "${secret:Store/none}", 3) });

            var byName = result.Items.ToDictionary(item => item.Name);
            Assert.Equal(new DateTime(2031, 1, 1, 0, 0, 0, DateTimeKind.Utc), byName["future"].Expires);
            Assert.Equal(InventoryStatus.Ok, byName["future"].Status);
            Assert.Equal(InventoryStatus.Expired, byName["past"].Status);
            Assert.Null(byName["none"].Expires);
        }

        [Fact]
        public void No_secret_value_is_read()
        {
            var backend = new InMemorySecretBackend("Store");
            backend.Put("Store", "s", SecretValue.FromText("canary-never-read"));
            var result = Take(backend, new[] { Pg("a", "${secret:Store/s}") }, new[] { new OwnedSecret("password", "Store", "s", "a") });

            Assert.DoesNotContain(backend.Calls, call => call.StartsWith("Get ", StringComparison.Ordinal));
            Assert.DoesNotContain(result.Items, item => (item.Problem ?? string.Empty).Contains("canary", StringComparison.Ordinal));
        }
    }
}

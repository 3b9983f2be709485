using System;
using System.Collections.Generic;
using System.IO;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Vaults;

namespace DataCompass.Tests
{
    /// <summary>Config vault_unlock: where a locked vault's password comes from, and the unlock once a command.</summary>
    public sealed class VaultUnlockTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-unlock-" + Guid.NewGuid().ToString("n"));

        public VaultUnlockTests() => Directory.CreateDirectory(_folder);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private static readonly Dictionary<string, string?> Environment = new Dictionary<string, string?> { ["STORE_PW"] = "pw-from-env" };

        private static string? Env(string name) => Environment.GetValueOrDefault(name);

        [Theory]
        [InlineData("${STORE_PW}")]
        [InlineData("~/store.pw")]
        [InlineData("/etc/datacompass/store.pw")]
        public void A_variable_or_a_file_path_is_a_source(string source) => Assert.Null(VaultUnlock.Check(source));

        [Theory]
        [InlineData("hunter2")]
        [InlineData("store.pw")]
        [InlineData("${STORE PW}")]
        [InlineData("$STORE_PW")]
        public void Anything_else_is_refused_as_it_may_be_the_password_itself(string source) =>
            Assert.Contains("never goes in the config", VaultUnlock.Check(source));

        [Fact]
        public void A_file_only_its_owner_may_read_gives_its_first_line()
        {
            var file = Path.Combine(_folder, "store.pw");
            File.WriteAllText(file, "pw-from-file\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            Assert.Equal("pw-from-file", VaultUnlock.ReadPassword("Store", file, Env, _folder));
            Assert.Equal("pw-from-file", VaultUnlock.ReadPassword("Store", "~/store.pw", Env, _folder));
            Assert.Equal("pw-from-env", VaultUnlock.ReadPassword("Store", "${STORE_PW}", Env, _folder));
        }

        [Fact]
        public void A_file_others_may_read_is_refused_unread()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            var file = Path.Combine(_folder, "open.pw");
            File.WriteAllText(file, "canary-open-pw");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            var error = Assert.Throws<DataCompassException>(() => VaultUnlock.ReadPassword("Store", file, Env, _folder));
            Assert.Equal(DcError.VaultUnlockFailed, error.Error);
            Assert.Contains("mode 640", error.Message);
            Assert.DoesNotContain("canary-open-pw", error.Message);
        }

        [Fact]
        public void An_unset_variable_a_missing_file_and_an_empty_one_are_DcVaultUnlockFailed()
        {
            Assert.Equal(DcError.VaultUnlockFailed, Assert.Throws<DataCompassException>(() => VaultUnlock.ReadPassword("Store", "${NOT_SET}", Env, _folder)).Error);
            Assert.Equal(DcError.VaultUnlockFailed, Assert.Throws<DataCompassException>(() => VaultUnlock.ReadPassword("Store", "~/missing.pw", Env, _folder)).Error);
            var empty = Path.Combine(_folder, "empty.pw");
            File.WriteAllText(empty, "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(empty, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            Assert.Contains("empty", Assert.Throws<DataCompassException>(() => VaultUnlock.ReadPassword("Store", empty, Env, _folder)).Message);
        }

        [Fact]
        public void A_locked_vault_is_unlocked_once_a_command_and_the_call_made_again()
        {
            var vaults = new InMemorySecretBackend("Store", "Other");
            vaults.SetText("Store", "a", "1");
            vaults.SetText("Store", "b", "2");
            vaults.LockedVaults.Add("Store");
            vaults.Passwords["Store"] = "pw-from-env";
            vaults.Calls.Clear();
            var backend = new UnlockingSecretBackend(vaults, () => new Dictionary<string, string> { ["store"] = "${STORE_PW}" }, Env, _folder);

            Assert.Equal("1", backend.Get("Store", "a").Text);
            Assert.Equal("2", backend.Get("Store", "b").Text);
            Assert.Single(vaults.Calls, call => call == "Unlock Store");
        }

        [Fact]
        public void A_vault_without_a_source_stays_locked_and_a_rejected_password_is_DcVaultUnlockFailed()
        {
            var vaults = new InMemorySecretBackend("Store", "Other");
            vaults.LockedVaults.Add("Other");
            vaults.LockedVaults.Add("Store");
            vaults.Passwords["Store"] = "the-right-one";
            var backend = new UnlockingSecretBackend(vaults, () => new Dictionary<string, string> { ["Store"] = "${STORE_PW}" }, Env, _folder);

            Assert.Equal(DcError.VaultLocked, Assert.Throws<DataCompassException>(() => backend.Get("Other", "x")).Error);
            var rejected = Assert.Throws<DataCompassException>(() => backend.Get("Store", "x"));
            Assert.Equal(DcError.VaultUnlockFailed, rejected.Error);
            Assert.Contains("${STORE_PW}", rejected.Message);
            Assert.DoesNotContain("pw-from-env", rejected.Message);

            // Tried once a command: the next call reports the same failure, it does not try the same password again.
            Assert.Equal(DcError.VaultUnlockFailed, Assert.Throws<DataCompassException>(() => backend.Get("Store", "x")).Error);
            Assert.Single(vaults.Calls, call => call == "Unlock Store");
        }

        [Fact]
        public void A_vault_found_locked_by_Test_is_unlocked_and_tested_again()
        {
            var vaults = new InMemorySecretBackend("Store");
            vaults.LockedVaults.Add("Store");
            vaults.Passwords["Store"] = "pw-from-env";
            var backend = new UnlockingSecretBackend(vaults, () => new Dictionary<string, string> { ["Store"] = "${STORE_PW}" }, Env, _folder);
            Assert.True(backend.Test("Store"));
            Assert.Single(vaults.Calls, call => call == "Unlock Store");

            var unconfigured = new InMemorySecretBackend("Other");
            unconfigured.LockedVaults.Add("Other");
            Assert.False(new UnlockingSecretBackend(unconfigured, () => new Dictionary<string, string>(), Env, _folder).Test("Other"));
        }

        [Fact]
        public void The_config_keeps_vault_unlock_and_refuses_a_password_in_it()
        {
            var path = Path.Combine(_folder, "config.yaml");
            ConfigFile.Write(path, new DcConfig { VaultUnlock = new Dictionary<string, string> { ["Store"] = "${STORE_PW}", ["Corp"] = "~/corp.pw" } });
            var read = ConfigFile.Read(path);
            Assert.Equal("${STORE_PW}", read.VaultUnlock["store"]);
            Assert.Equal("~/corp.pw", read.VaultUnlock["Corp"]);

            File.WriteAllText(path, "vault_unlock:\n  Store: hunter2\n");
            var error = Assert.Throws<DataCompassException>(() => ConfigFile.Read(path));
            Assert.Equal(DcError.ConfigInvalid, error.Error);
            Assert.DoesNotContain("hunter2", error.Message);
        }
    }
}

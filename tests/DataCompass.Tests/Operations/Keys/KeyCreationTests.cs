using System;
using System.IO;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Keys;
using DataCompass.Core.Vaults;
using Xunit;

namespace DataCompass.Tests
{
    public sealed class KeyCreationTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-keys-" + Guid.NewGuid().ToString("n"));
        private readonly InMemorySecretBackend _backend = new InMemorySecretBackend("Store");
        private readonly RecordingHost _host = new RecordingHost();

        public KeyCreationTests()
        {
            Directory.CreateDirectory(_folder);
        }

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        private string KeyFilePath => KeyFile.PathFor(DatabasePath);

        private string ConfigPath => ConfigFile.PathFor(DatabasePath);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private KeyCreation Creation(bool force = false, string? environmentKey = null) =>
            new KeyCreation(DatabasePath, _backend, name => name == KeyRingSource.EnvironmentVariable ? environmentKey : null, force, _host);

        private KeyRing? VaultRing() => _backend.Peek("Store", "ring") is { } secret ? KeyRing.Parse(secret.Text!, "test") : null;

        [Fact]
        public void A_first_key_file_holds_one_key()
        {
            var result = Creation().CreateInFile(KeyFilePath)!;

            var ring = KeyFile.Read(KeyFilePath)!;
            Assert.Equal(ring.Primary.Id, result.KeyId);
            Assert.Equal(1, result.KeyCount);
            Assert.Null(result.PreviousKeyId);
            Assert.Equal(KeyFilePath, result.Location);
            Assert.Empty(_host.Warnings);
        }

        [Fact]
        public void A_key_file_under_a_path_that_is_a_file_is_a_dc_error()
        {
            var notAFolder = Path.Combine(_folder, "data");
            File.WriteAllText(notAFolder, "a file");

            var error = Assert.Throws<DataCompassException>(() => Creation().CreateInFile(Path.Combine(notAFolder, KeyFile.FileName)));

            Assert.Same(DcError.EncryptionKeyFileUnavailable, error.Error);
            Assert.Equal("a file", File.ReadAllText(notAFolder));
        }

        [Fact]
        public void A_declined_change_writes_nothing()
        {
            _host.Allow = false;

            Assert.Null(Creation().CreateInFile(KeyFilePath));
            Assert.Null(Creation().CreateInVault("Store", "ring"));

            Assert.False(File.Exists(KeyFilePath));
            Assert.Null(_backend.Peek("Store", "ring"));
            Assert.False(File.Exists(ConfigPath));
            Assert.Equal(2, _host.Asked.Count);
        }

        [Fact]
        public void A_new_key_in_the_file_keeps_the_old_keys_for_decryption()
        {
            var first = Creation().CreateInFile(KeyFilePath)!;

            var second = Creation().CreateInFile(KeyFilePath)!;

            var ring = KeyFile.Read(KeyFilePath)!;
            Assert.Equal(new[] { second.KeyId, first.KeyId }, new[] { ring.Keys[0].Id, ring.Keys[1].Id });
            Assert.Equal(first.KeyId, second.PreviousKeyId);
            Assert.Contains(first.KeyId, _host.Asked[1], StringComparison.Ordinal);
        }

        [Fact]
        public void A_ring_made_in_a_vault_carries_the_key_file_over_and_the_config_points_at_it()
        {
            var fileKey = Creation().CreateInFile(KeyFilePath)!.KeyId;

            var result = Creation().CreateInVault("Store", "ring")!;

            var ring = VaultRing()!;
            Assert.Equal(2, ring.Keys.Count);
            Assert.Equal(result.KeyId, ring.Primary.Id);
            Assert.Equal(fileKey, ring.Keys[1].Id);
            Assert.Equal(fileKey, result.PreviousKeyId);
            Assert.Equal("vault://Store/ring", result.Location);
            Assert.Equal("Store/ring", ConfigFile.Read(ConfigPath).EncryptionKeyRef);
        }

        [Fact]
        public void A_ring_in_use_that_cannot_be_read_stops_the_command_and_nothing_is_written()
        {
            PrivateFiles.WriteAtomically(KeyFilePath, "not a key");

            var error = Assert.Throws<DataCompassException>(() => Creation().CreateInVault("Store", "ring"));

            Assert.Contains("pass -Force", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("not a key", error.Message, StringComparison.Ordinal);
            Assert.Null(_backend.Peek("Store", "ring"));
            Assert.False(File.Exists(ConfigPath));
            Assert.Empty(_host.Asked);
        }

        [Fact]
        public void With_force_an_unreadable_ring_in_use_is_left_behind_with_a_warning()
        {
            PrivateFiles.WriteAtomically(KeyFilePath, "not a key");

            var result = Creation(force: true).CreateInVault("Store", "ring")!;

            Assert.Equal(1, result.KeyCount);
            Assert.Null(result.PreviousKeyId);
            Assert.Contains(_host.Warnings, warning => warning.Contains("not carried over", StringComparison.Ordinal));
        }

        [Fact]
        public void A_vault_that_returns_a_different_ring_fails_and_the_config_is_not_pointed_at_it()
        {
            var other = KeyRing.WithNewPrimary(FernetKey.Generate(), "other").ToText();
            _backend.AlterReads = _ => SecretValue.FromText(other);

            var error = Assert.Throws<DataCompassException>(() => Creation().CreateInVault("Store", "ring"));

            Assert.Equal(DcError.VaultFailed, error.Error);
            Assert.False(File.Exists(ConfigPath));
        }

        [Fact]
        public void A_vault_secret_of_another_type_is_not_taken_for_a_ring()
        {
            _backend.Put("Store", "ring", SecretValue.FromCredential("app", "pw"));

            var error = Assert.Throws<DataCompassException>(() => Creation().CreateInVault("Store", "ring"));

            Assert.Equal(DcError.EncryptionKeyInvalid, error.Error);
            Assert.Equal("app", _backend.Peek("Store", "ring")!.UserName);
        }

        [Fact]
        public void The_environment_key_is_never_copied_and_its_precedence_is_warned_about()
        {
            var environmentKey = FernetKey.Generate();

            var result = Creation(environmentKey: environmentKey.ToText()).CreateInFile(KeyFilePath)!;

            Assert.Equal(1, result.KeyCount);
            Assert.Null(KeyFile.Read(KeyFilePath)!.Find(environmentKey.Id));
            Assert.Contains(_host.Warnings, warning => warning.Contains("$env:" + KeyRingSource.EnvironmentVariable, StringComparison.Ordinal));
        }

        [Fact]
        public void A_key_file_elsewhere_is_made_with_a_warning_that_it_is_not_the_one_read()
        {
            var elsewhere = Path.Combine(_folder, "other-key");

            Creation().CreateInFile(elsewhere);

            Assert.NotNull(KeyFile.Read(elsewhere));
            Assert.Contains(_host.Warnings, warning => warning.Contains($"reads keys from '{KeyFilePath}'", StringComparison.Ordinal));
        }
    }
}

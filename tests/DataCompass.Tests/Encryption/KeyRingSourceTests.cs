using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.References;
using DataCompass.Core.Vaults;

namespace DataCompass.Tests
{
    public sealed class KeyRingSourceTests : IDisposable
    {
        private static readonly FernetKey EnvKey = FernetKey.Generate();
        private static readonly FernetKey VaultKey = FernetKey.Generate();
        private static readonly FernetKey FileKey = FernetKey.Generate();
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-keysource-" + Guid.NewGuid().ToString("n"));

        private string KeyFilePath => Path.Combine(_folder, KeyFile.FileName);

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private InMemorySecretBackend VaultHolding(string text)
        {
            var backend = new InMemorySecretBackend("Corp");
            backend.Put("Corp", "dc-key", SecretValue.FromText(text));
            return backend;
        }

        private void WriteKeyFile(params FernetKey[] keys) => KeyFile.Write(KeyFilePath, TestKeys.Ring(keys));

        private KeyRingSource Source(string? environmentValue, string? keyRef, ISecretBackend? backend) => new KeyRingSource(
            TestKeys.Environment((KeyRingSource.EnvironmentVariable, environmentValue)),
            () => new DcConfig { EncryptionKeyRef = keyRef },
            KeyFilePath,
            backend);

        [Fact]
        public void The_environment_variable_wins_over_config_and_key_file()
        {
            WriteKeyFile(FileKey);
            var backend = VaultHolding(VaultKey.ToText());
            var ring = Source($"{EnvKey.ToText()},{VaultKey.ToText()}", "Corp/dc-key", backend).Find()!;
            Assert.Equal(new[] { EnvKey.Id, VaultKey.Id }, ring.Keys.Select(key => key.Id));
            Assert.Equal("$env:DATACOMPASS_ENCRYPTION_KEY", ring.Origin);
            Assert.Empty(backend.Calls);
        }

        [Fact]
        public void The_config_is_not_read_when_the_environment_variable_is_set()
        {
            var configReads = 0;
            var source = new KeyRingSource(
                TestKeys.Environment((KeyRingSource.EnvironmentVariable, EnvKey.ToText())),
                () =>
                {
                    configReads++;
                    throw new DataCompassException(DcError.ConfigInvalid, "The config must not be read.");
                },
                KeyFilePath,
                null);
            Assert.Equal(EnvKey.Id, source.Find()!.Primary.Id);
            Assert.Equal(EnvKey.Id, source.Require("test").Primary.Id);
            Assert.Equal(0, configReads);
        }

        [Fact]
        public void A_blank_environment_variable_counts_as_unset()
        {
            WriteKeyFile(FileKey);
            Assert.Equal(FileKey.Id, Source("  ", null, null).Find()!.Primary.Id);
        }

        [Fact]
        public void A_bad_environment_variable_fails_instead_of_falling_back()
        {
            WriteKeyFile(FileKey);
            var error = Assert.Throws<DataCompassException>(() => Source("canary-bad-env-key", null, null).Find());
            Assert.Same(DcError.EncryptionKeyInvalid, error.Error);
            Assert.Contains("$env:DATACOMPASS_ENCRYPTION_KEY", error.Message);
            TestKeys.AssertNoCanary(error, "canary-bad-env-key");
        }

        [Theory]
        [InlineData("Corp/dc-key")]
        [InlineData("vault://Corp/dc-key")]
        [InlineData("${secret:Corp/dc-key}")]
        [InlineData("  corp/dc-key  ")]
        public void A_config_reference_is_read_from_the_vault_and_wins_over_the_key_file(string keyRef)
        {
            WriteKeyFile(FileKey);
            var backend = VaultHolding($"{VaultKey.ToText()}\n{FileKey.ToText()}\n");
            var ring = Source(null, keyRef, backend).Find()!;
            Assert.Equal(new[] { VaultKey.Id, FileKey.Id }, ring.Keys.Select(key => key.Id));
            Assert.Contains("vault://", ring.Origin);
            Assert.Contains("dc-key", ring.Origin);
            Assert.Equal(new[] { "Get Corp/dc-key" }, backend.Calls.Select(call => call.Replace("corp/", "Corp/")));
        }

        [Fact]
        public void A_config_reference_to_a_missing_secret_is_a_missing_key()
        {
            var backend = new InMemorySecretBackend("Corp");
            var error = Assert.Throws<DataCompassException>(() => Source(null, "Corp/dc-key", backend).Find());
            Assert.Same(DcError.EncryptionKeyMissing, error.Error);
            Assert.Contains("vault://Corp/dc-key", error.Message);
            Assert.Contains("New-DcEncryptionKey", error.Message);
        }

        [Fact]
        public void A_config_reference_to_a_missing_secret_does_not_fall_back_to_the_key_file()
        {
            WriteKeyFile(FileKey);
            Assert.Same(DcError.EncryptionKeyMissing,
                Assert.Throws<DataCompassException>(() => Source(null, "Corp/dc-key", new InMemorySecretBackend("Corp")).Find()).Error);
        }

        public static IEnumerable<object[]> NonTextSecrets() => new[]
        {
            new object[] { SecretValue.FromMap(new Dictionary<string, string?> { ["key"] = "canary-map-key" }) },
            new object[] { SecretValue.FromCredential("user", "canary-credential-key") },
            new object[] { SecretValue.Unusable("ByteArray") },
        };

        [Theory]
        [MemberData(nameof(NonTextSecrets))]
        public void A_secret_that_is_not_text_is_an_invalid_key(SecretValue secret)
        {
            var backend = new InMemorySecretBackend("Corp");
            backend.Put("Corp", "dc-key", secret);
            var error = Assert.Throws<DataCompassException>(() => Source(null, "Corp/dc-key", backend).Find());
            Assert.Same(DcError.EncryptionKeyInvalid, error.Error);
            Assert.Contains(secret.TypeName, error.Message);
            TestKeys.AssertNoCanary(error, "canary-map-key", "canary-credential-key");
        }

        [Fact]
        public void A_vault_secret_that_is_not_a_key_is_invalid_and_never_repeated()
        {
            var error = Assert.Throws<DataCompassException>(() => Source(null, "Corp/dc-key", VaultHolding("canary-vault-not-a-key")).Find());
            Assert.Same(DcError.EncryptionKeyInvalid, error.Error);
            TestKeys.AssertNoCanary(error, "canary-vault-not-a-key");
        }

        [Fact]
        public void A_config_reference_without_secretmanagement_says_so()
        {
            var error = Assert.Throws<DataCompassException>(() => Source(null, "Corp/dc-key", null).Find());
            Assert.Same(DcError.SecretManagementNotInstalled, error.Error);
            Assert.Contains("SecretManagement", error.Message);
        }

        [Fact]
        public void A_locked_vault_keeps_its_own_error_in_context()
        {
            var backend = VaultHolding(VaultKey.ToText());
            backend.LockedVaults.Add("Corp");
            var error = Assert.Throws<DataCompassException>(() => Source(null, "Corp/dc-key", backend).Find());
            Assert.Same(DcError.VaultLocked, error.Error);
            Assert.Contains("encryption key ring", error.Message);
        }

        [Fact]
        public void The_key_file_is_used_when_nothing_else_is_set()
        {
            WriteKeyFile(FileKey, EnvKey);
            var ring = Source(null, null, new InMemorySecretBackend("Corp")).Find()!;
            Assert.Equal(new[] { FileKey.Id, EnvKey.Id }, ring.Keys.Select(key => key.Id));
            Assert.Contains(KeyFilePath, ring.Origin);
        }

        [Fact]
        public void An_empty_config_reference_counts_as_unset()
        {
            WriteKeyFile(FileKey);
            Assert.Equal(FileKey.Id, Source(null, string.Empty, null).Find()!.Primary.Id);
        }

        [Fact]
        public void Nothing_configured_means_no_ring_and_require_says_how_to_configure_one()
        {
            var source = Source(null, null, new InMemorySecretBackend("Corp"));
            Assert.Null(source.Find());
            var error = Assert.Throws<DataCompassException>(() => source.Require("Source 'prod': -Encrypt was given"));
            Assert.Same(DcError.EncryptionKeyMissing, error.Error);
            Assert.StartsWith("Source 'prod': -Encrypt was given", error.Message);
            Assert.Contains("DATACOMPASS_ENCRYPTION_KEY", error.Message);
            Assert.Contains("Set-DcConfig -EncryptionKeyRef", error.Message);
            Assert.Contains("New-DcEncryptionKey", error.Message);
            Assert.Contains(KeyFilePath, error.Message);
            Assert.Equal(KeyRingSource.EnvironmentVariable, error.Target);
            Assert.Equal("0a1b2c3d", Assert.Throws<DataCompassException>(() => source.Require("x", "0a1b2c3d")).Target);
            Assert.False(File.Exists(KeyFilePath));
        }

        [Fact]
        public void A_load_failure_is_thrown_again_on_every_call()
        {
            var source = Source(null, "Corp/dc-key", new InMemorySecretBackend("Corp"));
            Assert.Same(DcError.EncryptionKeyMissing, Assert.Throws<DataCompassException>(() => source.Find()).Error);
            Assert.Same(DcError.EncryptionKeyMissing, Assert.Throws<DataCompassException>(() => source.Find()).Error);
            Assert.Same(DcError.EncryptionKeyMissing, Assert.Throws<DataCompassException>(() => source.Require("test")).Error);
            Assert.Same(DcError.EncryptionKeyMissing, Assert.Throws<DataCompassException>(() => source.Decrypt("enc:v1:0a1b2c3d:tok", "ctx")).Error);
        }

        [Fact]
        public void The_ring_is_loaded_once()
        {
            var environmentReads = 0;
            var source = new KeyRingSource(
                name =>
                {
                    environmentReads++;
                    return name == KeyRingSource.EnvironmentVariable ? EnvKey.ToText() : null;
                },
                () => new DcConfig(),
                KeyFilePath,
                null);
            Assert.Same(source.Find(), source.Find());
            Assert.Equal(1, environmentReads);
        }

        [Fact]
        public void Decrypt_without_any_key_names_the_key_id_and_the_context()
        {
            var stored = TestKeys.Ring(VaultKey).Encrypt("canary-no-ring");
            var error = Assert.Throws<DataCompassException>(() => Source(null, null, null).Decrypt(stored, "Source 'prod', field 'password'"));
            Assert.Same(DcError.EncryptionKeyMissing, error.Error);
            Assert.Equal(VaultKey.Id, error.Target);
            Assert.Contains(VaultKey.Id, error.Message);
            Assert.StartsWith("Source 'prod', field 'password'", error.Message);
            TestKeys.AssertNoCanary(error, "canary-no-ring", stored);
        }

        [Theory]
        [InlineData("Corp/dc-key", "Corp", "dc-key")]
        [InlineData("vault://Corp/dc-key", "Corp", "dc-key")]
        [InlineData("VAULT://Corp/keys/dc", "Corp", "keys/dc")]
        [InlineData("${secret:Corp/keys/dc}", "Corp", "keys/dc")]
        [InlineData(" Corp/dc-key\n", "Corp", "dc-key")]
        public void KeyReference_reads_every_form(string text, string vault, string name)
        {
            var reference = KeyReference.Parse(text, "The config's encryption_key_ref");
            Assert.Equal(vault, reference.Vault);
            Assert.Equal(name, reference.Name);
        }

        [Theory]
        [InlineData("dc-key")]
        [InlineData("${secret:dc-key}")]
        [InlineData("/dc-key")]
        [InlineData("Corp/")]
        [InlineData("${secret:}")]
        [InlineData("")]
        [InlineData("   ")]
        public void KeyReference_refuses_a_reference_without_a_vault(string text)
        {
            var error = Assert.Throws<DataCompassException>(() => KeyReference.Parse(text, "The config's encryption_key_ref"));
            Assert.Same(DcError.ConfigInvalid, error.Error);
            Assert.StartsWith("The config's encryption_key_ref", error.Message);
            Assert.Contains("Vault/Name", error.Message);
        }

        [Theory]
        [InlineData("vault://dc-key")]
        [InlineData("vault://")]
        [InlineData("vault:///dc-key")]
        public void KeyReference_refuses_a_vault_uri_without_a_vault(string text)
        {
            var error = Assert.Throws<DataCompassException>(() => KeyReference.Parse(text, "The config's encryption_key_ref"));
            Assert.Same(DcError.ConfigInvalid, error.Error);
            Assert.StartsWith("The config's encryption_key_ref", error.Message);
            Assert.Contains("vault://Vault/Name", error.Message);
            Assert.DoesNotContain("secret_ref", error.Message);
        }

        [Fact]
        public void KeyReference_never_repeats_a_key_pasted_in_its_place()
        {
            var key = FernetKey.Generate().ToText();
            var error = Assert.Throws<DataCompassException>(() => KeyReference.Parse(key, "The config's encryption_key_ref"));
            Assert.Same(DcError.ConfigInvalid, error.Error);
            Assert.Contains("looks like a Fernet key", error.Message);
            Assert.DoesNotContain(key, error.Message);
            Assert.DoesNotContain(key, error.Target ?? string.Empty);
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Keys;
using DataCompass.Core.Storage;
using DataCompass.Core.Vaults;
using Xunit;

namespace DataCompass.Tests
{
    public sealed class KeyRemovalTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-key-removal-" + Guid.NewGuid().ToString("n"));
        private readonly InMemorySecretBackend _backend = new InMemorySecretBackend("Store");
        private readonly RecordingHost _host = new RecordingHost();
        private readonly FernetKey _primary = FernetKey.Generate();
        private readonly FernetKey _retired = FernetKey.Generate();
        private readonly FernetKey _other = FernetKey.Generate();
        private readonly List<StoredSource> _sources = new List<StoredSource>();
        private readonly List<StoredChannel> _channels = new List<StoredChannel>();
        private DcConfig _config = new DcConfig();
        private string? _environmentRing;

        public KeyRemovalTests()
        {
            Directory.CreateDirectory(_folder);
        }

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        private string KeyFilePath => KeyFile.PathFor(DatabasePath);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private KeyRing Ring(params FernetKey[] keys) => new KeyRing(keys, "test");

        private void WriteKeyFile(params FernetKey[] keys) => KeyFile.Write(KeyFilePath, Ring(keys));

        private IReadOnlyList<string> FileIds() => KeyFile.Read(KeyFilePath)!.Keys.Select(key => key.Id).ToList();

        private void AddSource(string name, params (string Field, object? Value)[] fields)
        {
            var info = new OrderedMap();
            foreach (var (field, value) in fields)
            {
                info[field] = value;
            }

            _sources.Add(new StoredSource { Id = _sources.Count + 1, Name = name, SourceType = "postgresql", ConnectionInfo = info });
        }

        private KeyRemoval Removal(IOperationHost? host = null, Func<CatalogEncryptedValues>? readCatalog = null) => new KeyRemoval(
            DatabasePath,
            _backend,
            name => name == KeyRingSource.EnvironmentVariable ? _environmentRing : null,
            () => _config,
            readCatalog ?? (() => new CatalogEncryptedValues(_sources, _channels)),
            host ?? _host);

        private static DataCompassException Single(KeyRemovalResult result, DcError error)
        {
            var refusal = Assert.Single(result.Refused);
            Assert.Same(error, refusal.Error);
            return refusal;
        }

        [Fact]
        public void A_retired_key_leaves_the_key_file_and_the_rest_stays_in_order()
        {
            WriteKeyFile(_primary, _retired, _other);
            AddSource("a", ("password", Ring(_primary).Encrypt("canary-a")), ("username", Ring(_other).Encrypt("user")));

            var result = Removal().Remove(new[] { _retired.Id.ToUpperInvariant() });

            Assert.Equal(new[] { _retired.Id }, result.Removed);
            Assert.Equal(new[] { _primary.Id, _other.Id }, result.Remaining);
            Assert.Equal(new[] { _primary.Id, _other.Id }, FileIds());
            Assert.Equal(KeyFilePath, result.Location);
            Assert.Empty(result.Refused);
            Assert.Contains($"Remove encryption key {_retired.Id} from the key ring (keeping {_primary.Id}, {_other.Id}): {KeyFilePath}", _host.Asked);
            Assert.False(PrivateFiles.IsOpenToOthers(KeyFilePath));
        }

        [Fact]
        public void A_key_a_value_still_needs_is_refused_naming_the_source_and_field_never_the_value()
        {
            WriteKeyFile(_primary, _retired);
            AddSource("a", ("password", Ring(_retired).Encrypt("canary-a")));
            AddSource("b", ("password", Ring(_retired).Encrypt("canary-b")), ("username", "app"));
            var before = File.ReadAllText(KeyFilePath);

            var result = Removal().Remove(new[] { _retired.Id });

            var refusal = Single(result, DcError.EncryptionKeyInUse);
            Assert.Contains("2 encrypted values", refusal.Message, StringComparison.Ordinal);
            Assert.Contains("source 'a', field 'password'; source 'b', field 'password'", refusal.Message, StringComparison.Ordinal);
            Assert.Contains("Update-DcEncryptionKey", refusal.Message, StringComparison.Ordinal);
            Assert.Equal(_retired.Id, refusal.Target);
            TestKeys.AssertNoCanary(refusal, "canary-a", "canary-b", _retired.ToText(), _primary.ToText());
            Assert.Empty(result.Removed);
            Assert.Empty(_host.Asked);
            Assert.Equal(before, File.ReadAllText(KeyFilePath));
        }

        [Fact]
        public void A_value_in_a_notification_channel_or_nested_deeper_counts_and_an_unreadable_row_blocks()
        {
            WriteKeyFile(_primary, _retired, _other);
            _channels.Add(new StoredChannel
            {
                Id = 1,
                Name = "alerts",
                Config = new OrderedMap { { "headers", new OrderedMap { { "Authorization", Ring(_retired).Encrypt("token") } } } },
            });
            _sources.Add(new StoredSource { Id = 1, Name = "broken", ConnectionInfoProblem = new DataCompassException(DcError.ConnectionInfoInvalid, "damaged") });

            var result = Removal().Remove(new[] { _retired.Id, _other.Id });

            Assert.Equal(2, result.Refused.Count);
            Assert.All(result.Refused, refusal => Assert.Same(DcError.EncryptionKeyInUse, refusal.Error));
            Assert.Contains("notification channel 'alerts', field 'headers.Authorization'", result.Refused[0].Message, StringComparison.Ordinal);
            Assert.Contains("source 'broken' cannot be read", result.Refused[1].Message, StringComparison.Ordinal);
            Assert.Equal(3, FileIds().Count);
        }

        [Fact]
        public void The_primary_key_is_refused_also_when_it_is_the_only_one_and_unused()
        {
            WriteKeyFile(_primary, _retired);

            var primary = Single(Removal().Remove(new[] { _primary.Id }), DcError.EncryptionKeyIsPrimary);
            Assert.Contains("New-DcEncryptionKey", primary.Message, StringComparison.Ordinal);

            WriteKeyFile(_primary);
            var only = Single(Removal().Remove(new[] { _primary.Id }), DcError.EncryptionKeyIsPrimary);
            Assert.Contains("only key", only.Message, StringComparison.Ordinal);
            Assert.Equal(new[] { _primary.Id }, FileIds());
        }

        [Fact]
        public void An_unknown_id_is_named_with_the_ids_the_ring_holds_and_a_key_given_as_id_is_never_repeated()
        {
            WriteKeyFile(_primary, _retired);

            var unknown = Single(Removal().Remove(new[] { "0123abcd" }), DcError.EncryptionKeyNotFound);
            Assert.Contains("0123abcd", unknown.Message, StringComparison.Ordinal);
            Assert.Contains($"{_primary.Id}, {_retired.Id}", unknown.Message, StringComparison.Ordinal);

            var pasted = Single(Removal().Remove(new[] { _retired.ToText() }), DcError.EncryptionKeyNotFound);
            Assert.Contains($"a key itself, not its id (key {_retired.Id})", pasted.Message, StringComparison.Ordinal);
            TestKeys.AssertNoCanary(pasted, _retired.ToText());

            var junk = Single(Removal().Remove(new[] { "canary-not-an-id" }), DcError.EncryptionKeyNotFound);
            TestKeys.AssertNoCanary(junk, "canary-not-an-id");
            Assert.Equal(2, FileIds().Count);
        }

        [Fact]
        public void A_ring_in_the_environment_is_never_changed_and_the_message_says_whether_dropping_the_key_is_safe()
        {
            _environmentRing = Ring(_primary, _retired, _other).ToText();
            WriteKeyFile(_primary, _retired, _other);
            AddSource("a", ("password", Ring(_other).Encrypt("canary-a")));

            var result = Removal().Remove(new[] { _retired.Id, _other.Id, _primary.Id });

            Assert.Equal(3, result.Refused.Count);
            Assert.All(result.Refused, refusal => Assert.Same(DcError.EncryptionKeyRingInEnvironment, refusal.Error));
            Assert.Contains("safe to drop it", result.Refused[0].Message, StringComparison.Ordinal);
            Assert.Contains("source 'a', field 'password'", result.Refused[1].Message, StringComparison.Ordinal);
            Assert.Contains("would make them unreadable", result.Refused[1].Message, StringComparison.Ordinal);
            Assert.Contains("primary key", result.Refused[2].Message, StringComparison.Ordinal);
            Assert.All(result.Refused, refusal => TestKeys.AssertNoCanary(refusal, _environmentRing, _retired.ToText(), "canary-a"));
            Assert.Empty(_host.Asked);
            Assert.Equal(3, FileIds().Count);
        }

        [Fact]
        public void A_vault_ring_is_rewritten_and_read_back()
        {
            _config = new DcConfig { EncryptionKeyRef = "Store/ring" };
            _backend.Put("Store", "ring", SecretValue.FromText(Ring(_primary, _retired).ToText()));

            var result = Removal().Remove(new[] { _retired.Id });

            Assert.Equal(new[] { _retired.Id }, result.Removed);
            Assert.Equal("vault://Store/ring", result.Location);
            Assert.Equal(_primary.ToText(), _backend.Peek("Store", "ring")!.Text);
            Assert.False(File.Exists(KeyFilePath));
        }

        [Fact]
        public void A_vault_that_returns_another_ring_than_was_written_is_a_vault_failure()
        {
            _config = new DcConfig { EncryptionKeyRef = "Store/ring" };
            _backend.Put("Store", "ring", SecretValue.FromText(Ring(_primary, _retired).ToText()));
            var reads = 0;
            _backend.AlterReads = value => ++reads > 2 ? SecretValue.FromText(Ring(_other).ToText()) : value;

            var error = Assert.Throws<DataCompassException>(() => Removal().Remove(new[] { _retired.Id }));

            Assert.Same(DcError.VaultFailed, error.Error);
        }

        [Fact]
        public void A_declined_removal_writes_nothing()
        {
            WriteKeyFile(_primary, _retired);
            _host.Allow = false;
            var before = File.ReadAllText(KeyFilePath);

            var result = Removal().Remove(new[] { _retired.Id });

            Assert.Empty(result.Removed);
            Assert.Empty(result.Refused);
            Assert.Single(_host.Asked);
            Assert.Equal(before, File.ReadAllText(KeyFilePath));
        }

        [Fact]
        public void Usage_is_checked_again_after_confirmation_so_a_value_written_meanwhile_keeps_its_key()
        {
            WriteKeyFile(_primary, _retired);
            var reads = 0;
            var later = new StoredSource[] { new StoredSource { Id = 1, Name = "late", ConnectionInfo = new OrderedMap { { "password", Ring(_retired).Encrypt("x") } } } };

            var result = Removal(readCatalog: () => ++reads == 1
                ? new CatalogEncryptedValues(_sources, _channels)
                : new CatalogEncryptedValues(later, _channels)).Remove(new[] { _retired.Id });

            Assert.Equal(2, reads);
            Assert.Empty(result.Removed);
            Assert.Contains("source 'late', field 'password'", Single(result, DcError.EncryptionKeyInUse).Message, StringComparison.Ordinal);
            Assert.Equal(2, FileIds().Count);
        }

        [Fact]
        public void A_key_another_command_added_while_the_prompt_was_open_is_kept()
        {
            WriteKeyFile(_primary, _retired);
            var added = FernetKey.Generate();
            var host = new CallbackHost(() => KeyFile.Update(KeyFilePath, current => KeyRing.WithNewPrimary(added, "test", current)));

            var result = Removal(host).Remove(new[] { _retired.Id });

            Assert.Equal(new[] { _retired.Id }, result.Removed);
            Assert.Equal(new[] { added.Id, _primary.Id }, FileIds());
        }

        [Fact]
        public void No_key_ring_at_all_is_a_missing_key()
        {
            var error = Assert.Throws<DataCompassException>(() => Removal().Remove(new[] { _retired.Id }));

            Assert.Same(DcError.EncryptionKeyMissing, error.Error);
        }

        /// <summary>Says yes, after running <c>meanwhile</c>: what another process did while the prompt was open.</summary>
        private sealed class CallbackHost : IOperationHost
        {
            private readonly Action _meanwhile;

            public CallbackHost(Action meanwhile) => _meanwhile = meanwhile;

            public bool ShouldProcess(string target, string action)
            {
                _meanwhile();
                return true;
            }

            public void Warn(string message)
            {
            }
        }
    }
}

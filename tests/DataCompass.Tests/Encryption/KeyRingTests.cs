using System;
using System.Linq;
using System.Text;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;

namespace DataCompass.Tests
{
    public class KeyRingTests
    {
        private const string Context = "Source 'prod', field 'password'";
        private static readonly FernetKey First = FernetKey.Generate();
        private static readonly FernetKey Second = FernetKey.Generate();
        private static readonly FernetKey Third = FernetKey.Generate();

        [Fact]
        public void Parses_comma_separated_keys_primary_first()
        {
            var ring = KeyRing.Parse($"{First.ToText()},{Second.ToText()},{Third.ToText()}", "$env:DATACOMPASS_ENCRYPTION_KEY");
            Assert.Equal(new[] { First.Id, Second.Id, Third.Id }, ring.Keys.Select(key => key.Id));
            Assert.Equal(First.Id, ring.Primary.Id);
            Assert.Equal("$env:DATACOMPASS_ENCRYPTION_KEY", ring.Origin);
        }

        [Fact]
        public void Parses_keys_on_lines_with_blank_lines_and_whitespace()
        {
            var ring = KeyRing.Parse($"\r\n  {Second.ToText()}  \r\n\r\n\t{First.ToText()}\n ,, \n", "the key file");
            Assert.Equal(new[] { Second.Id, First.Id }, ring.Keys.Select(key => key.Id));
            Assert.Equal(Second.Id, ring.Primary.Id);
        }

        [Fact]
        public void The_same_key_listed_twice_is_one_key_in_first_place()
        {
            var ring = KeyRing.Parse($"{First.ToText()},{Second.ToText()},{First.ToText()}\n{Second.ToText()}", "test");
            Assert.Equal(new[] { First.Id, Second.Id }, ring.Keys.Select(key => key.Id));
        }

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData(",,\n\r\n ,")]
        public void Text_without_a_key_is_invalid(string text)
        {
            var error = Assert.Throws<DataCompassException>(() => KeyRing.Parse(text, "the key file '/k'"));
            Assert.Same(DcError.EncryptionKeyInvalid, error.Error);
            Assert.Contains("the key file '/k'", error.Message);
        }

        [Fact]
        public void Null_text_is_invalid() =>
            Assert.Same(DcError.EncryptionKeyInvalid, Assert.Throws<DataCompassException>(() => KeyRing.Parse(null!, "test")).Error);

        [Theory]
        [InlineData("canary-not-a-key-4711")]
        [InlineData("Y2FuYXJ5LXNob3J0LWtleS00NzEy")]   // base64, but not 32 bytes
        public void A_bad_entry_is_invalid_and_never_repeated(string entry)
        {
            var error = Assert.Throws<DataCompassException>(() => KeyRing.Parse($"{First.ToText()},{entry}", "$env:DATACOMPASS_ENCRYPTION_KEY"));
            Assert.Same(DcError.EncryptionKeyInvalid, error.Error);
            Assert.Contains("$env:DATACOMPASS_ENCRYPTION_KEY", error.Message);
            Assert.Contains("key 2", error.Message);
            TestKeys.AssertNoCanary(error, entry, First.ToText());
        }

        [Fact]
        public void A_single_bad_key_is_invalid_without_being_repeated()
        {
            var error = Assert.Throws<DataCompassException>(() => KeyRing.Parse("canary-lonely-bad-key", "the vault secret vault://V/k"));
            Assert.Same(DcError.EncryptionKeyInvalid, error.Error);
            TestKeys.AssertNoCanary(error, "canary-lonely-bad-key");
        }

        [Fact]
        public void Encrypt_writes_the_stored_form_under_the_primary_key()
        {
            var ring = TestKeys.Ring(First, Second);
            var stored = ring.Encrypt("canary-ring-plain");
            Assert.StartsWith($"enc:v1:{First.Id}:", stored);
            Assert.True(EncryptedValue.TryParse(stored, out var keyId, out var token));
            Assert.Equal(First.Id, keyId);
            Assert.DoesNotContain("canary-ring-plain", stored);

            // The token is a plain Fernet token of the primary key, readable by any Fernet implementation.
            Assert.Equal("canary-ring-plain", Encoding.UTF8.GetString(Fernet.Decrypt(First, token, "ctx")));
            Assert.Equal("canary-ring-plain", ring.Decrypt(stored, Context));
        }

        [Fact]
        public void Round_trips_non_ascii_and_empty_text()
        {
            var ring = TestKeys.Ring(First);
            Assert.Equal("Grüße, 秘密 € 🔑", ring.Decrypt(ring.Encrypt("Grüße, 秘密 € 🔑"), Context));
            Assert.Equal(string.Empty, ring.Decrypt(ring.Encrypt(string.Empty), Context));
        }

        [Fact]
        public void Decrypts_a_value_made_by_a_secondary_key()
        {
            var old = TestKeys.Ring(Second).Encrypt("canary-made-by-second");
            var ring = TestKeys.Ring(First, Second);
            Assert.Equal("canary-made-by-second", ring.Decrypt(old, Context));
        }

        [Fact]
        public void A_key_the_ring_lacks_is_missing_and_named()
        {
            var stored = TestKeys.Ring(Third).Encrypt("canary-missing-key-plain");
            var error = Assert.Throws<DataCompassException>(() => TestKeys.Ring(First, Second).Decrypt(stored, Context));
            Assert.Same(DcError.EncryptionKeyMissing, error.Error);
            Assert.Equal(Third.Id, error.Target);
            Assert.Contains(Third.Id, error.Message);
            Assert.StartsWith(Context, error.Message);
            Assert.Contains("the test ring", error.Message);
            TestKeys.AssertNoCanary(error, "canary-missing-key-plain", EncryptedValue.TryParse(stored, out _, out var token) ? token : stored,
                First.ToText(), Second.ToText(), Third.ToText());
        }

        [Fact]
        public void A_tampered_token_fails_naming_the_context()
        {
            var ring = TestKeys.Ring(First);
            var stored = ring.Encrypt("canary-tampered-plain");
            var bytes = Convert.FromBase64String(stored.Substring(16).Replace('-', '+').Replace('_', '/'));
            bytes[40] ^= 0x80;
            var tampered = EncryptedValue.Format(First.Id, Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_'));
            var error = Assert.Throws<DataCompassException>(() => ring.Decrypt(tampered, Context));
            Assert.Same(DcError.DecryptionFailed, error.Error);
            Assert.StartsWith(Context, error.Message);
            Assert.Equal(Context, error.Target);
            TestKeys.AssertNoCanary(error, "canary-tampered-plain", tampered.Substring(16), First.ToText());
        }

        [Theory]
        [InlineData("enc:v1:")]
        [InlineData("enc:v1:0a1b2c3d")]
        [InlineData("enc:v1:nothex!!:token")]
        public void A_damaged_value_fails_as_damaged(string stored)
        {
            var error = Assert.Throws<DataCompassException>(() => TestKeys.Ring(First).Decrypt(stored, Context));
            Assert.Same(DcError.DecryptionFailed, error.Error);
            Assert.StartsWith(Context, error.Message);
            Assert.Contains("damaged", error.Message);
        }

        [Fact]
        public void A_token_whose_plaintext_is_not_utf8_fails()
        {
            var invalidUtf8 = new byte[] { 0x63, 0x61, 0xC3, 0x28, 0xFF, 0xFE };
            var stored = EncryptedValue.Format(First.Id, Fernet.Encrypt(First, invalidUtf8));
            var error = Assert.Throws<DataCompassException>(() => TestKeys.Ring(First).Decrypt(stored, Context));
            Assert.Same(DcError.DecryptionFailed, error.Error);
            Assert.StartsWith(Context, error.Message);
            Assert.Contains("UTF-8", error.Message);
        }

        [Fact]
        public void ToText_and_Parse_round_trip_the_ring_in_order()
        {
            var ring = TestKeys.Ring(Second, Third, First);
            var text = ring.ToText();
            Assert.Equal(2, text.Count(character => character == ','));
            var parsed = KeyRing.Parse(text, "round trip");
            Assert.Equal(ring.Keys.Select(key => key.Id), parsed.Keys.Select(key => key.Id));
            Assert.Equal("canary-round-trip", parsed.Decrypt(ring.Encrypt("canary-round-trip"), Context));
        }

        [Fact]
        public void ToString_names_key_ids_never_keys()
        {
            var ring = TestKeys.Ring(First, Second);
            var text = ring.ToString();
            Assert.Contains(First.Id, text);
            Assert.Contains(Second.Id, text);
            Assert.DoesNotContain(First.ToText(), text);
            Assert.DoesNotContain(Second.ToText(), text);
        }

        [Fact]
        public void A_ring_needs_a_key() =>
            Assert.Throws<ArgumentException>(() => new KeyRing(Array.Empty<FernetKey>(), "nothing"));
    }
}

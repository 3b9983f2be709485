using System;
using System.Linq;
using System.Text;
using DataCompass.Core.Encryption;
using DataCompass.Core.Errors;

namespace DataCompass.Tests
{
    public class FernetTests
    {
        // The Fernet specification's test vector (key, time, IV, token), as Python's cryptography reads it.
        private const string SpecKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
        private const string SpecToken = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";

        // Made by Python's cryptography 48 (Fernet.encrypt_at_time) with the same key: non-ASCII, several blocks.
        private const string PythonToken = "gAAAAABlU_EAte332_DpO3Us0-CmhS_hZwNjyEzd38vEaoCfekPTWp8o2wsPwGZqn_ZCrsydaY5YktGaFd1IxDrn5_dnUHmTtp_arGuyA5XMVE-xTlDYEFA=";

        private static FernetKey Key => FernetKey.Parse(SpecKey, "test");

        [Fact]
        public void Writes_the_specification_token()
        {
            var iv = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
            var token = Fernet.Encrypt(Key, Encoding.UTF8.GetBytes("hello"), DateTimeOffset.FromUnixTimeSeconds(499162800), iv);
            Assert.Equal(SpecToken, token);
        }

        [Fact]
        public void Reads_tokens_made_elsewhere()
        {
            Assert.Equal("hello", Encoding.UTF8.GetString(Fernet.Decrypt(Key, SpecToken, "ctx")));
            Assert.Equal("Grüße, 秘密 €", Encoding.UTF8.GetString(Fernet.Decrypt(Key, PythonToken, "ctx")));
        }

        [Fact]
        public void Round_trips_with_a_new_key_and_a_fresh_iv_each_time()
        {
            var key = FernetKey.Generate();
            var first = Fernet.Encrypt(key, Encoding.UTF8.GetBytes("canary-fernet"));
            var second = Fernet.Encrypt(key, Encoding.UTF8.GetBytes("canary-fernet"));
            Assert.NotEqual(first, second);
            Assert.Equal("canary-fernet", Encoding.UTF8.GetString(Fernet.Decrypt(key, first, "ctx")));
            Assert.Equal(string.Empty, Encoding.UTF8.GetString(Fernet.Decrypt(key, Fernet.Encrypt(key, Array.Empty<byte>()), "ctx")));
            Assert.Equal(key.Id, FernetKey.Parse(key.ToText(), "round trip").Id);
        }

        [Fact]
        public void Standard_base64_and_missing_padding_are_read_as_python_reads_them()
        {
            Assert.Equal(Key.Id, FernetKey.Parse("cw/0x689RpI+jtRR7oE8h/eQsKImvJapLeSbXpwF4e4=", "test").Id);
            Assert.Equal("hello", Encoding.UTF8.GetString(Fernet.Decrypt(Key, SpecToken.Replace('-', '+').Replace('_', '/').TrimEnd('='), "ctx")));
        }

        [Fact]
        public void The_key_id_is_the_first_eight_hex_digits_of_sha256_of_the_raw_key() =>
            Assert.Equal("cbeb362f", Key.Id);

        [Theory]
        [InlineData(0)]     // version
        [InlineData(4)]     // timestamp
        [InlineData(12)]    // IV
        [InlineData(30)]    // ciphertext
        [InlineData(60)]    // HMAC
        public void Any_changed_byte_fails(int index)
        {
            var bytes = Convert.FromBase64String(SpecToken.Replace('-', '+').Replace('_', '/'));
            bytes[index] ^= 0x01;
            var tampered = Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
            var error = Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, tampered, "source 'prod', field 'password'"));
            Assert.Same(DcError.DecryptionFailed, error.Error);
            Assert.StartsWith("source 'prod', field 'password'", error.Message);
            Assert.Contains(Key.Id, error.Message);
        }

        [Theory]
        [InlineData("")]
        [InlineData("gAAAAA")]
        [InlineData("not base64 at all!")]
        [InlineData("gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4Iwq")]
        public void Truncated_or_malformed_tokens_fail(string token) =>
            Assert.Same(DcError.DecryptionFailed, Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, token, "ctx")).Error);

        [Fact]
        public void Another_key_fails_without_revealing_anything()
        {
            var error = Assert.Throws<DataCompassException>(() => Fernet.Decrypt(FernetKey.Generate(), SpecToken, "ctx"));
            Assert.Same(DcError.DecryptionFailed, error.Error);
            Assert.DoesNotContain("hello", error.Message);
        }

        [Theory]
        [InlineData("")]
        [InlineData("c2hvcnQ=")]
        [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")]
        [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
        public void Keys_must_be_32_bytes_of_url_safe_base64(string text)
        {
            var error = Assert.Throws<DataCompassException>(() => FernetKey.Parse(text, "$env:DATACOMPASS_ENCRYPTION_KEY"));
            Assert.Same(DcError.EncryptionKeyInvalid, error.Error);
            Assert.Contains("$env:DATACOMPASS_ENCRYPTION_KEY", error.Message);
        }
    }
}

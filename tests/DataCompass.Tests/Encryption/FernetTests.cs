using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using DataCompass.Core.Common;
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

        private static byte[] Bytes(string token) => UrlSafeBase64.TryDecode(token)!;

        /// <summary>A token with a valid signature over whatever bytes are given, as an attacker holding the signing half could make.</summary>
        private static string Signed(FernetKey key, byte[] unsigned)
        {
            var token = new byte[unsigned.Length + 32];
            unsigned.CopyTo(token, 0);
            HMACSHA256.HashData(key.SigningKey, unsigned, token.AsSpan(unsigned.Length));
            return UrlSafeBase64.Encode(token);
        }

        [Fact]
        public void Every_single_changed_byte_fails()
        {
            var token = Bytes(SpecToken);
            for (var index = 0; index < token.Length; index++)
            {
                foreach (var flip in new byte[] { 0x01, 0x80 })
                {
                    var tampered = (byte[])token.Clone();
                    tampered[index] ^= flip;
                    var error = Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, UrlSafeBase64.Encode(tampered), "ctx"));
                    Assert.Same(DcError.DecryptionFailed, error.Error);
                }
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(16)]
        [InlineData(32)]
        [InlineData(33)]
        [InlineData(48)]
        [InlineData(72)]
        public void Every_truncation_fails(int length)
        {
            var truncated = Bytes(SpecToken).AsSpan(0, length).ToArray();
            Assert.Same(DcError.DecryptionFailed, Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, UrlSafeBase64.Encode(truncated), "ctx")).Error);
        }

        [Fact]
        public void An_appended_byte_fails()
        {
            var longer = Bytes(SpecToken).Concat(new byte[] { 0 }).ToArray();
            Assert.Same(DcError.DecryptionFailed, Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, UrlSafeBase64.Encode(longer), "ctx")).Error);
        }

        [Theory]
        [InlineData("gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==!")]
        [InlineData("gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=x")]
        [InlineData("gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqD")]
        [InlineData("gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4Iwq.A==")]
        [InlineData("====")]
        public void Text_that_is_not_base64_fails(string token) =>
            Assert.Same(DcError.DecryptionFailed, Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, token, "ctx")).Error);

        [Fact]
        public void A_null_token_fails_like_any_other() =>
            Assert.Same(DcError.DecryptionFailed, Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, null!, "ctx")).Error);

        [Fact]
        public void Another_version_byte_fails_even_when_correctly_signed()
        {
            var unsigned = Bytes(SpecToken).AsSpan(0, Bytes(SpecToken).Length - 32).ToArray();
            unsigned[0] = 0x81;
            var error = Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, Signed(Key, unsigned), "ctx"));
            Assert.Same(DcError.DecryptionFailed, error.Error);
            Assert.Contains("not a Fernet token", error.Message);
        }

        [Fact]
        public void A_ciphertext_that_is_not_whole_blocks_fails_even_when_correctly_signed()
        {
            var unsigned = Bytes(SpecToken).AsSpan(0, Bytes(SpecToken).Length - 32 - 1).ToArray();
            Assert.Same(DcError.DecryptionFailed, Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, Signed(Key, unsigned), "ctx")).Error);
        }

        [Fact]
        public void Bad_padding_under_a_valid_signature_fails_without_an_unexpected_exception()
        {
            // One block whose last byte is 0x00 after decryption: never valid PKCS7.
            var iv = new byte[16];
            using var aes = Aes.Create();
            aes.Key = Key.EncryptionKey.ToArray();
            var block = aes.EncryptCbc(new byte[16], iv, PaddingMode.None);
            var unsigned = new byte[] { 0x80 }.Concat(new byte[8]).Concat(iv).Concat(block).ToArray();
            var error = Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, Signed(Key, unsigned), "source 'p', field 'password'"));
            Assert.Same(DcError.DecryptionFailed, error.Error);
            Assert.StartsWith("source 'p', field 'password'", error.Message);
        }

        [Fact]
        public void Failures_never_repeat_the_token_or_the_key()
        {
            var tampered = SpecToken.Substring(0, 40) + (SpecToken[40] == 'A' ? 'B' : 'A') + SpecToken.Substring(41);
            foreach (var token in new[] { tampered, "canary-not-a-token" })
            {
                var error = Assert.Throws<DataCompassException>(() => Fernet.Decrypt(Key, token, "ctx"));
                Assert.DoesNotContain(token, error.Message);
                Assert.DoesNotContain(SpecKey, error.Message);
                Assert.Equal("ctx", error.Target);
            }
        }

        [Fact]
        public void A_generated_key_is_named_by_the_first_eight_hex_digits_of_sha256_of_its_raw_bytes()
        {
            for (var i = 0; i < 20; i++)
            {
                var key = FernetKey.Generate();
                var raw = UrlSafeBase64.TryDecode(key.ToText())!;
                Assert.Equal(32, raw.Length);
                Assert.Equal(Convert.ToHexString(SHA256.HashData(raw)).Substring(0, 8).ToLowerInvariant(), key.Id);
                Assert.Matches("^[0-9a-f]{8}$", key.Id);
                Assert.DoesNotContain(key.ToText(), key.ToString());
                Assert.Contains(key.Id, key.ToString());
            }
        }

        [Fact]
        public void Key_text_is_url_safe_padded_base64_of_44_characters()
        {
            var text = FernetKey.Generate().ToText();
            Assert.Equal(44, text.Length);
            Assert.EndsWith("=", text);
            Assert.Matches("^[A-Za-z0-9_-]{43}=$", text);
        }
    }
}

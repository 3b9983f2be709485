using DataCompass.Core.Encryption;

namespace DataCompass.Tests
{
    public class EncryptedValueTests
    {
        [Fact]
        public void Format_and_TryParse_round_trip()
        {
            var stored = EncryptedValue.Format("0a1b2c3d", "gAAAAABtoken-with_url=safe");
            Assert.Equal("enc:v1:0a1b2c3d:gAAAAABtoken-with_url=safe", stored);
            Assert.True(EncryptedValue.TryParse(stored, out var keyId, out var token));
            Assert.Equal("0a1b2c3d", keyId);
            Assert.Equal("gAAAAABtoken-with_url=safe", token);
            Assert.Equal("0a1b2c3d", EncryptedValue.KeyIdOf(stored));
        }

        [Fact]
        public void The_token_is_everything_after_the_key_id_even_with_colons()
        {
            Assert.True(EncryptedValue.TryParse("enc:v1:0a1b2c3d:a:b:c", out var keyId, out var token));
            Assert.Equal("0a1b2c3d", keyId);
            Assert.Equal("a:b:c", token);
        }

        [Fact]
        public void An_upper_case_key_id_is_read_in_lower_case()
        {
            Assert.True(EncryptedValue.TryParse("enc:v1:0A1B2C3D:tok", out var keyId, out _));
            Assert.Equal("0a1b2c3d", keyId);
        }

        [Theory]
        [InlineData("enc:v2:0a1b2c3d:token")]          // another version
        [InlineData("ENC:V1:0a1b2c3d:token")]          // the prefix is case-sensitive
        [InlineData("xenc:v1:0a1b2c3d:token")]
        [InlineData("0a1b2c3d:token")]
        [InlineData("")]
        [InlineData("enc:v1:0a1b2c3g:token")]          // not hex
        [InlineData("enc:v1:0a1b-c3d:token")]
        [InlineData("enc:v1: 0a1b2c3:token")]
        [InlineData("enc:v1:0a1b2c3:token")]           // seven digits
        [InlineData("enc:v1:0a1b:token")]              // four digits
        [InlineData("enc:v1:0a1b2c3d4:token")]         // nine digits: the ':' is not where it must be
        [InlineData("enc:v1:0a1b2c3dtoken")]           // no ':' after the key id
        [InlineData("enc:v1:0a1b2c3d")]                // no ':' and no token
        [InlineData("enc:v1:0a1b2c3d:")]               // empty token
        [InlineData("enc:v1:")]
        public void TryParse_rejects_what_is_not_of_the_form(string text)
        {
            Assert.False(EncryptedValue.TryParse(text, out var keyId, out var token));
            Assert.Equal(string.Empty, keyId);
            Assert.Equal(string.Empty, token);
            Assert.Null(EncryptedValue.KeyIdOf(text));
        }

        [Theory]
        [InlineData("enc:v1:")]
        [InlineData("enc:v1:zzzz")]
        [InlineData("enc:v1:0a1b2c3d:")]
        [InlineData("enc:v1:0a1b2c3d:not-a-fernet-token")]
        public void A_damaged_value_still_counts_as_encrypted_never_as_plaintext(string text) =>
            Assert.True(EncryptedValue.IsEncrypted(text));

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("hunter2")]
        [InlineData("ENC:v1:0a1b2c3d:tok")]
        [InlineData(" enc:v1:0a1b2c3d:tok")]
        [InlineData("${secret:Store/enc:v1:x}")]
        public void Other_values_are_not_encrypted(string? text) =>
            Assert.False(EncryptedValue.IsEncrypted(text));

        [Fact]
        public void Only_strings_are_encrypted() =>
            Assert.False(EncryptedValue.IsEncrypted(12345L));
    }
}

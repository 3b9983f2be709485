using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Encryption;
using DataCompass.Core.Sources;

namespace DataCompass.Tests
{
    public class SourceDescriberEncryptionTests
    {
        private static readonly FernetKey Key = FernetKey.Generate();

        private static FieldDescription Describe(string field, object? value) =>
            SourceDescriber.Describe("prod", AdapterCatalog.Find("postgresql"), new OrderedMap { { field, value } }).Single();

        [Fact]
        public void An_encrypted_secret_shows_its_key_id_and_a_mask()
        {
            var stored = TestKeys.Ring(Key).Encrypt("canary-describe");
            var field = Describe("password", stored);
            Assert.Equal(ValueProvenance.Encrypted, field.Provenance);
            Assert.Equal($"enc:v1:{Key.Id}:********", field.DisplayValue);
            Assert.True(field.IsSecret);
        }

        [Theory]
        [InlineData("enc:v1:")]
        [InlineData("enc:v1:0a1b2c3d")]
        [InlineData("enc:v1:canary-damaged-describe")]
        public void A_damaged_value_is_still_encrypted_and_shows_no_token(string stored)
        {
            var field = Describe("password", stored);
            Assert.Equal(ValueProvenance.Encrypted, field.Provenance);
            Assert.Equal("enc:v1:********", field.DisplayValue);
        }

        [Fact]
        public void An_encrypted_value_in_a_field_that_is_not_secret_is_masked_too()
        {
            var stored = TestKeys.Ring(Key).Encrypt("canary-describe-host");
            var field = Describe("host", stored);
            Assert.Equal(ValueProvenance.Encrypted, field.Provenance);
            Assert.Equal($"enc:v1:{Key.Id}:********", field.DisplayValue);
            Assert.False(field.IsSecret);
        }

        [Fact]
        public void An_encrypted_value_is_not_an_audit_finding()
        {
            Assert.False(SourceDescriber.HoldsPlaintextSecret(TestKeys.Ring(Key).Encrypt("canary-audit"), "ctx"));
            Assert.False(SourceDescriber.HoldsPlaintextSecret("enc:v1:damaged", "ctx"));
            Assert.True(SourceDescriber.HoldsPlaintextSecret("canary-audit-plain", "ctx"));
        }
    }
}

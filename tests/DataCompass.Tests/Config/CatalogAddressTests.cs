using System.Collections.Generic;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;

namespace DataCompass.Tests
{
    public class CatalogAddressTests
    {
        [Fact]
        public void Reads_every_part_and_names_the_catalog_with_its_reference()
        {
            var address = CatalogAddress.Parse("postgresql://dc_app:${DC_PG_PASSWORD}@db.example.com:6543/catalog?sslmode=verify-full&connect_timeout=7", "-Database", allowLiteralPassword: false);
            Assert.Equal("dc_app", address.User);
            Assert.True(address.PasswordIsReference);
            Assert.Equal("db.example.com", address.Host);
            Assert.Equal(6543, address.Port);
            Assert.Equal("catalog", address.Database);
            Assert.Equal("verify-full", address.SslMode);
            Assert.Equal(7, address.ConnectTimeout);
            Assert.Equal("postgresql://dc_app:${DC_PG_PASSWORD}@db.example.com:6543/catalog?sslmode=verify-full", address.Text);
        }

        [Fact]
        public void Takes_a_vault_reference_whose_name_holds_slashes_and_colons()
        {
            var address = CatalogAddress.Parse("postgres://u:${secret:Corp/pg/catalog}@[::1]/db", "-Database", allowLiteralPassword: false);
            Assert.Equal("::1", address.Host);
            Assert.Equal(5432, address.Port);
            Assert.Equal("prefer", address.SslMode);
            Assert.Equal("postgresql://u:${secret:Corp/pg/catalog}@[::1]:5432/db?sslmode=prefer", address.Text);
            // The name reads back as the same address.
            Assert.Equal(address.Text, CatalogAddress.Parse(address.Text, "-Database", allowLiteralPassword: false).Text);
        }

        [Fact]
        public void Accepts_SQLAlchemy_driver_schemes_and_a_literal_password_from_the_environment_only_masked()
        {
            const string url = "postgresql+psycopg2://app:s3cr%40t-canary@h/db";
            var address = CatalogAddress.Parse(url, "$env:DATACOMPASS_DATABASE_URL", allowLiteralPassword: true);
            Assert.False(address.PasswordIsReference);
            Assert.Equal("postgresql://app:********@h:5432/db?sslmode=prefer", address.Text);
            Assert.DoesNotContain("canary", address.ToString());

            var refused = Assert.Throws<DataCompassException>(() => CatalogAddress.Parse(url, "-Database", allowLiteralPassword: false));
            Assert.Equal(DcError.DatabaseUrlInvalid, refused.Error);
            Assert.DoesNotContain("canary", refused.Message);
            Assert.Contains("command history", refused.Message);
        }

        public static IEnumerable<object[]> BadAddresses => new[]
        {
            new object[] { "postgresql://host/db", "names no user" },
            new object[] { "postgresql://app@host/db", "has no password" },
            new object[] { "postgresql://app:${PW}@host", "names no database" },
            new object[] { "postgresql://app:${PW}@host:0/db", "port '0'" },
            new object[] { "postgresql://app:${PW}@host:x/db", "port 'x'" },
            new object[] { "postgresql://app:${PW}@/db", "names no host" },
            new object[] { "postgresql://app:${PW}@host/db?sslmode=sometimes", "sslmode 'sometimes'" },
            new object[] { "postgresql://app:${PW}@host/db?target_session_attrs=any", "'target_session_attrs'" },
            new object[] { "postgresql://app:x${PW}@host/db", "one whole reference" },
            new object[] { "postgresql://app:${secret:}@host/db", "malformed" },
        };

        [Theory]
        [MemberData(nameof(BadAddresses))]
        public void Refuses_what_it_cannot_use_naming_why_and_never_the_password(string text, string why)
        {
            var error = Assert.Throws<DataCompassException>(() => CatalogAddress.Parse(text, "-Database", allowLiteralPassword: false));
            Assert.Equal(DcError.DatabaseUrlInvalid, error.Error);
            Assert.Contains(why, error.Message);
            Assert.Contains("-Database", error.Message);
        }

        [Fact]
        public void Locates_the_environment_address_after_Database_and_before_the_data_folder()
        {
            var environment = new Dictionary<string, string?>
            {
                ["DATACOMPASS_DATABASE_URL"] = "postgresql://app:${PW}@h/db",
                ["DATACOMPASS_DATA_DIR"] = "/tmp/dc-data",
            };
            var located = CatalogLocation.Locate(null, name => environment.TryGetValue(name, out var value) ? value : null, "/home/u");
            Assert.Equal("postgresql://app:${PW}@h:5432/db?sslmode=prefer", located.Path);
            Assert.Equal("$env:DATACOMPASS_DATABASE_URL", located.Origin);

            var explicitFile = CatalogLocation.Locate("/tmp/x.db", name => environment.TryGetValue(name, out var value) ? value : null, "/home/u");
            Assert.Equal("/tmp/x.db", explicitFile.Path);
        }

        [Fact]
        public void Reads_the_Python_tools_SQLite_url_as_a_catalog_file_and_refuses_anything_else()
        {
            var file = CatalogLocation.Locate(null, name => name == "DATACOMPASS_DATABASE_URL" ? "sqlite:////srv/dc/catalog.db" : null, "/home/u");
            Assert.Equal("/srv/dc/catalog.db", file.Path);
            Assert.Equal("$env:DATACOMPASS_DATABASE_URL", file.Origin);

            var error = Assert.Throws<DataCompassException>(() => CatalogLocation.Locate(null, name => name == "DATACOMPASS_DATABASE_URL" ? "mysql://u:p@h/db" : null, "/home/u"));
            Assert.Equal(DcError.DatabaseUrlInvalid, error.Error);
            Assert.DoesNotContain("u:p", error.Message);
        }
    }
}

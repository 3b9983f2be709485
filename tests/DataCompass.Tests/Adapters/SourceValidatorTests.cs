using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Adapters;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Tests
{
    public class SourceValidatorTests
    {
        private static AdapterSchema Adapter(string type) => AdapterCatalog.Find(type)!;

        private static OrderedMap Map(params (string Key, object? Value)[] entries)
        {
            var map = new OrderedMap();
            foreach (var (key, value) in entries)
            {
                map.Add(key, value);
            }

            return map;
        }

        private static OrderedMap Postgres(params (string Key, object? Value)[] extra)
        {
            var map = Map(("host", "db"), ("database", "sales"), ("username", "app"), ("password", "${DB_PASSWORD}"));
            foreach (var (key, value) in extra)
            {
                map[key] = value;
            }

            return map;
        }

        private static DataCompassException Invalid(string type, OrderedMap fields) =>
            Assert.Throws<DataCompassException>(() => SourceValidator.Normalize(Adapter(type), "prod", fields));

        [Fact]
        public void Postgres_gets_every_field_in_declaration_order_with_defaults()
        {
            var result = SourceValidator.Normalize(Adapter("postgresql"), "prod", Postgres());
            Assert.Equal(
                new[] { "host", "port", "database", "username", "password", "ssl_mode", "schema_filter", "exclude_schemas", "connect_timeout", "query_timeout" },
                result.Keys);
            Assert.Equal(5432L, result["port"]);
            Assert.Equal("prefer", result["ssl_mode"]);
            Assert.Null(result["schema_filter"]);
            Assert.Equal(new object?[] { "pg_catalog", "information_schema", "pg_toast" }, (List<object?>)result["exclude_schemas"]!);
            Assert.Equal(10L, result["connect_timeout"]);
            Assert.Equal(300L, result["query_timeout"]);
        }

        [Fact]
        public void Defaults_are_copies_not_shared_lists()
        {
            var first = SourceValidator.Normalize(Adapter("postgresql"), "a", Postgres());
            ((List<object?>)first["exclude_schemas"]!).Add("mutated");
            var second = SourceValidator.Normalize(Adapter("postgresql"), "b", Postgres());
            Assert.Equal(3, ((List<object?>)second["exclude_schemas"]!).Count);
        }

        [Theory]
        [InlineData("5433", 5433L)]
        [InlineData(" 5433 ", 5433L)]
        [InlineData(5433L, 5433L)]
        [InlineData(5433, 5433L)]
        [InlineData(5433.0, 5433L)]
        [InlineData("1", 1L)]
        [InlineData("65535", 65535L)]
        public void Integers_are_coerced(object given, long expected) =>
            Assert.Equal(expected, SourceValidator.Normalize(Adapter("postgresql"), "prod", Postgres(("port", given)))["port"]);

        [Theory]
        [InlineData("0")]
        [InlineData("65536")]
        [InlineData("-1")]
        [InlineData("abc")]
        [InlineData("54.5")]
        [InlineData(54.5)]
        [InlineData(true)]
        public void Bad_integers_are_refused_with_the_range(object given)
        {
            var error = Invalid("postgresql", Postgres(("port", given)));
            Assert.Same(DcError.SourceInvalid, error.Error);
            Assert.Contains("field 'port' must be an integer from 1 to 65535", error.Message);
        }

        [Fact]
        public void Placeholders_in_typed_fields_wait_for_resolution()
        {
            var result = SourceValidator.Normalize(Adapter("postgresql"), "prod", Postgres(("port", "${DB_PORT}"), ("ssl_mode", "${SSL}")));
            Assert.Equal("${DB_PORT}", result["port"]);
            Assert.Equal("${SSL}", result["ssl_mode"]);
            var error = Assert.Throws<DataCompassException>(() =>
                SourceValidator.Normalize(Adapter("postgresql"), "prod", Postgres(("port", "${DB_PORT}")), resolved: true));
            Assert.Contains("field 'port'", error.Message);
        }

        [Fact]
        public void Every_problem_is_named_at_once_without_values()
        {
            var fields = Map(("host", "db"), ("port", "99999"), ("ssl_mode", "sometimes"), ("pasword", "hunter2-canary"), ("usr", "x"));
            var error = Invalid("postgresql", fields);
            Assert.Contains("field 'port' must be an integer from 1 to 65535", error.Message);
            Assert.Contains("field 'ssl_mode' must be one of: disable, allow, prefer, require, verify-ca, verify-full", error.Message);
            Assert.Contains("unknown field 'pasword' (did you mean 'password'?)", error.Message);
            Assert.Contains("unknown field 'usr'", error.Message);
            Assert.Contains("field 'database' is required", error.Message);
            Assert.Contains("field 'username' is required", error.Message);
            Assert.Contains("field 'password' is required", error.Message);
            Assert.DoesNotContain("hunter2-canary", error.Message);
            Assert.DoesNotContain("sometimes", error.Message);
            Assert.DoesNotContain("99999", error.Message);
            Assert.Equal("prod", error.Target);
        }

        [Fact]
        public void Field_names_match_ignoring_case_but_not_twice()
        {
            var upper = Map(("HOST", "db"), ("Database", "sales"), ("username", "app"), ("password", "${P}"));
            Assert.Equal("db", SourceValidator.Normalize(Adapter("postgresql"), "prod", upper)["host"]);
            Assert.Contains("field 'host' is given more than once", Invalid("postgresql", Postgres(("HOST", "other"))).Message);
        }

        [Fact]
        public void Null_takes_the_default_and_required_null_is_missing()
        {
            var result = SourceValidator.Normalize(Adapter("postgresql"), "prod", Postgres(("port", null)));
            Assert.Equal(5432L, result["port"]);
            Assert.Contains("field 'host' is required", Invalid("postgresql", Postgres(("host", null))).Message);
        }

        [Fact]
        public void Lists_accept_one_text_value_and_refuse_nested_values()
        {
            var result = SourceValidator.Normalize(Adapter("postgresql"), "prod", Postgres(("exclude_schemas", "audit")));
            Assert.Equal(new object?[] { "audit" }, (List<object?>)result["exclude_schemas"]!);
            Assert.Contains("field 'exclude_schemas' must be a list of text values",
                Invalid("postgresql", Postgres(("exclude_schemas", new List<object?> { "a", new OrderedMap() }))).Message);
        }

        [Fact]
        public void Text_fields_refuse_maps_lists_and_booleans()
        {
            Assert.Contains("field 'host' must be text", Invalid("postgresql", Postgres(("host", new OrderedMap()))).Message);
            Assert.Contains("field 'host' must be text", Invalid("postgresql", Postgres(("host", new List<object?> { "a" }))).Message);
            Assert.Contains("field 'host' must be text", Invalid("postgresql", Postgres(("host", true))).Message);
        }

        [Fact]
        public void Numbers_in_text_fields_become_text() =>
            Assert.Equal("12345", SourceValidator.Normalize(Adapter("postgresql"), "prod", Postgres(("username", 12345L)))["username"]);

        [Fact]
        public void Databricks_personal_token_needs_an_access_token()
        {
            var fields = Map(("host", "h"), ("http_path", "/sql"), ("catalog", "main"));
            Assert.Contains("field 'access_token' is required when auth_method is 'personal_token'", Invalid("databricks", fields).Message);
            fields.Add("access_token", "${DATABRICKS_TOKEN}");
            var result = SourceValidator.Normalize(Adapter("databricks"), "dbx", fields);
            Assert.Equal(
                new[] { "host", "http_path", "catalog", "auth_method", "access_token", "client_id", "client_secret", "tenant_id", "schema_filter", "timeout_seconds", "max_retries" },
                result.Keys);
            Assert.Equal(300L, result["timeout_seconds"]);
            Assert.Equal(3L, result["max_retries"]);
        }

        [Fact]
        public void Databricks_service_principal_needs_its_three_fields()
        {
            var fields = Map(("host", "h"), ("http_path", "/sql"), ("catalog", "main"), ("auth_method", "service_principal"));
            var message = Invalid("databricks", fields).Message;
            Assert.Contains("field 'client_id' is required when auth_method is 'service_principal'", message);
            Assert.Contains("field 'client_secret' is required when auth_method is 'service_principal'", message);
            Assert.Contains("field 'tenant_id' is required when auth_method is 'service_principal'", message);
            Assert.DoesNotContain("access_token", message);
        }

        [Fact]
        public void Databricks_managed_identity_needs_no_secret()
        {
            var fields = Map(("host", "h"), ("http_path", "/sql"), ("catalog", "main"), ("auth_method", "managed_identity"));
            Assert.Null(SourceValidator.Normalize(Adapter("databricks"), "dbx", fields)["access_token"]);
        }

        [Fact]
        public void Snowflake_defaults()
        {
            var fields = Map(("account", "acme"), ("warehouse", "wh"), ("database", "db"), ("username", "u"), ("password", "${SF}"));
            var result = SourceValidator.Normalize(Adapter("snowflake"), "sf", fields);
            Assert.Equal(new object?[] { "INFORMATION_SCHEMA" }, (List<object?>)result["exclude_schemas"]!);
            Assert.Equal(30L, result["connect_timeout"]);
            Assert.Equal(300L, result["query_timeout"]);
            Assert.Null(result["role"]);
        }

        [Fact]
        public void Secret_ref_supplies_the_secret_fields_and_is_stored_last()
        {
            var fields = Map(("host", "db"), ("database", "sales"), ("username", "app"), ("secret_ref", "vault://Corp/sources/prod"));
            var result = SourceValidator.Normalize(Adapter("postgresql"), "prod", fields);
            Assert.Null(result["password"]);
            Assert.Equal("secret_ref", result.Keys.Last());
            Assert.Equal("vault://Corp/sources/prod", result["secret_ref"]);
        }

        [Theory]
        [InlineData("Corp/prod")]
        [InlineData("vault://Corp")]
        [InlineData(5L)]
        public void Bad_secret_ref_is_refused(object value)
        {
            var fields = Map(("host", "db"), ("database", "sales"), ("username", "app"), ("secret_ref", value));
            Assert.Contains("secret_ref", Invalid("postgresql", fields).Message);
        }

        [Fact]
        public void Every_adapter_declares_its_secret_fields()
        {
            Assert.Equal(new[] { "password" }, Adapter("postgresql").SecretFields.Select(f => f.Name));
            Assert.Equal(new[] { "password" }, Adapter("snowflake").SecretFields.Select(f => f.Name));
            Assert.Equal(new[] { "access_token", "client_secret" }, Adapter("databricks").SecretFields.Select(f => f.Name));
            Assert.Equal(new[] { "postgresql", "databricks", "snowflake" }, AdapterCatalog.Types);
            Assert.Same(Adapter("postgresql"), AdapterCatalog.Find("PostgreSQL"));
            Assert.Null(AdapterCatalog.Find("mysql"));
        }
    }
}

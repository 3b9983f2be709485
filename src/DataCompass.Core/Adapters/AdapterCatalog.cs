using System;
using System.Collections.Generic;
using System.Linq;

namespace DataCompass.Core.Adapters
{
    /// <summary>
    /// Every adapter DataCompass knows, as the Python datacompass tool declares them. Adding an adapter is
    /// adding one schema to <see cref="All"/>.
    /// </summary>
    public static class AdapterCatalog
    {
        public static IReadOnlyList<AdapterSchema> All { get; } = new[]
        {
            new AdapterSchema(
                "postgresql",
                "PostgreSQL",
                new[]
                {
                    Text("host", required: true),
                    new FieldSchema("port", FieldKind.Integer) { Default = 5432L, Minimum = 1, Maximum = 65535 },
                    Text("database", required: true),
                    Text("username", required: true),
                    new FieldSchema("password", FieldKind.String) { Required = true, IsSecret = true },
                    new FieldSchema("ssl_mode", FieldKind.String)
                    {
                        Default = "prefer",
                        AllowedValues = new[] { "disable", "allow", "prefer", "require", "verify-ca", "verify-full" },
                    },
                    Text("schema_filter"),
                    List("exclude_schemas", "pg_catalog", "information_schema", "pg_toast"),
                    new FieldSchema("connect_timeout", FieldKind.Integer) { Default = 10L, Minimum = 1, Maximum = 300 },
                    new FieldSchema("query_timeout", FieldKind.Integer) { Default = 300L, Minimum = 1, Maximum = 3600 },
                },
                usernameField: "username",
                passwordField: "password"),
            new AdapterSchema(
                "databricks",
                "Databricks",
                new[]
                {
                    Text("host", required: true),
                    Text("http_path", required: true),
                    Text("catalog", required: true),
                    new FieldSchema("auth_method", FieldKind.String)
                    {
                        Default = "personal_token",
                        AllowedValues = new[] { "personal_token", "service_principal", "managed_identity" },
                    },
                    new FieldSchema("access_token", FieldKind.String)
                    {
                        IsSecret = true,
                        RequiredWhen = new FieldSchema.Condition("auth_method", "personal_token"),
                    },
                    new FieldSchema("client_id", FieldKind.String)
                    {
                        RequiredWhen = new FieldSchema.Condition("auth_method", "service_principal"),
                    },
                    new FieldSchema("client_secret", FieldKind.String)
                    {
                        IsSecret = true,
                        RequiredWhen = new FieldSchema.Condition("auth_method", "service_principal"),
                    },
                    new FieldSchema("tenant_id", FieldKind.String)
                    {
                        RequiredWhen = new FieldSchema.Condition("auth_method", "service_principal"),
                    },
                    Text("schema_filter"),
                    new FieldSchema("timeout_seconds", FieldKind.Integer) { Default = 300L },
                    new FieldSchema("max_retries", FieldKind.Integer) { Default = 3L },
                }),
            new AdapterSchema(
                "snowflake",
                "Snowflake",
                new[]
                {
                    Text("account", required: true),
                    Text("warehouse", required: true),
                    Text("database", required: true),
                    Text("username", required: true),
                    new FieldSchema("password", FieldKind.String) { Required = true, IsSecret = true },
                    Text("role"),
                    Text("schema_filter"),
                    List("exclude_schemas", "INFORMATION_SCHEMA"),
                    new FieldSchema("connect_timeout", FieldKind.Integer) { Default = 30L },
                    new FieldSchema("query_timeout", FieldKind.Integer) { Default = 300L },
                },
                usernameField: "username",
                passwordField: "password"),
        };

        /// <summary>The adapter names, for completion and messages.</summary>
        public static IEnumerable<string> Types => All.Select(adapter => adapter.Type);

        /// <summary>Finds an adapter by type name, ignoring case; null when there is none.</summary>
        public static AdapterSchema? Find(string type) =>
            All.FirstOrDefault(adapter => string.Equals(adapter.Type, type, StringComparison.OrdinalIgnoreCase));

        private static FieldSchema Text(string name, bool required = false) =>
            new FieldSchema(name, FieldKind.String) { Required = required };

        private static FieldSchema List(string name, params string[] defaults) =>
            new FieldSchema(name, FieldKind.StringList) { Default = defaults };
    }
}

using System;
using System.Collections.Generic;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Sources;

namespace DataCompass.Tests
{
    /// <summary>-ResolveNow: SourceDefinition.ResolveEnvironment.</summary>
    public class ResolveEnvironmentTests
    {
        private static OrderedMap Fields() => new OrderedMap
        {
            { "host", "${PG_HOST}" },
            { "port", 5432L },
            { "database", "${PG_DB:-sales}" },
            { "username", "app-${PG_SUFFIX}" },
            { "password", "${PG_PASSWORD}" },
            { "ssl_mode", null },
            { "exclude_schemas", new List<object?> { "${SKIP}", "pg_toast", 7L } },
        };

        [Fact]
        public void Resolves_every_environment_placeholder_in_every_field_including_lists()
        {
            var env = TestKeys.Environment(("PG_HOST", "db.example"), ("PG_SUFFIX", "ro"), ("PG_PASSWORD", "canary-resolve-pw"), ("SKIP", "audit"));
            var resolved = SourceDefinition.ResolveEnvironment("prod", Fields(), env);
            Assert.Equal("db.example", resolved["host"]);
            Assert.Equal(5432L, resolved["port"]);
            Assert.Equal("sales", resolved["database"]);
            Assert.Equal("app-ro", resolved["username"]);
            Assert.Equal("canary-resolve-pw", resolved["password"]);
            Assert.Null(resolved["ssl_mode"]);
            Assert.Equal(new object?[] { "audit", "pg_toast", 7L }, Assert.IsAssignableFrom<IEnumerable<object?>>(resolved["exclude_schemas"]));
            Assert.Equal(new[] { "host", "port", "database", "username", "password", "ssl_mode", "exclude_schemas" }, resolved.Keys);
        }

        [Fact]
        public void Follows_the_grammar_a_set_but_empty_variable_beats_the_default_and_dollar_var_stays()
        {
            var fields = new OrderedMap { { "a", "${EMPTY:-default}" }, { "b", "$PLAIN ${NOPE-d}" }, { "c", "${X}${X}" } };
            var resolved = SourceDefinition.ResolveEnvironment("prod", fields, TestKeys.Environment(("EMPTY", string.Empty), ("PLAIN", "p"), ("X", "x")));
            Assert.Equal(string.Empty, resolved["a"]);
            Assert.Equal("$PLAIN ${NOPE-d}", resolved["b"]);
            Assert.Equal("xx", resolved["c"]);
        }

        [Fact]
        public void Keeps_secret_references()
        {
            var fields = new OrderedMap { { "password", "${secret:Store/pg}" }, { "dsn", "${U}:${secret:Store/pg}@h" }, { "secret_ref", "vault://Corp/prod" } };
            var resolved = SourceDefinition.ResolveEnvironment("prod", fields, TestKeys.Environment(("U", "user")));
            Assert.Equal("${secret:Store/pg}", resolved["password"]);
            Assert.Equal("user:${secret:Store/pg}@h", resolved["dsn"]);
            Assert.Equal("vault://Corp/prod", resolved["secret_ref"]);
        }

        [Fact]
        public void A_value_is_not_scanned_again()
        {
            var fields = new OrderedMap { { "a", "${A}" } };
            var error = Assert.Throws<DataCompassException>(() =>
                SourceDefinition.ResolveEnvironment("prod", fields, TestKeys.Environment(("A", "${B}"), ("B", "b"))));
            Assert.Same(DcError.SourceInvalid, error.Error);
        }

        [Fact]
        public void Does_not_change_its_input()
        {
            var fields = Fields();
            SourceDefinition.ResolveEnvironment("prod", fields, TestKeys.Environment(("PG_HOST", "h"), ("PG_SUFFIX", "s"), ("PG_PASSWORD", "p"), ("SKIP", "k")));
            Assert.Equal("${PG_HOST}", fields["host"]);
            Assert.Equal("${SKIP}", ((List<object?>)fields["exclude_schemas"]!)[0]);
        }

        [Fact]
        public void An_unset_variable_is_refused_naming_field_and_variable()
        {
            var env = TestKeys.Environment(("PG_HOST", "h"), ("PG_SUFFIX", "s"), ("SKIP", "canary-skip-value"));
            var error = Assert.Throws<DataCompassException>(() => SourceDefinition.ResolveEnvironment("prod", Fields(), env));
            Assert.Same(DcError.EnvironmentVariableNotSet, error.Error);
            Assert.StartsWith("Source 'prod'", error.Message);
            Assert.Contains("field 'password'", error.Message);
            Assert.Contains("'PG_PASSWORD'", error.Message);
            Assert.Contains("-ResolveNow", error.Message);
            Assert.DoesNotContain("PG_HOST", error.Message);
            Assert.Equal("prod", error.Target);
            TestKeys.AssertNoCanary(error, "canary-skip-value");
        }

        [Fact]
        public void Every_unset_variable_is_named_once_and_in_lists_too()
        {
            var error = Assert.Throws<DataCompassException>(() =>
                SourceDefinition.ResolveEnvironment("prod", Fields(), TestKeys.Environment(("PG_PASSWORD", "canary-set-pw"))));
            Assert.Same(DcError.EnvironmentVariableNotSet, error.Error);
            foreach (var (field, variable) in new[] { ("host", "PG_HOST"), ("username", "PG_SUFFIX"), ("exclude_schemas", "SKIP") })
            {
                Assert.Contains($"field '{field}' uses the environment variable '{variable}'", error.Message);
            }

            Assert.DoesNotContain("PG_DB", error.Message);
            TestKeys.AssertNoCanary(error, "canary-set-pw");
        }

        [Fact]
        public void A_value_holding_a_placeholder_opening_is_refused_without_showing_it()
        {
            var env = TestKeys.Environment(("PG_HOST", "h"), ("PG_SUFFIX", "s"), ("SKIP", "k"), ("PG_PASSWORD", "canary-${nested}-pw"));
            var error = Assert.Throws<DataCompassException>(() => SourceDefinition.ResolveEnvironment("prod", Fields(), env));
            Assert.Same(DcError.SourceInvalid, error.Error);
            Assert.Contains("field 'password'", error.Message);
            Assert.Contains("'PG_PASSWORD'", error.Message);
            TestKeys.AssertNoCanary(error, "canary-${nested}-pw", "canary-", "nested");
        }

        [Theory]
        [InlineData("${A}{B}", "A", "$")]
        [InlineData("${A:-${B}}", "B", "unused")]
        [InlineData("${A}secret:Vault/x}", "A", "${")]
        public void A_result_that_would_read_as_a_new_placeholder_is_refused(string value, string variable, string variableValue)
        {
            var fields = new OrderedMap { { "host", value } };
            var error = Assert.Throws<DataCompassException>(() =>
                SourceDefinition.ResolveEnvironment("prod", fields, TestKeys.Environment((variable, variableValue))));
            Assert.Same(DcError.SourceInvalid, error.Error);
            Assert.Contains("field 'host'", error.Message);
        }

        [Fact]
        public void A_brace_that_forms_no_placeholder_is_stored_as_text()
        {
            var fields = new OrderedMap { { "host", "${A}-${secret:Vault/x}" } };
            var resolved = SourceDefinition.ResolveEnvironment("prod", fields, TestKeys.Environment(("A", "x${y")));
            Assert.Equal("x${y-${secret:Vault/x}", resolved["host"]);
        }

        [Fact]
        public void Unset_variables_are_reported_before_unstorable_values()
        {
            var fields = new OrderedMap { { "a", "${A}" }, { "b", "${B}" } };
            var error = Assert.Throws<DataCompassException>(() =>
                SourceDefinition.ResolveEnvironment("prod", fields, TestKeys.Environment(("B", "canary-${x}"))));
            Assert.Same(DcError.EnvironmentVariableNotSet, error.Error);
            Assert.Contains("'A'", error.Message);
            Assert.Contains("'B'", error.Message);
            TestKeys.AssertNoCanary(error, "canary-");
        }

        [Fact]
        public void A_malformed_secret_reference_is_refused_naming_the_field()
        {
            var fields = new OrderedMap { { "password", "${secret:/x}" } };
            var error = Assert.Throws<DataCompassException>(() => SourceDefinition.ResolveEnvironment("prod", fields, TestKeys.Environment()));
            Assert.Same(DcError.ReferenceInvalid, error.Error);
            Assert.Contains("field 'password'", error.Message);
        }

        [Fact]
        public void A_malformed_secret_reference_in_a_list_is_refused_naming_source_and_field()
        {
            // Without -ResolveNow, SourceDefinition.Prepare names source and field for a list item too.
            var fields = new OrderedMap { { "exclude_schemas", new List<object?> { "pg_toast", "${secret:/x}" } } };
            var error = Assert.Throws<DataCompassException>(() => SourceDefinition.ResolveEnvironment("prod", fields, TestKeys.Environment()));
            Assert.Same(DcError.ReferenceInvalid, error.Error);
            Assert.Contains("source 'prod', field 'exclude_schemas'", error.Message, StringComparison.OrdinalIgnoreCase);
        }
    }
}

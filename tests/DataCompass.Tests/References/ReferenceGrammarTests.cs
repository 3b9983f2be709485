using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.References;

namespace DataCompass.Tests
{
    public class ReferenceGrammarTests
    {
        private static readonly Dictionary<string, string> Environment = new Dictionary<string, string>
        {
            ["HOST"] = "db.example.com",
            ["USER"] = "app",
            ["EMPTY"] = string.Empty,
            ["NESTED"] = "${HOST}",
            ["DOLLAR"] = "$HOST",
        };

        private static string? Lookup(string name) => Environment.TryGetValue(name, out var value) ? value : null;

        private static string Expand(string value, List<string>? missing = null) =>
            ReferenceGrammar.ExpandEnvironment(value, Lookup, missing ?? new List<string>());

        [Theory]
        [InlineData("${HOST}", "db.example.com")]
        [InlineData("postgresql://${USER}@${HOST}/db", "postgresql://app@db.example.com/db")]
        [InlineData("${HOST}${USER}", "db.example.comapp")]
        [InlineData("${MISSING:-fallback}", "fallback")]
        [InlineData("${MISSING:-}", "")]
        [InlineData("${MISSING:-a b:c/d}", "a b:c/d")]
        [InlineData("${HOST:-fallback}", "db.example.com")]
        [InlineData("no placeholders", "no placeholders")]
        [InlineData("", "")]
        public void Expands_environment_placeholders(string value, string expected) =>
            Assert.Equal(expected, Expand(value));

        [Fact]
        public void Set_but_empty_variable_wins_over_the_default() =>
            Assert.Equal("[]", Expand("[${EMPTY:-fallback}]"));

        [Fact]
        public void Replacements_are_not_rescanned() =>
            Assert.Equal("${HOST}", Expand("${NESTED}"));

        [Fact]
        public void Default_text_is_not_expanded_again() =>
            Assert.Equal("$HOST", Expand("${MISSING:-$HOST}"));

        [Theory]
        [InlineData("$HOST")]
        [InlineData("${HOST-default}")]
        [InlineData("${HOST:default}")]
        [InlineData("${1HOST}")]
        [InlineData("${}")]
        [InlineData("${ HOST}")]
        [InlineData("$ {HOST}")]
        [InlineData("${HOST")]
        [InlineData("{HOST}")]
        public void Forms_outside_the_grammar_stay_literal(string value) =>
            Assert.Equal(value, Expand(value));

        [Fact]
        public void A_default_ends_at_the_first_closing_brace()
        {
            // "${A:-${B}}": the default is "${B", the trailing "}" is literal, as in the Python tool.
            Assert.Equal("${B}", Expand("${MISSING:-${B}}"));
        }

        [Fact]
        public void Unset_variables_without_default_are_reported_and_kept()
        {
            var missing = new List<string>();
            var result = Expand("${MISSING_ONE}-${HOST}-${MISSING_TWO}", missing);
            Assert.Equal("${MISSING_ONE}-db.example.com-${MISSING_TWO}", result);
            Assert.Equal(new[] { "MISSING_ONE", "MISSING_TWO" }, missing);
        }

        [Fact]
        public void Secret_placeholders_are_left_for_the_vault() =>
            Assert.Equal("${secret:Store/pg} ${secret:x}", Expand("${secret:Store/pg} ${secret:x}"));

        [Fact]
        public void Secret_with_dash_is_the_environment_variable_named_secret()
        {
            // "${secret:-x}" was always "variable 'secret', default 'x'" for the Python tool.
            Assert.Equal("x", Expand("${secret:-x}"));
            var segments = ReferenceGrammar.Parse("${secret:-x}", "ctx");
            Assert.Equal(SegmentKind.Environment, Assert.Single(segments).Kind);
        }

        [Fact]
        public void Recurses_into_lists_and_maps_and_leaves_other_values()
        {
            var map = new OrderedMap { { "a", "${HOST}" }, { "n", 5L }, { "b", true }, { "z", null } };
            var value = new List<object?> { "${USER}", map, 3L };
            var missing = new List<string>();
            var expanded = (List<object?>)ReferenceGrammar.ExpandEnvironmentDeep(value, Lookup, missing)!;
            Assert.Equal("app", expanded[0]);
            var expandedMap = (OrderedMap)expanded[1]!;
            Assert.Equal("db.example.com", expandedMap["a"]);
            Assert.Equal(5L, expandedMap["n"]);
            Assert.Equal(true, expandedMap["b"]);
            Assert.Null(expandedMap["z"]);
            Assert.Equal(3L, expanded[2]);
            Assert.Empty(missing);
        }

        [Fact]
        public void Parses_segments_in_order()
        {
            var segments = ReferenceGrammar.Parse("pre ${A:-d} mid ${secret:V/n/x} post", "ctx");
            Assert.Equal(new[] { SegmentKind.Literal, SegmentKind.Environment, SegmentKind.Literal, SegmentKind.Secret, SegmentKind.Literal },
                segments.Select(segment => segment.Kind));
            Assert.Equal("A", segments[1].Variable);
            Assert.Equal("d", segments[1].DefaultValue);
            Assert.Equal("V", segments[3].Secret!.Vault);
            Assert.Equal("n/x", segments[3].Secret!.Name);
            Assert.Equal(" post", segments[4].Text);
        }

        [Fact]
        public void Parses_unqualified_secret_reference()
        {
            var secret = Assert.Single(ReferenceGrammar.Parse("${secret:pg-password}", "ctx")).Secret!;
            Assert.Null(secret.Vault);
            Assert.Equal("pg-password", secret.Name);
            Assert.False(secret.IsVaultQualified);
            Assert.Equal("${secret:pg-password}", secret.ToPlaceholder());
        }

        [Theory]
        [InlineData("${secret:}")]
        [InlineData("${secret:/name}")]
        [InlineData("${secret:Vault/}")]
        public void Malformed_secret_references_are_errors(string value)
        {
            var error = Assert.Throws<DataCompassException>(() => ReferenceGrammar.Parse(value, "source 'prod', field 'password'"));
            Assert.Same(DcError.ReferenceInvalid, error.Error);
            Assert.Contains("source 'prod', field 'password'", error.Message);
        }

        [Fact]
        public void Parses_secret_ref_uri()
        {
            var reference = SecretReference.ParseUri("vault://Corp/sources/prod", "ctx");
            Assert.Equal("Corp", reference.Vault);
            Assert.Equal("sources/prod", reference.Name);
            Assert.Equal("vault://Corp/sources/prod", reference.ToUri());
        }

        [Theory]
        [InlineData("Corp/prod")]
        [InlineData("vault://")]
        [InlineData("vault:///prod")]
        [InlineData("vault://Corp")]
        [InlineData("vault://Corp/")]
        [InlineData("https://Corp/prod")]
        public void Rejects_malformed_secret_ref_uri(string uri) =>
            Assert.Same(DcError.ReferenceInvalid, Assert.Throws<DataCompassException>(() => SecretReference.ParseUri(uri, "ctx")).Error);

        [Fact]
        public void Vault_names_compare_ignoring_case_secret_names_exactly()
        {
            Assert.Equal(new SecretReference("store", "pg"), new SecretReference("STORE", "pg"));
            Assert.NotEqual(new SecretReference("store", "pg"), new SecretReference("store", "PG"));
        }

        [Theory]
        [InlineData("${A}", false)]
        [InlineData("${A}${secret:V/x}", false)]
        [InlineData("x${A}", true)]
        [InlineData("${A:-default}", true)]
        [InlineData("${A:-}", false)]
        [InlineData("plain", true)]
        [InlineData("", false)]
        public void Detects_literal_text(string value, bool expected) =>
            Assert.Equal(expected, ReferenceGrammar.HasLiteralText(ReferenceGrammar.Parse(value, "ctx")));

        [Fact]
        public void Masks_literal_parts_and_defaults() =>
            Assert.Equal("********${A}${B:-********}${secret:V/x}",
                ReferenceGrammar.MaskLiterals(ReferenceGrammar.Parse("pre${A}${B:-hunter2}${secret:V/x}", "ctx"), "********"));

        [Theory]
        [InlineData("$DB_PASSWORD", "$NAME")]
        [InlineData("$_x1", "$NAME")]
        [InlineData("{DB_PASSWORD}", "{NAME}")]
        [InlineData("${DB_PASSWORD", "no closing '}'")]
        [InlineData("${secret:Store/pg", "no closing '}'")]
        [InlineData("pre-${A}-${B", "no closing '}'")]
        public void Describes_the_shape_of_a_broken_placeholder_without_its_text(string value, string shape)
        {
            var description = ReferenceGrammar.DescribeBrokenPlaceholder(value);
            Assert.NotNull(description);
            Assert.Contains(shape, description);
            Assert.DoesNotContain("DB_PASSWORD", description);
        }

        [Theory]
        [InlineData("${DB_PASSWORD}")]
        [InlineData("${A:-${B}")]
        [InlineData("$ecret pass")]
        [InlineData("$3cret")]
        [InlineData("p$DB_PASSWORD")]
        [InlineData("$DB_PASSWORD!")]
        [InlineData("{not a name}")]
        [InlineData("a{B}")]
        [InlineData("")]
        public void Leaves_real_looking_secrets_alone(string value) =>
            Assert.Null(ReferenceGrammar.DescribeBrokenPlaceholder(value));
    }
}

using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Sources;
using Xunit;

namespace DataCompass.Tests
{
    public sealed class YamlWriterTests
    {
        public static IEnumerable<object[]> OddStrings() => new[]
        {
            // Other types to some YAML reader: nulls, booleans (1.1 and 1.2), numbers, timestamps.
            "yes", "No", "ON", "off", "y", "N", "true", "False", "null", "Null", "NULL", "~", "",
            "010", "0x1F", "0o17", "1e3", "1_000", "12:30", ".inf", "-.Inf", ".NaN", "-.5", "+1", "2024-01-02",
            // Indicators at the start, and ': ' or ' #' inside.
            "@me", "*alias", "&anchor", "!tag", "%directive", "|literal", ">folded", "#comment", "-x", "- x", "? x",
            "a: b", "a #b", "a:b", "key:", "[a]", "{a: b}", "a, b", "'q'", "\"q\"", "`cmd`", "=", "<<", "---", "...",
            // Whitespace, control characters and Unicode.
            " lead", "trail ", "tab\there", "line\nbreak", "cr\rx", "\u0001ctl", "nul\0x", "\u007fdel", "\u0085nel",
            "\u2028ls", "\u2029ps", "\ufeffbom", "nbsp\u00a0x", "ü日本", "emoji \U0001F600", "back\\slash\\",
            // References.
            "${VAR}", "${secret:Vault/Name}", "${VAR:-a: b}", "postgresql://${U}@${H}/db", "$VAR",
        }.Select(text => new object[] { text });

        [Theory]
        [MemberData(nameof(OddStrings))]
        public void An_odd_string_reads_back_exactly_as_a_value_a_key_and_a_list_item(string text)
        {
            var map = new OrderedMap { { "value", text }, { "list", new List<object?> { text, "x" } } };
            if (text.Length > 0)
            {
                map.Add(text, "as key");
            }

            var read = SourceFileReader.ReadText(YamlWriter.Write(map), "test");

            Assert.Equal(text, read["value"]);
            Assert.Equal(new List<object?> { text, "x" }, read["list"]);
            if (text.Length > 0)
            {
                Assert.Equal("as key", read[text]);
            }
        }

        [Theory]
        [MemberData(nameof(OddStrings))]
        public void An_odd_string_is_double_quoted(string text)
        {
            Assert.StartsWith("\"", YamlWriter.Scalar(text));
        }

        [Theory]
        [InlineData("prefer")]
        [InlineData("db.example.com")]
        [InlineData("pg_catalog")]
        [InlineData("/sql/1.0/warehouses/abc")]
        [InlineData("verify-full")]
        public void A_string_no_reader_can_mistake_is_written_plain(string text)
        {
            Assert.Equal($"k: {text}\n", YamlWriter.Write(new OrderedMap { { "k", text } }));
        }

        [Fact]
        public void Numbers_booleans_null_and_collections_are_written_as_YAML_and_read_back_as_their_text()
        {
            var map = new OrderedMap
            {
                { "port", 5432L },
                { "negative", -3L },
                { "ratio", 0.25 },
                { "big", 1e20 },
                { "flag", true },
                { "off", false },
                { "nothing", null },
                { "empty_list", new List<object?>() },
                { "list", new List<object?> { "a", 1L, "yes", null, new List<object?> { "b", "c: d" }, new OrderedMap { { "k", "v" } } } },
                { "nested", new OrderedMap { { "inner", "010" }, { "deeper", new OrderedMap { { "x", 1L } } } } },
                { "empty_map", new OrderedMap() },
            };

            var yaml = YamlWriter.Write(map);
            var read = SourceFileReader.ReadText(yaml, "test");

            Assert.Contains("port: 5432\n", yaml);
            Assert.Contains("flag: true\n", yaml);
            Assert.Contains("empty_list: []\n", yaml);
            Assert.Equal(AsText(map), AsText(read));
            Assert.Null(read["nothing"]);
            Assert.Equal(new List<object?>(), read["empty_list"]);
        }

        [Fact]
        public void A_surrogate_without_its_pair_is_escaped_so_the_file_stays_UTF8_and_the_reader_refuses_it_with_a_Dc_error()
        {
            // No YAML text can hold such a character, so it cannot round-trip; it must not break the file either.
            var yaml = YamlWriter.Write(new OrderedMap { { "k", "a\ud800b" } });
            Assert.Contains("\\ud800", yaml);
            Assert.DoesNotContain('\ud800', yaml);
            var error = Assert.Throws<Core.Errors.DataCompassException>(() => SourceFileReader.ReadText(yaml, "t"));
            Assert.Same(Core.Errors.DcError.SourceFileInvalid, error.Error);
        }

        // The reader keeps scalars as text: a written map equals the read one once its scalars are text too.
        private static object? AsText(object? value) => value switch
        {
            null => null,
            string text => text,
            bool flag => flag ? "true" : "false",
            long number => number.ToString(CultureInfo.InvariantCulture),
            double real => ConnectionInfoJson.FormatDouble(real),
            OrderedMap map => string.Join("\n", map.Select(entry => $"{entry.Key}={Describe(AsText(entry.Value))}")),
            IEnumerable<object?> items => items.Select(AsText).ToList(),
            _ => value,
        };

        private static string Describe(object? value) => value switch
        {
            null => "<null>",
            List<object?> items => "[" + string.Join(",", items.Select(Describe)) + "]",
            _ => "{" + value + "}",
        };
    }
}

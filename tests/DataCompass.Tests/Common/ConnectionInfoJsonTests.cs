using System;
using System.Collections.Generic;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Tests
{
    // Every expected string below is verbatim output of CPython 3.11 json.dumps / json.loads with default arguments.
    public class ConnectionInfoJsonTests
    {
        private const string PostgresGolden =
            "{\"host\": \"db.example.com\", \"port\": 5432, \"database\": \"sales\", \"username\": \"app\", " +
            "\"password\": \"${DB_PASSWORD}\", \"ssl_mode\": \"prefer\", \"schema_filter\": null, " +
            "\"exclude_schemas\": [\"pg_catalog\", \"information_schema\", \"pg_toast\"], " +
            "\"connect_timeout\": 10, \"query_timeout\": 300}";

        private static OrderedMap Map(params (string Key, object? Value)[] entries)
        {
            var map = new OrderedMap();
            foreach (var (key, value) in entries)
            {
                map.Add(key, value);
            }

            return map;
        }

        private static List<object?> List(params object?[] items) => new List<object?>(items);

        // ---- Serialize ----------------------------------------------------------------------------------------

        [Fact]
        public void Serialize_PostgresSource_MatchesPython()
        {
            var info = Map(
                ("host", "db.example.com"),
                ("port", 5432L),
                ("database", "sales"),
                ("username", "app"),
                ("password", "${DB_PASSWORD}"),
                ("ssl_mode", "prefer"),
                ("schema_filter", null),
                ("exclude_schemas", List("pg_catalog", "information_schema", "pg_toast")),
                ("connect_timeout", 10),
                ("query_timeout", 300L));

            Assert.Equal(PostgresGolden, ConnectionInfoJson.Serialize(info));
        }

        [Fact]
        public void Serialize_EscapesLikePython()
        {
            var info = Map(("k", "caf\u00e9 \U0001F600 \"q\" \\ \n\t\u0001/"));

            Assert.Equal("{\"k\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\n\\t\\u0001/\"}", ConnectionInfoJson.Serialize(info));
        }

        [Fact]
        public void Serialize_ControlAndNonAsciiCharacters_MatchPython()
        {
            // DEL (0x7f) is escaped too: Python's ensure_ascii passes through only 0x20..0x7e.
            var info = Map(("c", "\b\f\r\u0000\u001f\u007f ~\u0080\u00ff\u0100\u20ac\uffff"));

            Assert.Equal(
                "{\"c\": \"\\b\\f\\r\\u0000\\u001f\\u007f ~\\u0080\\u00ff\\u0100\\u20ac\\uffff\"}",
                ConnectionInfoJson.Serialize(info));
        }

        [Fact]
        public void Serialize_LoneSurrogate_IsEscapedAsCodeUnit()
        {
            Assert.Equal("{\"s\": \"\\ud800x\"}", ConnectionInfoJson.Serialize(Map(("s", "\ud800x"))));
        }

        [Fact]
        public void Serialize_NestedAndEmptyContainers_MatchPython()
        {
            var info = Map(
                ("a", new OrderedMap()),
                ("b", List()),
                ("c", Map(("d", List(1L, List(2L, Map(("e", null))), true, false)))),
                ("\u00fcber key", "x"),
                ("", ""));

            Assert.Equal(
                "{\"a\": {}, \"b\": [], \"c\": {\"d\": [1, [2, {\"e\": null}], true, false]}, \"\\u00fcber key\": \"x\", \"\": \"\"}",
                ConnectionInfoJson.Serialize(info));
        }

        [Fact]
        public void Serialize_EmptyMap_IsEmptyObject()
        {
            Assert.Equal("{}", ConnectionInfoJson.Serialize(new OrderedMap()));
        }

        [Fact]
        public void Serialize_IntegerExtremes_MatchPython()
        {
            var info = Map(("min", long.MinValue), ("max", long.MaxValue), ("zero", 0), ("neg", -1));

            Assert.Equal(
                "{\"min\": -9223372036854775808, \"max\": 9223372036854775807, \"zero\": 0, \"neg\": -1}",
                ConnectionInfoJson.Serialize(info));
        }

        [Fact]
        public void Serialize_Floats_MatchPythonRepr()
        {
            var info = Map(("f", List(
                1.5, 1.0, 1e20, 1e16, 1e15, 0.0001, 0.00001, -0.0, 0.0, 0.1, 0.1 + 0.2, 123456789.125, 5e-324,
                1.7976931348623157e308, 2.5e-7, -3.75, 1e22, 12345678901234567.0, 100.0,
                double.NaN, double.PositiveInfinity, double.NegativeInfinity)));

            Assert.Equal(
                "{\"f\": [1.5, 1.0, 1e+20, 1e+16, 1000000000000000.0, 0.0001, 1e-05, -0.0, 0.0, 0.1, 0.30000000000000004, " +
                "123456789.125, 5e-324, 1.7976931348623157e+308, 2.5e-07, -3.75, 1e+22, 1.2345678901234568e+16, 100.0, " +
                "NaN, Infinity, -Infinity]}",
                ConnectionInfoJson.Serialize(info));
        }

        [Theory]
        [InlineData(0.001, "0.001")]
        [InlineData(1234.5678, "1234.5678")]
        [InlineData(1.0 / 3, "0.3333333333333333")]
        [InlineData(2.0 / 3, "0.6666666666666666")]
        [InlineData(0.00012345, "0.00012345")]
        [InlineData(9.999999999999999e-05, "9.999999999999999e-05")]
        [InlineData(1e300, "1e+300")]
        [InlineData(4.35, "4.35")]
        [InlineData(9007199254740992.0, "9007199254740992.0")]
        [InlineData(9223372036854775808.0, "9.223372036854776e+18")]
        [InlineData(9999999999999998.0, "9999999999999998.0")]
        [InlineData(1e17, "1e+17")]
        [InlineData(123e-20, "1.23e-18")]
        [InlineData(2.2250738585072014e-308, "2.2250738585072014e-308")]
        [InlineData(-1e-7, "-1e-07")]
        [InlineData(3.141592653589793, "3.141592653589793")]
        [InlineData(1e-320, "1e-320")]
        [InlineData(0.5, "0.5")]
        [InlineData(7.0e-10, "7e-10")]
        [InlineData(1.1e16, "1.1e+16")]
        public void FormatDouble_MatchesPythonRepr(double value, string expected)
        {
            Assert.Equal(expected, ConnectionInfoJson.FormatDouble(value));
        }

        [Fact]
        public void Serialize_AcceptsOtherIntegralTypesFloatAndEnumerables()
        {
            var info = Map(
                ("i", 7),
                ("s", (short)-3),
                ("b", (byte)255),
                ("u", ulong.MaxValue),
                ("f", 0.5f),
                ("arr", new[] { "x", "y" }),
                ("set", new SortedSet<long> { 3, 1 }));

            Assert.Equal(
                "{\"i\": 7, \"s\": -3, \"b\": 255, \"u\": 18446744073709551615, \"f\": 0.5, \"arr\": [\"x\", \"y\"], \"set\": [1, 3]}",
                ConnectionInfoJson.Serialize(info));
        }

        [Fact]
        public void Serialize_UnsupportedType_Throws()
        {
            Assert.Throws<ArgumentException>(() => ConnectionInfoJson.Serialize(Map(("d", 1.5m))));
            Assert.Throws<ArgumentException>(() => ConnectionInfoJson.Serialize(Map(("d", new Dictionary<string, object?>()))));
        }

        [Fact]
        public void Serialize_CircularList_ThrowsInsteadOfOverflowing()
        {
            var list = new List<object?>();
            list.Add(list);

            Assert.Throws<ArgumentException>(() => ConnectionInfoJson.Serialize(Map(("loop", list))));
        }

        // ---- Deserialize --------------------------------------------------------------------------------------

        [Fact]
        public void Deserialize_PostgresSource_ReadsTypesAndOrder()
        {
            OrderedMap info = ConnectionInfoJson.Deserialize(PostgresGolden, "pg");

            Assert.Equal(
                new[] { "host", "port", "database", "username", "password", "ssl_mode", "schema_filter", "exclude_schemas", "connect_timeout", "query_timeout" },
                info.Keys);
            Assert.Equal("db.example.com", info["host"]);
            Assert.Equal(5432L, Assert.IsType<long>(info["port"]));
            Assert.Equal("${DB_PASSWORD}", info["password"]);
            Assert.Null(info["schema_filter"]);
            var schemas = Assert.IsType<List<object?>>(info["exclude_schemas"]);
            Assert.Equal(new object?[] { "pg_catalog", "information_schema", "pg_toast" }, schemas);
        }

        [Theory]
        [InlineData(PostgresGolden)]
        [InlineData("{\"k\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\n\\t\\u0001/\"}")]
        [InlineData("{\"c\": \"\\b\\f\\r\\u0000\\u001f\\u007f ~\\u0080\\u00ff\\u0100\\u20ac\\uffff\"}")]
        [InlineData("{\"a\": {}, \"b\": [], \"c\": {\"d\": [1, [2, {\"e\": null}], true, false]}, \"\\u00fcber key\": \"x\", \"\": \"\"}")]
        [InlineData("{\"min\": -9223372036854775808, \"max\": 9223372036854775807, \"zero\": 0, \"neg\": -1}")]
        [InlineData("{\"f\": [1.5, 1.0, 1e+20, 1e+16, 1000000000000000.0, 0.0001, 1e-05, -0.0, 0.0, 0.1, 0.30000000000000004, " +
                    "123456789.125, 5e-324, 1.7976931348623157e+308, 2.5e-07, -3.75, 1e+22, 1.2345678901234568e+16, 100.0, " +
                    "NaN, Infinity, -Infinity]}")]
        [InlineData("{\"s\": \"\\ud800x\"}")]
        [InlineData("{}")]
        public void RoundTrip_PythonWrittenText_IsByteIdentical(string pythonText)
        {
            Assert.Equal(pythonText, ConnectionInfoJson.Serialize(ConnectionInfoJson.Deserialize(pythonText, "src")));
        }

        [Fact]
        public void ChannelConfig_NestedHeaderReplaced_KeepsEveryOtherKeyAndItsPlace()
        {
            // A notification channel's config, and the same dict after config["headers"]["Authorization"] = "${secret:Store/A}",
            // both as written by CPython's json.dumps.
            const string before =
                "{\"url\": \"https://example.com/hook\", \"method\": \"POST\", \"headers\": {\"Authorization\": \"Bearer canary-hook\", " +
                "\"Content-Type\": \"application/json\", \"X-Api-Key\": \"canary-key\", \"X-Trace\": \"caf\\u00e9 \\ud83d\\ude00\"}, " +
                "\"timeout\": 10, \"retry\": {\"count\": 3, \"backoff\": 1.5}, \"verify_ssl\": true, \"extra\": null}";
            const string after =
                "{\"url\": \"https://example.com/hook\", \"method\": \"POST\", \"headers\": {\"Authorization\": \"${secret:Store/A}\", " +
                "\"Content-Type\": \"application/json\", \"X-Api-Key\": \"canary-key\", \"X-Trace\": \"caf\\u00e9 \\ud83d\\ude00\"}, " +
                "\"timeout\": 10, \"retry\": {\"count\": 3, \"backoff\": 1.5}, \"verify_ssl\": true, \"extra\": null}";

            OrderedMap config = ConnectionInfoJson.Deserialize(before, "hook");
            var headers = Assert.IsType<OrderedMap>(config["headers"]);
            Assert.Equal(new[] { "Authorization", "Content-Type", "X-Api-Key", "X-Trace" }, headers.Keys);
            Assert.Equal("caf\u00e9 \U0001F600", headers["X-Trace"]);
            headers["Authorization"] = "${secret:Store/A}";

            Assert.Equal(after, ConnectionInfoJson.Serialize(config));
        }

        [Fact]
        public void Deserialize_ChannelConfig_ErrorNamesTheChannelWithoutContent()
        {
            var ex = Assert.Throws<DataCompassException>(() => ConnectionInfoJson.Deserialize(
                "{\"smtp_password\": \"hunter2\"", "alerts", "The stored config of notification channel 'alerts'", DcError.NotificationChannelInvalid));

            Assert.Same(DcError.NotificationChannelInvalid, ex.Error);
            Assert.Equal("alerts", ex.Target);
            Assert.StartsWith("The stored config of notification channel 'alerts' is not a JSON object: it is not valid JSON", ex.Message);
            Assert.DoesNotContain("hunter2", ex.Message);
        }

        [Fact]
        public void Deserialize_CompactJsonFromOtherTools_IsNormalisedToPythonLayout()
        {
            OrderedMap info = ConnectionInfoJson.Deserialize("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"x\"}}", "src");

            Assert.Equal(1L, info["a"]);
            Assert.Equal("{\"a\": 1, \"b\": [true, false, null], \"c\": {\"d\": \"x\"}}", ConnectionInfoJson.Serialize(info));
        }

        [Fact]
        public void Deserialize_WhitespaceAroundAndInside_IsAccepted()
        {
            OrderedMap info = ConnectionInfoJson.Deserialize(" \r\n\t{ \"a\" :\n[ 1 ,2 ] }\n ", "src");

            Assert.Equal(new object?[] { 1L, 2L }, Assert.IsType<List<object?>>(info["a"]));
        }

        [Fact]
        public void Deserialize_EscapedAndRawNonAscii_ReadBack()
        {
            OrderedMap info = ConnectionInfoJson.Deserialize(
                "{\"esc\": \"caf\\u00e9 \\ud83d\\ude00 \\/\", \"raw\": \"caf\u00e9 \U0001F600\", \"\\u00fc\": 1}",
                "src");

            Assert.Equal("caf\u00e9 \U0001F600 /", info["esc"]);
            Assert.Equal("caf\u00e9 \U0001F600", info["raw"]);
            Assert.Equal(1L, info["\u00fc"]);
        }

        [Fact]
        public void Deserialize_LoneSurrogateEscape_IsKeptLikePython()
        {
            OrderedMap info = ConnectionInfoJson.Deserialize("{\"s\": \"\\ud800x\", \"t\": \"\\udc00\"}", "src");

            Assert.Equal("\ud800x", info["s"]);
            Assert.Equal("\udc00", info["t"]);
        }

        [Fact]
        public void Deserialize_Numbers_MapToLongOrDouble()
        {
            OrderedMap info = ConnectionInfoJson.Deserialize(
                "{\"i\": 42, \"negzero\": -0, \"f\": 1.0, \"e\": 1e2, \"E\": 2E-3, \"big\": 99999999999999999999, \"huge\": 1e400}",
                "src");

            Assert.Equal(42L, Assert.IsType<long>(info["i"]));
            Assert.Equal(0L, Assert.IsType<long>(info["negzero"]));
            Assert.Equal(1.0, Assert.IsType<double>(info["f"]));
            Assert.Equal(100.0, Assert.IsType<double>(info["e"]));
            Assert.Equal(0.002, Assert.IsType<double>(info["E"]));
            Assert.Equal(1e20, Assert.IsType<double>(info["big"]));
            Assert.Equal(double.PositiveInfinity, Assert.IsType<double>(info["huge"]));
        }

        [Fact]
        public void Deserialize_NonFiniteTokens_ReadAsDoubles()
        {
            OrderedMap info = ConnectionInfoJson.Deserialize(
                "{\"n\": NaN, \"l\": [Infinity,-Infinity, NaN], \"m\": {\"x\":-Infinity}, \"s\": \"NaN Infinity\"}",
                "src");

            Assert.True(double.IsNaN(Assert.IsType<double>(info["n"])));
            var list = Assert.IsType<List<object?>>(info["l"]);
            Assert.Equal(double.PositiveInfinity, list[0]);
            Assert.Equal(double.NegativeInfinity, list[1]);
            Assert.True(double.IsNaN(Assert.IsType<double>(list[2])));
            Assert.Equal(double.NegativeInfinity, Assert.IsType<OrderedMap>(info["m"])["x"]);
            Assert.Equal("NaN Infinity", info["s"]);
        }

        [Fact]
        public void Deserialize_NestedMapsAndLists()
        {
            OrderedMap info = ConnectionInfoJson.Deserialize("{\"a\": {\"b\": [1, {\"c\": [[], {}]}]}}", "src");

            var a = Assert.IsType<OrderedMap>(info["a"]);
            var b = Assert.IsType<List<object?>>(a["b"]);
            Assert.Equal(1L, b[0]);
            var c = Assert.IsType<List<object?>>(Assert.IsType<OrderedMap>(b[1])["c"]);
            Assert.Empty(Assert.IsType<List<object?>>(c[0]));
            Assert.Equal(0, Assert.IsType<OrderedMap>(c[1]).Count);
        }

        [Fact]
        public void Deserialize_DuplicateKeys_LastValueWinsAtFirstPosition()
        {
            OrderedMap info = ConnectionInfoJson.Deserialize("{\"a\": 1, \"b\": 2, \"a\": 3}", "src");

            Assert.Equal(new[] { "a", "b" }, info.Keys);
            Assert.Equal(3L, info["a"]);
            Assert.Equal("{\"a\": 3, \"b\": 2}", ConnectionInfoJson.Serialize(info));
        }

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("{\"password\": \"hunter2\"")]
        [InlineData("{\"password\": \"hunter2\",}")]
        [InlineData("{\"password\": 'hunter2'}")]
        [InlineData("{\"password\": \"hunter2\"} {\"x\": 1}")]
        [InlineData("{\"password\": \"hunter2\"} trailing")]
        [InlineData("{\"password\": \"hunter2\" /* c */}")]
        [InlineData("{\"password\": hunter2}")]
        [InlineData("{\"password\": \"hunter2\\x\"}")]
        [InlineData("{\"password\": \"hun\tter2\"}")]
        [InlineData("{\"password\": 1NaN}")]
        [InlineData("{\"password\": NaNhunter2}")]
        [InlineData("{\"password\": -NaN}")]
        [InlineData("{\"password\": nan}")]
        [InlineData("{NaN: \"hunter2\"}")]
        [InlineData("[\"hunter2\"]")]
        [InlineData("\"hunter2\"")]
        [InlineData("12345")]
        [InlineData("NaN")]
        [InlineData("true")]
        [InlineData("null")]
        public void Deserialize_InvalidOrNonObject_ThrowsWithoutContent(string json)
        {
            var ex = Assert.Throws<DataCompassException>(() => ConnectionInfoJson.Deserialize(json, "warehouse"));

            Assert.Same(DcError.ConnectionInfoInvalid, ex.Error);
            Assert.Equal("DcConnectionInfoInvalid", ex.Error.Id);
            Assert.Equal("warehouse", ex.Target);
            Assert.Null(ex.InnerException);
            Assert.StartsWith("The stored connection_info of source 'warehouse' is not a JSON object", ex.Message);
            Assert.DoesNotContain("hunter2", ex.Message);
            Assert.DoesNotContain("12345", ex.Message);
            Assert.DoesNotContain("password", ex.Message);
        }

        [Fact]
        public void Deserialize_Null_ThrowsConnectionInfoInvalid()
        {
            var ex = Assert.Throws<DataCompassException>(() => ConnectionInfoJson.Deserialize(null!, "warehouse"));

            Assert.Same(DcError.ConnectionInfoInvalid, ex.Error);
            Assert.Null(ex.InnerException);
        }

        [Fact]
        public void Deserialize_TooDeep_ThrowsConnectionInfoInvalid()
        {
            string json = "{\"a\": " + new string('[', 200) + new string(']', 200) + "}";

            var ex = Assert.Throws<DataCompassException>(() => ConnectionInfoJson.Deserialize(json, "deep"));

            Assert.Same(DcError.ConnectionInfoInvalid, ex.Error);
        }
    }
}

using System.Collections;
using System.Collections.Generic;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Tests
{
    public class InputGraphTests
    {
        private static OrderedMap Copy(IDictionary root) => InputGraph.ToOrderedMap(root, "Source 'prod': the -Connection value", "prod");

        private static DataCompassException Refused(IDictionary root, DcError error)
        {
            var exception = Assert.Throws<DataCompassException>(() => Copy(root));
            Assert.Same(error, exception.Error);
            Assert.StartsWith("Source 'prod': the -Connection value ", exception.Message);
            Assert.Equal("prod", exception.Target);
            return exception;
        }

        [Fact]
        public void Copies_nested_dictionaries_and_lists_in_order()
        {
            var root = new Hashtable { ["host"] = "h", ["port"] = 5432, ["exclude_schemas"] = new ArrayList { "a", new[] { "b" } }, ["nested"] = new Dictionary<string, object> { ["k"] = "v" } };
            var copy = Copy(root);
            Assert.Equal("h", copy["host"]);
            Assert.Equal(5432, copy["port"]);
            var list = Assert.IsType<List<object?>>(copy["exclude_schemas"]);
            Assert.Equal("a", list[0]);
            Assert.Equal(new object?[] { "b" }, Assert.IsType<List<object?>>(list[1]));
            Assert.Equal("v", Assert.IsType<OrderedMap>(copy["nested"])["k"]);
        }

        [Fact]
        public void Shared_values_are_no_cycle()
        {
            var shared = new ArrayList { "x" };
            var copy = Copy(new Hashtable { ["a"] = shared, ["b"] = shared });
            Assert.Equal(new object?[] { "x" }, Assert.IsType<List<object?>>(copy["b"]));
        }

        [Fact]
        public void Applies_the_unwrap_function_to_keys_and_values() =>
            Assert.Equal("TEXT", InputGraph.ToOrderedMap(new Hashtable { ["k"] = new ArrayList { 1 } }, "ctx", "t", value => value is int ? "TEXT" : value)["k"] is List<object?> list ? list[0] : null);

        [Fact]
        public void A_hashtable_that_contains_itself_is_refused()
        {
            var root = new Hashtable { ["host"] = "h" };
            root["schema_filter"] = root;
            Assert.Contains("contains itself", Refused(root, DcError.ConnectionTooDeep).Message);
        }

        [Fact]
        public void A_list_that_contains_itself_is_refused()
        {
            var list = new ArrayList();
            list.Add(list);
            Refused(new Hashtable { ["exclude_schemas"] = list }, DcError.ConnectionTooDeep);
        }

        [Fact]
        public void Nesting_is_limited_to_the_yaml_depth()
        {
            Hashtable Nest(int levels)
            {
                var root = new Hashtable();
                var current = root;
                for (var i = 1; i < levels; i++)
                {
                    var next = new Hashtable();
                    current["a"] = next;
                    current = next;
                }

                return root;
            }

            Copy(Nest(InputLimits.MaxDepth));
            Assert.Contains("deeper than the limit of 20 levels", Refused(Nest(InputLimits.MaxDepth + 1), DcError.ConnectionTooDeep).Message);
            Refused(Nest(100_000), DcError.ConnectionTooDeep);
        }

        [Fact]
        public void Counts_nodes_without_copying_a_huge_list_first()
        {
            var pulled = 0;
            IEnumerable Endless()
            {
                while (true)
                {
                    pulled++;
                    yield return "x";
                }
            }

            Assert.Contains("limit of 10000", Refused(new Hashtable { ["exclude_schemas"] = Endless() }, DcError.ConnectionTooLarge).Message);
            Assert.True(pulled <= InputLimits.MaxNodes);
            Refused(new Hashtable { ["exclude_schemas"] = Enumerable.Repeat<object>("x", 10_001).ToArray() }, DcError.ConnectionTooLarge);
        }

        [Fact]
        public void Limits_the_text_to_one_mebibyte()
        {
            Copy(new Hashtable { ["a"] = new string('x', 512 * 1024), ["b"] = new string('y', 512 * 1024 - 2) });
            Assert.Contains("1048576 bytes (1 MiB) of text", Refused(new Hashtable { ["a"] = new string('x', 2 * 1024 * 1024) }, DcError.ConnectionTooLarge).Message);
            Refused(new Hashtable { ["a"] = new string('x', 512 * 1024), ["b"] = new string('é', 256 * 1024 + 1) }, DcError.ConnectionTooLarge);
        }

        [Fact]
        public void Two_keys_with_the_same_text_are_refused() =>
            Refused(new Hashtable { [1] = "a", ["1"] = "b" }, DcError.SourceInvalid);
    }
}

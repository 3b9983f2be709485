using DataCompass.Core.Storage;

namespace DataCompass.Tests
{
    public class SourceIndexTests
    {
        private static StoredSource Source(long id, string name) => new StoredSource { Id = id, Name = name, SourceType = "postgresql" };

        [Fact]
        public void Finds_the_exact_name_first_then_the_one_caseless_match()
        {
            var index = new SourceIndex(new[] { Source(1, "Prod"), Source(2, "hr") });
            Assert.Equal(1, index.Find("Prod")!.Id);
            Assert.Equal(1, index.Find("prod")!.Id);
            Assert.Equal(2, index.Find("HR")!.Id);
            Assert.Null(index.Find("dev"));
        }

        [Fact]
        public void Names_that_differ_only_in_case_are_found_only_exactly()
        {
            var index = new SourceIndex(new[] { Source(1, "Prod"), Source(2, "prod") });
            Assert.Equal(1, index.Find("Prod")!.Id);
            Assert.Equal(2, index.Find("prod")!.Id);
            Assert.Null(index.Find("PROD"));
        }

        [Fact]
        public void Agrees_with_SourceNameMatch()
        {
            var sources = new[] { Source(1, "a"), Source(2, "B"), Source(3, "b"), Source(4, "cc") };
            var index = new SourceIndex(sources);
            foreach (var name in new[] { "a", "A", "b", "B", "c", "CC", "cc", "x" })
            {
                Assert.Equal(SourceNameMatch.Find(sources, name)?.Id, index.Find(name)?.Id);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using DataCompass.Core.Common;
using DataCompass.Core.Storage;
using Microsoft.Data.Sqlite;

namespace DataCompass.Tests
{
    /// <summary>Name lookups through ix_dc_data_sources_name_nocase, the schema upgrade that adds it, filtered streams and the GLOB prefilter.</summary>
    public sealed class SourceCatalogLookupTests : IDisposable
    {
        private const string PythonTable =
            "CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, last_scan_at DATETIME, last_scan_status VARCHAR(50), last_scan_message TEXT, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id));" +
            "CREATE UNIQUE INDEX ix_data_sources_name ON data_sources (name);";

        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-lookup-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static NewSource Source(string name, string type = "postgresql") =>
            new NewSource(name, type, null, new OrderedMap { { "host", "db" }, { "password", "${DB_PASSWORD}" } });

        private List<object?[]> Rows(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var rows = new List<object?[]>();
            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                reader.GetValues(row!);
                rows.Add(row);
            }

            return rows;
        }

        private void Sql(string sql) => Rows(sql);

        private void PythonCatalog(params string[] names)
        {
            Directory.CreateDirectory(_folder);
            var id = 0;
            Sql(PythonTable + string.Concat(names.Select(name =>
                $"INSERT INTO data_sources VALUES ({++id}, '{name}', NULL, 'postgresql', '{{\"host\": \"db\"}}', 'null', 1, NULL, NULL, NULL, '2024-01-02 03:04:05', '2024-01-02 03:04:05');")));
        }

        [Fact]
        public void A_caseless_lookup_uses_the_nocase_index()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("prod"));
            }

            var plan = string.Join(" | ", Rows("EXPLAIN QUERY PLAN SELECT * FROM data_sources WHERE name = 'PROD' COLLATE NOCASE ORDER BY name;").Select(row => row[^1]));
            Assert.Contains("ix_dc_data_sources_name_nocase", plan);
            Assert.DoesNotContain("SCAN", plan.Replace("SCAN TABLE data_sources USING INDEX", string.Empty));
        }

        [Fact]
        public void A_python_catalog_gains_the_index_and_version_on_first_write()
        {
            PythonCatalog("legacy");
            using (SourceCatalog.OpenForWrite(DatabasePath))
            {
            }

            Assert.Single(Rows("SELECT 1 FROM sqlite_master WHERE name = 'ix_dc_data_sources_name_nocase';"));
            Assert.Equal("3", Rows("SELECT value FROM dc_schema_info WHERE key = 'schema_version';").Single()[0]);
            Assert.Equal("CREATE INDEX ix_dc_data_sources_name_nocase ON data_sources (name COLLATE NOCASE)",
                Rows("SELECT sql FROM sqlite_master WHERE name = 'ix_dc_data_sources_name_nocase';").Single()[0]);
        }

        [Fact]
        public void A_version_1_catalog_is_upgraded_and_keeps_its_rows()
        {
            PythonCatalog("legacy", "other");
            Sql("CREATE TABLE dc_schema_info (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);" +
                "INSERT INTO dc_schema_info VALUES ('schema_version', '1');" +
                "CREATE TABLE dc_source_secrets (source_id INTEGER NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE, field VARCHAR(255) NOT NULL, vault VARCHAR(255) NOT NULL, secret_name VARCHAR(255) NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY (source_id, field));" +
                "CREATE INDEX ix_dc_source_secrets_secret ON dc_source_secrets (vault, secret_name);");

            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                Assert.Equal("legacy", catalog.FindSource("LEGACY")!.Name);
            }

            Assert.Equal("3", Rows("SELECT value FROM dc_schema_info WHERE key = 'schema_version';").Single()[0]);
            Assert.Equal("text", Rows("SELECT typeof(value) FROM dc_schema_info WHERE key = 'schema_version';").Single()[0]);
            Assert.Single(Rows("SELECT 1 FROM sqlite_master WHERE name = 'ix_dc_data_sources_name_nocase';"));
            Assert.Equal(2, Rows("SELECT * FROM data_sources;").Count);
        }

        [Fact]
        public void Reopening_a_current_catalog_for_write_writes_nothing()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("prod"));
            }

            var before = Rows("PRAGMA data_version;").Single()[0];
            using var watcher = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
            watcher.Open();
            long Version()
            {
                using var command = watcher.CreateCommand();
                command.CommandText = "PRAGMA data_version;";
                return (long)command.ExecuteScalar()!;
            }

            var seen = Version();
            using (SourceCatalog.OpenForWrite(DatabasePath))
            {
            }

            // data_version changes for a connection when another one commits a change to the file.
            Assert.Equal(seen, Version());
        }

        [Fact]
        public void Names_that_differ_only_in_case_are_found_by_their_exact_name_only()
        {
            PythonCatalog("Prod", "prod", "stage");
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Equal("Prod", catalog.FindSource("Prod")!.Name);
            Assert.Equal("prod", catalog.FindSource("prod")!.Name);
            Assert.Null(catalog.FindSource("PROD"));
            Assert.Equal("stage", catalog.FindSource("STAGE")!.Name);
        }

        [Fact]
        public void A_name_beyond_ascii_is_matched_ignoring_case_as_source_index_does()
        {
            PythonCatalog("caf\u00e9");
            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Equal("caf\u00e9", new SourceIndex(catalog.ListSources()).Find("CAF\u00c9")!.Name);
            Assert.Equal("caf\u00e9", catalog.FindSource("CAF\u00c9")!.Name);
        }

        [Fact]
        public void A_type_filter_narrows_the_caseless_match_before_it_is_judged()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("Prod", "postgresql"));
            }

            // The Python tool's unique index is BINARY: it lets a second name that differs only in case in.
            Sql("INSERT INTO data_sources (name, source_type, connection_info, sync_config, is_active, created_at, updated_at) VALUES ('prod', 'mysql', '{}', 'null', 1, '2024-01-02', '2024-01-02');");
            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Null(reader.FindSource("PROD"));
            Assert.Equal("mysql", reader.FindSource("PROD", type => type == "mysql")!.SourceType);
            Assert.Equal("prod", reader.FindSource("Prod", type => type == "mysql")!.Name);
        }

        [Fact]
        public void A_filtered_stream_never_parses_the_rows_it_drops()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("good"));
                catalog.AddSource(Source("bad"));
                catalog.AddSource(Source("other", "mysql"));
            }

            Sql("UPDATE data_sources SET connection_info = 'not json at all' WHERE name = 'bad';");
            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            var kept = reader.EnumerateSources(new SourceFilter { Name = name => name != "bad" }).ToList();
            Assert.Equal(new[] { "good", "other" }, kept.Select(source => source.Name));
            Assert.All(kept, source => Assert.Null(source.ConnectionInfoProblem));
            Assert.Equal(new[] { "other" }, reader.EnumerateSources(new SourceFilter { Type = type => type == "mysql" }).Select(source => source.Name));
            Assert.Equal(new[] { "bad", "good", "other" }, reader.EnumerateSources().Select(source => source.Name));
        }

        [Theory]
        [InlineData("src-001*", "[sS][rR][cC]-001*")]
        [InlineData("*prod?", "*[pP][rR][oO][dD]?")]
        [InlineData("a`*b", "[aA][*][bB]")]
        [InlineData("a`?b`[c`]", "[aA][?][bB][[][cC]]")]
        [InlineData("``x*", "`[xX]*")]
        [InlineData("1.2_3 %", "1.2_3 %")]
        public void Patterns_of_printable_ascii_become_a_glob(string pattern, string glob) =>
            Assert.Equal(glob, SourceNameGlob.TryTranslate(pattern, CultureInfo.InvariantCulture));

        [Theory]
        [InlineData("[ab]*")]
        [InlineData("a]*")]
        [InlineData("caf\u00e9*")]
        [InlineData("tab\t*")]
        [InlineData("end*`")]
        public void Patterns_it_cannot_be_sure_of_give_no_glob(string pattern) =>
            Assert.Null(SourceNameGlob.TryTranslate(pattern, CultureInfo.InvariantCulture));

        [Fact]
        public void A_culture_with_contractions_gives_no_glob()
        {
            Assert.Null(SourceNameGlob.TryTranslate("c*", CultureInfo.GetCultureInfo("hu-HU")));
            Assert.NotNull(SourceNameGlob.TryTranslate("c*", CultureInfo.GetCultureInfo("en-GB")));
        }

        /// <summary>
        /// The GLOB lets through every name a case-blind reading of the pattern accepts (ASCII names), and the
        /// catalog lets every name beyond printable ASCII through to the exact test.
        /// </summary>
        [Fact]
        public void The_glob_prefilter_keeps_every_candidate_of_a_corpus()
        {
            var names = new[]
            {
                "src-001", "SRC-0010", "Src-00199", "src-002", "prod", "PROD-eu", "pro", "a*b", "A*B", "a?b", "aXb", "a[c]", "A[C]",
                "x`y", "1.2_3 %", "1.2_3 %z", "caf\u00e9", "CAF\u00c9-1", "\u212Aelvin", "kelvin", "tab\tname", "s", "S",
            };
            var patterns = new[] { "src-001*", "*prod*", "pro?", "a`*b", "a`?b", "a`[c`]", "x``y", "1.2_3 %*", "caf*", "k*", "*", "?", "s" };
            PythonCatalog();
            var id = 0;
            Sql(string.Concat(names.Select(name =>
                $"INSERT INTO data_sources VALUES ({++id}, '{name.Replace("'", "''")}', NULL, 'postgresql', '{{}}', 'null', 1, NULL, NULL, NULL, '2024-01-02', '2024-01-02');")));

            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            foreach (var pattern in patterns)
            {
                var glob = SourceNameGlob.TryTranslate(pattern, CultureInfo.InvariantCulture);
                Assert.NotNull(glob);
                var reference = CaseBlindRegex(pattern);
                var expected = names.Where(name => reference.IsMatch(name)).OrderBy(name => name, StringComparer.Ordinal).ToList();
                var candidates = catalog.EnumerateSources(new SourceFilter { NameGlob = glob }).Select(source => source.Name).ToList();
                Assert.All(expected, name => Assert.Contains(name, candidates));
                Assert.All(names.Where(name => name.Any(c => c < ' ' || c > '~')), name => Assert.Contains(name, candidates));

                // Among names of printable ASCII the GLOB is exact, not merely a superset.
                var plain = candidates.Where(name => name.All(c => c >= ' ' && c <= '~')).ToList();
                Assert.Equal(expected.Where(name => name.All(c => c >= ' ' && c <= '~')), plain);

                var exact = catalog.EnumerateSources(new SourceFilter { NameGlob = glob, Name = reference.IsMatch }).Select(source => source.Name);
                Assert.Equal(expected, exact);
            }
        }

        /// <summary>PowerShell's wildcard syntax without brackets, matched with ASCII case folding: the reference for the corpus.</summary>
        private static System.Text.RegularExpressions.Regex CaseBlindRegex(string pattern)
        {
            var regex = new System.Text.StringBuilder("^");
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                regex.Append(c switch
                {
                    '*' => ".*",
                    '?' => ".",
                    '`' => System.Text.RegularExpressions.Regex.Escape(pattern[++i].ToString()),
                    _ => System.Text.RegularExpressions.Regex.Escape(c.ToString()),
                });
            }

            return new System.Text.RegularExpressions.Regex(regex.Append('$').ToString(),
                System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.Singleline);
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Operations.Connect;
using DataCompass.Core.Storage;
using Microsoft.Data.Sqlite;

namespace DataCompass.Tests
{
    public sealed class SourceCatalogTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "dc-catalog-" + Guid.NewGuid().ToString("n"));

        private string DatabasePath => Path.Combine(_folder, "data", "datacompass.db");

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static NewSource Source(string name, string password = "${DB_PASSWORD}") =>
            TestSources.Plan(name, "postgresql", null, new OrderedMap
            {
                { "host", "db" }, { "database", "sales" }, { "username", "app" }, { "password", password },
            }, allowPlaintext: false).Source;

        private void Sql(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        private object? Scalar(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Mode=ReadOnly");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return command.ExecuteScalar();
        }

        [Fact]
        public void Read_of_a_missing_database_creates_nothing()
        {
            Assert.Null(SourceCatalog.OpenForRead(DatabasePath));
            Assert.False(Directory.Exists(Path.GetDirectoryName(DatabasePath)));
        }

        [Fact]
        public void Write_creates_the_schema_in_wal_mode()
        {
            using (SourceCatalog.OpenForWrite(DatabasePath))
            {
            }

            Assert.Equal("wal", Scalar("PRAGMA journal_mode;"));
            Assert.Equal("3", Scalar("SELECT value FROM dc_schema_info WHERE key = 'schema_version';"));
            Assert.Equal(1L, Scalar("SELECT count(*) FROM sqlite_master WHERE name = 'ix_data_sources_name';"));
            Assert.StartsWith("CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL", (string)Scalar("SELECT sql FROM sqlite_master WHERE name = 'data_sources';")!);
        }

        [Fact]
        public void Creates_file_0600_and_folder_0700_on_unix()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return;
            }

            using (SourceCatalog.OpenForWrite(DatabasePath))
            {
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DatabasePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(DatabasePath)!));
        }

        [Fact]
        public void Adds_finds_lists_and_removes()
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            var added = catalog.AddSource(Source("prod"));
            catalog.AddSource(Source("dev"));
            Assert.Equal("prod", added.Name);
            Assert.True(added.IsActive);
            Assert.Equal("${DB_PASSWORD}", added.ConnectionInfo["password"]);
            Assert.Equal(new[] { "dev", "prod" }, catalog.ListSources().Select(s => s.Name));
            Assert.Equal(added.Id, catalog.FindSource("PROD")!.Id);
            Assert.True(catalog.RemoveSource(added.Id));
            Assert.False(catalog.RemoveSource(added.Id));
            Assert.Null(catalog.FindSource("prod"));
        }

        [Fact]
        public void Stores_connection_info_as_the_python_tool_does()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("prod"));
            }

            Assert.Equal(
                "{\"host\": \"db\", \"port\": 5432, \"database\": \"sales\", \"username\": \"app\", \"password\": \"${DB_PASSWORD}\", \"ssl_mode\": \"prefer\", \"schema_filter\": null, \"exclude_schemas\": [\"pg_catalog\", \"information_schema\", \"pg_toast\"], \"connect_timeout\": 10, \"query_timeout\": 300}",
                Scalar("SELECT connection_info FROM data_sources WHERE name = 'prod';"));
            Assert.Equal("null", Scalar("SELECT sync_config FROM data_sources;"));
            Assert.Equal(1L, Scalar("SELECT is_active FROM data_sources;"));
            Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$", (string)Scalar("SELECT created_at FROM data_sources;")!);
        }

        [Fact]
        public void Duplicate_names_ignoring_case_are_refused()
        {
            using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
            catalog.AddSource(Source("prod"));
            var error = Assert.Throws<DataCompassException>(() => catalog.AddSource(Source("Prod")));
            Assert.Same(DcError.SourceExists, error.Error);
            Assert.Single(catalog.ListSources());
        }

        [Fact]
        public void Reads_a_database_written_by_the_python_tool()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            Sql("CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, last_scan_at DATETIME, last_scan_status VARCHAR(50), last_scan_message TEXT, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id));" +
                "CREATE UNIQUE INDEX ix_data_sources_name ON data_sources (name);" +
                "INSERT INTO data_sources VALUES (7, 'legacy', 'Caf\u00e9', 'postgresql', '{\"host\": \"caf\\u00e9.example\", \"port\": 5432, \"password\": \"**********\"}', 'null', 1, '2024-01-02 03:04:05', 'ok', NULL, '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05');");

            using var catalog = SourceCatalog.OpenForRead(DatabasePath)!;
            var legacy = Assert.Single(catalog.ListSources());
            Assert.Equal(7, legacy.Id);
            Assert.Equal("Caf\u00e9", legacy.DisplayName);
            Assert.Equal("caf\u00e9.example", legacy.ConnectionInfo["host"]);
            Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, 123, DateTimeKind.Utc).AddTicks(4560), legacy.CreatedAt);
            Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), legacy.LastScanAt);
            Assert.Equal("ok", legacy.LastScanStatus);
            Assert.Equal("null", legacy.SyncConfig);
        }

        [Fact]
        public void A_damaged_row_does_not_hide_the_others()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("good"));
                catalog.AddSource(Source("bad"));
            }

            Sql("UPDATE data_sources SET connection_info = 'not json at all' WHERE name = 'bad';");
            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            var sources = reader.ListSources().ToDictionary(source => source.Name);
            Assert.Null(sources["good"].ConnectionInfoProblem);
            Assert.Same(DcError.ConnectionInfoInvalid, sources["bad"].ConnectionInfoProblem!.Error);
            Assert.Equal(0, sources["bad"].ConnectionInfo.Count);
            Assert.Same(DcError.ConnectionInfoInvalid, Assert.Throws<DataCompassException>(() =>
                DataCompass.Core.Operations.Connect.ConnectionResolver.Resolve(sources["bad"], _ => null, null)).Error);
        }

        [Fact]
        public void Newer_schema_refuses_writes_but_reads()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("prod"));
            }

            Sql("UPDATE dc_schema_info SET value = '99' WHERE key = 'schema_version';");
            var error = Assert.Throws<DataCompassException>(() => SourceCatalog.OpenForWrite(DatabasePath));
            Assert.Same(DcError.DatabaseVersionUnsupported, error.Error);
            Assert.Contains("99", error.Message);
            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Single(reader.ListSources());
        }

        [Fact]
        public void Another_applications_data_sources_table_is_refused_before_anything_changes()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            Sql("CREATE TABLE data_sources (uuid TEXT PRIMARY KEY, label TEXT NOT NULL);");
            var before = File.ReadAllBytes(DatabasePath);

            var error = Assert.Throws<DataCompassException>(() => SourceCatalog.OpenForWrite(DatabasePath));
            Assert.Same(DcError.DatabaseInvalid, error.Error);
            Assert.Contains("connection_info", error.Message);
            Assert.Equal(before, File.ReadAllBytes(DatabasePath));
            Assert.Equal("delete", Scalar("PRAGMA journal_mode;"));
        }

        [Fact]
        public void A_data_sources_table_whose_id_is_not_an_integer_key_is_refused()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            Sql("CREATE TABLE data_sources (id TEXT, name TEXT, display_name TEXT, source_type TEXT, connection_info TEXT, sync_config TEXT, " +
                "is_active INTEGER, created_at TEXT, updated_at TEXT);");
            Assert.Contains("INTEGER primary key", Assert.Throws<DataCompassException>(() => SourceCatalog.OpenForWrite(DatabasePath)).Message);
        }

        [Fact]
        public void A_file_that_is_not_a_database_is_reported()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            File.WriteAllText(DatabasePath, new string('x', 4096));
            Assert.Same(DcError.DatabaseInvalid, Assert.Throws<DataCompassException>(() => SourceCatalog.OpenForRead(DatabasePath)).Error);
            Assert.Same(DcError.DatabaseInvalid, Assert.Throws<DataCompassException>(() => SourceCatalog.OpenForWrite(DatabasePath)).Error);
        }

        [Theory]
        [InlineData("abc")]
        [InlineData("-1")]
        [InlineData(" 1")]
        [InlineData("99999999999")]
        [InlineData("")]
        public void A_schema_version_that_is_not_a_version_refuses_reads_and_writes_and_changes_nothing(string version)
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("prod"));
            }

            Sql($"UPDATE dc_schema_info SET value = '{version}' WHERE key = 'schema_version';");
            var before = File.ReadAllBytes(DatabasePath);
            var write = Assert.Throws<DataCompassException>(() => SourceCatalog.OpenForWrite(DatabasePath));
            Assert.Same(DcError.DatabaseInvalid, write.Error);
            Assert.Contains("schema_version", write.Message);
            var read = Assert.Throws<DataCompassException>(() => SourceCatalog.OpenForRead(DatabasePath));
            Assert.Same(DcError.DatabaseInvalid, read.Error);
            Assert.Equal(before, File.ReadAllBytes(DatabasePath));
            Assert.False(File.Exists(DatabasePath + "-wal") && new FileInfo(DatabasePath + "-wal").Length > 0);
        }

        [Fact]
        public void A_damaged_page_that_reads_do_not_touch_refuses_writes_and_leaves_the_file_as_it_is()
        {
            using (var catalog = SourceCatalog.OpenForWrite(DatabasePath))
            {
                catalog.AddSource(Source("prod"));
            }

            Sql("PRAGMA journal_mode = DELETE; CREATE TABLE catalog_objects (id INTEGER PRIMARY KEY, label TEXT); CREATE INDEX ix_label ON catalog_objects (label); " +
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) INSERT INTO catalog_objects SELECT i, printf('object-%05d', i) FROM n;");
            var page = Convert.ToInt64(Scalar("SELECT rootpage FROM sqlite_master WHERE name = 'ix_label';"));
            var pageSize = Convert.ToInt64(Scalar("PRAGMA page_size;"));
            using (var file = new FileStream(DatabasePath, FileMode.Open, FileAccess.Write))
            {
                file.Position = (page - 1) * pageSize;
                var garbage = new byte[pageSize];
                new Random(7).NextBytes(garbage);
                file.Write(garbage);
            }

            var before = File.ReadAllBytes(DatabasePath);
            var error = Assert.Throws<DataCompassException>(() => SourceCatalog.OpenForWrite(DatabasePath));
            Assert.Same(DcError.DatabaseInvalid, error.Error);
            Assert.Contains("damaged", error.Message);
            Assert.Equal(before, File.ReadAllBytes(DatabasePath));
            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Equal("prod", Assert.Single(reader.ListSources()).Name);
        }

        [Fact]
        public void A_folder_is_not_a_database()
        {
            Directory.CreateDirectory(DatabasePath);
            Assert.Same(DcError.DatabaseInvalid, Assert.Throws<DataCompassException>(() => SourceCatalog.OpenForWrite(DatabasePath)).Error);
        }

        [Fact]
        public async Task Concurrent_writers_lose_nothing()
        {
            const int writers = 4;
            const int perWriter = 25;
            var tasks = Enumerable.Range(0, writers).Select(writer => Task.Run(() =>
            {
                for (var i = 0; i < perWriter; i++)
                {
                    using var catalog = SourceCatalog.OpenForWrite(DatabasePath);
                    catalog.AddSource(Source($"w{writer}-{i}"));
                }
            }));
            await Task.WhenAll(tasks);
            using var reader = SourceCatalog.OpenForRead(DatabasePath)!;
            Assert.Equal(writers * perWriter, reader.ListSources().Count);
        }

        [Fact]
        public void Location_precedence()
        {
            string? Env(string name) => name == CatalogLocation.DataDirectoryVariable ? "/data/dc" : null;
            Assert.Equal(Path.GetFullPath("/x/my.db"), CatalogLocation.Resolve("/x/my.db", Env, "/home/u"));
            Assert.Equal(Path.GetFullPath("/data/dc/datacompass.db"), CatalogLocation.Resolve(null, Env, "/home/u"));
            Assert.Equal(Path.Combine("/home/u", ".datacompass", "datacompass.db"), CatalogLocation.Resolve(null, _ => null, "/home/u"));
            Assert.Equal(Path.Combine("/home/u", ".datacompass", "datacompass.db"), CatalogLocation.Resolve(string.Empty, name => string.Empty, "/home/u"));
        }

        [Fact]
        public void Location_says_where_it_came_from()
        {
            string? Env(string name) => name == CatalogLocation.DataDirectoryVariable ? "/typo" : null;
            Assert.Equal("-Database", CatalogLocation.Locate("/x/my.db", Env, "/home/u").Origin);
            Assert.Equal("$env:DATACOMPASS_DATA_DIR = '/typo'", CatalogLocation.Locate(null, Env, "/home/u").Origin);
            Assert.StartsWith("the default location", CatalogLocation.Locate(null, _ => null, "/home/u").Origin);

            var error = CatalogLocation.NotFound("/typo/datacompass.db", CatalogLocation.Locate(null, Env, "/home/u").Origin);
            Assert.Equal(DcError.CatalogNotFound, error.Error);
            Assert.Contains("'/typo/datacompass.db'", error.Message);
            Assert.Contains("DATACOMPASS_DATA_DIR", error.Message);
            Assert.Equal("/typo/datacompass.db", error.Target);
        }
    }
}

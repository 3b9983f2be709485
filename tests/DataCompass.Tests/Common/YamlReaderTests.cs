using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;
using DataCompass.Core.Sources;

namespace DataCompass.Tests
{
    public sealed class YamlReaderTests : IDisposable
    {
        private const string Origin = "/configs/test.yaml";
        private const string Canary = "Canary-7f3a";

        private readonly string _dir;

        public YamlReaderTests()
        {
            _dir = Path.Combine(Path.GetTempPath(), "dc-sfr-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_dir);
        }

        public void Dispose()
        {
            try
            {
                foreach (var file in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories))
                {
                    File.SetAttributes(file, FileAttributes.Normal);
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    }
                }

                Directory.Delete(_dir, true);
            }
            catch (IOException)
            {
            }
        }

        // ---- happy paths -------------------------------------------------------------------------------

        [Fact]
        public void FlatPostgresConfig_PreservesKeyOrderAndRawText()
        {
            var map = SourceFileReader.ReadText(
                "type: postgres\n" +
                "host: db.example.com\n" +
                "port: 5432\n" +
                "database: app\n" +
                "user: app_reader\n" +
                "password: ${DB_PASSWORD}\n" +
                "ssl: yes\n" +
                "code: 0123\n" +
                "ratio: 1.50\n",
                Origin);

            Assert.Equal(
                new[] { "type", "host", "port", "database", "user", "password", "ssl", "code", "ratio" },
                map.Keys.ToArray());
            Assert.Equal("postgres", map["type"]);
            Assert.Equal("db.example.com", map["host"]);
            Assert.Equal("5432", map["port"]);
            Assert.Equal("${DB_PASSWORD}", map["password"]);
            Assert.Equal("yes", map["ssl"]);
            Assert.Equal("0123", map["code"]);
            Assert.Equal("1.50", map["ratio"]);
        }

        [Fact]
        public void KeyOrder_IsDeclarationOrderNotAlphabetical()
        {
            var map = SourceFileReader.ReadText("zeta: 1\nalpha: 2\nmid: 3\n", Origin);
            Assert.Equal(new[] { "zeta", "alpha", "mid" }, map.Keys.ToArray());
        }

        [Theory]
        [InlineData("~")]
        [InlineData("null")]
        [InlineData("Null")]
        [InlineData("NULL")]
        [InlineData("")]
        [InlineData("!!null")]
        [InlineData("!!null ~")]
        public void PlainNullForms_BecomeNull(string value)
        {
            var map = SourceFileReader.ReadText($"a: {value}\nb: 1\n", Origin);
            Assert.True(map.ContainsKey("a"));
            Assert.Null(map["a"]);
        }

        [Theory]
        [InlineData("\"null\"", "null")]
        [InlineData("'~'", "~")]
        [InlineData("\"\"", "")]
        [InlineData("''", "")]
        [InlineData("nul", "nul")]
        [InlineData("nULL", "nULL")]
        [InlineData("true", "true")]
        [InlineData("0x1F", "0x1F")]
        [InlineData("\"tab\\there\"", "tab\there")]
        [InlineData("'it''s'", "it's")]
        public void QuotedAndNonNullPlainScalars_StayText(string value, string expected)
        {
            var map = SourceFileReader.ReadText($"a: {value}\n", Origin);
            Assert.Equal(expected, map["a"]);
        }

        [Fact]
        public void BlockScalars_AreStrings()
        {
            var map = SourceFileReader.ReadText("literal: |\n  one\n  two\nfolded: >\n  three\n  four\nempty: |\n", Origin);
            Assert.Equal("one\ntwo\n", map["literal"]);
            Assert.Equal("three four\n", map["folded"]);
            Assert.Equal(string.Empty, map["empty"]);
        }

        [Fact]
        public void ListsAndNestedMaps_AreBuilt()
        {
            var map = SourceFileReader.ReadText(
                "hosts:\n" +
                "  - a.example.com\n" +
                "  - b.example.com\n" +
                "  - ~\n" +
                "options:\n" +
                "  sslmode: require\n" +
                "  timeouts:\n" +
                "    connect: 10\n" +
                "    command: 30\n" +
                "flow: [1, two, {k: v}]\n" +
                "empty_list: []\n" +
                "empty_map: {}\n",
                Origin);

            var hosts = Assert.IsType<List<object?>>(map["hosts"]);
            Assert.Equal(new object?[] { "a.example.com", "b.example.com", null }, hosts);

            var options = Assert.IsType<OrderedMap>(map["options"]);
            Assert.Equal(new[] { "sslmode", "timeouts" }, options.Keys.ToArray());
            Assert.Equal("require", options["sslmode"]);
            var timeouts = Assert.IsType<OrderedMap>(options["timeouts"]);
            Assert.Equal("10", timeouts["connect"]);
            Assert.Equal("30", timeouts["command"]);

            var flow = Assert.IsType<List<object?>>(map["flow"]);
            Assert.Equal(3, flow.Count);
            Assert.Equal("1", flow[0]);
            Assert.Equal("two", flow[1]);
            Assert.Equal("v", Assert.IsType<OrderedMap>(flow[2])["k"]);

            Assert.Empty(Assert.IsType<List<object?>>(map["empty_list"]));
            Assert.Equal(0, Assert.IsType<OrderedMap>(map["empty_map"]).Count);
        }

        [Fact]
        public void References_AreKeptVerbatim()
        {
            var map = SourceFileReader.ReadText(
                "password: ${DB_PASSWORD}\n" +
                "token: ${secret:V/x}\n" +
                "quoted: \"${secret:Vault/db-pass}\"\n" +
                "single: '${VAR}'\n" +
                "mixed: pre-${VAR}-post\n",
                Origin);

            Assert.Equal("${DB_PASSWORD}", map["password"]);
            Assert.Equal("${secret:V/x}", map["token"]);
            Assert.Equal("${secret:Vault/db-pass}", map["quoted"]);
            Assert.Equal("${VAR}", map["single"]);
            Assert.Equal("pre-${VAR}-post", map["mixed"]);
        }

        [Theory]
        [InlineData("!!str 5", "5")]
        [InlineData("!!str null", "null")]
        [InlineData("!!str", "")]
        [InlineData("!!int 5432", "5432")]
        [InlineData("!!float 1.5", "1.5")]
        [InlineData("!!bool true", "true")]
        [InlineData("!<tag:yaml.org,2002:str> x", "x")]
        public void StandardScalarTags_KeepText(string value, string expected)
        {
            var map = SourceFileReader.ReadText($"a: {value}\n", Origin);
            Assert.Equal(expected, map["a"]);
        }

        [Fact]
        public void StandardCollectionTags_AreAccepted()
        {
            var map = SourceFileReader.ReadText("a: !!seq [1]\nb: !!map {k: v}\n", Origin);
            Assert.Single(Assert.IsType<List<object?>>(map["a"]));
            Assert.Equal("v", Assert.IsType<OrderedMap>(map["b"])["k"]);
        }

        [Fact]
        public void ExplicitDocumentMarkers_SingleDocument_IsAccepted()
        {
            var map = SourceFileReader.ReadText("%YAML 1.2\n---\na: 1\n...\n", Origin);
            Assert.Equal("1", map["a"]);
        }

        [Fact]
        public void QuotedKeys_AreAccepted()
        {
            var map = SourceFileReader.ReadText("\"null\": 1\n'~': 2\n\"<<\": 3\n", Origin);
            Assert.Equal(new[] { "null", "~", "<<" }, map.Keys.ToArray());
        }

        [Fact]
        public void Comments_AreIgnored()
        {
            var map = SourceFileReader.ReadText("# header\na: 1 # trailing\n# between\nb: \"# not a comment\"\n", Origin);
            Assert.Equal("1", map["a"]);
            Assert.Equal("# not a comment", map["b"]);
        }

        [Fact]
        public void ReadText_LeadingBomCharacter_IsStripped()
        {
            var map = SourceFileReader.ReadText("\uFEFFa: 1\n", Origin);
            Assert.Equal(new[] { "a" }, map.Keys.ToArray());
        }

        [Fact]
        public void NodesAtLimit_AreAccepted()
        {
            // root mapping + key + sequence = 3 nodes.
            var map = SourceFileReader.ReadText(SequenceOfItems(YamlReader.MaxNodes - 3), Origin);
            Assert.Equal(YamlReader.MaxNodes - 3, Assert.IsType<List<object?>>(map["a"]).Count);
        }

        [Fact]
        public void DepthAtLimit_IsAccepted()
        {
            var map = SourceFileReader.ReadText(NestedSequencesUnderKey(YamlReader.MaxDepth - 1), Origin);
            object? node = map["a"];
            for (var level = 2; level <= YamlReader.MaxDepth; level++)
            {
                var list = Assert.IsType<List<object?>>(node);
                node = list.Count == 0 ? null : list[0];
            }
        }

        // ---- file handling -----------------------------------------------------------------------------

        [Fact]
        public void ReadFile_ValidFile_IsRead()
        {
            var path = WriteFile("pg.yaml", "type: postgres\nport: 5432\n");
            var map = SourceFileReader.ReadFile(path);
            Assert.Equal(new[] { "type", "port" }, map.Keys.ToArray());
            Assert.Equal("5432", map["port"]);
        }

        [Fact]
        public void ReadFile_Utf8Bom_IsStripped()
        {
            var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("name: caf\u00e9\n")).ToArray();
            var path = WriteFile("bom.yaml", bytes);
            var map = SourceFileReader.ReadFile(path);
            Assert.Equal(new[] { "name" }, map.Keys.ToArray());
            Assert.Equal("caf\u00e9", map["name"]);
        }

        [Fact]
        public void ReadFile_CrLfLineEndings_AreAccepted()
        {
            var path = WriteFile("crlf.yaml", "a: 1\r\nb: 2\r\n");
            var map = SourceFileReader.ReadFile(path);
            Assert.Equal("2", map["b"]);
        }

        [Fact]
        public void ReadFile_MissingFile_IsNotFound()
        {
            var path = Path.Combine(_dir, "nope.yaml");
            var ex = Assert.Throws<DataCompassException>(() => SourceFileReader.ReadFile(path));
            Assert.Same(DcError.SourceFileNotFound, ex.Error);
            Assert.Equal(path, ex.Target);
            Assert.StartsWith($"Source file '{path}'", ex.Message);
        }

        [Fact]
        public void ReadFile_MissingParentDirectory_IsNotFound()
        {
            var path = Path.Combine(_dir, "no-such-dir", "x.yaml");
            var ex = Assert.Throws<DataCompassException>(() => SourceFileReader.ReadFile(path));
            Assert.Same(DcError.SourceFileNotFound, ex.Error);
        }

        [Fact]
        public void ReadFile_Directory_IsInvalid()
        {
            var path = Path.Combine(_dir, "sub");
            Directory.CreateDirectory(path);
            var ex = Assert.Throws<DataCompassException>(() => SourceFileReader.ReadFile(path));
            Assert.Same(DcError.SourceFileInvalid, ex.Error);
            Assert.Contains("is a directory", ex.Message);
            Assert.StartsWith($"Source file '{path}'", ex.Message);
        }

        [Fact]
        public async System.Threading.Tasks.Task ReadFile_Fifo_IsInvalidWithoutWaitingForAWriter()
        {
            if (OperatingSystem.IsWindows())
            {
                return; // No mkfifo on Windows, whose named pipes do not live in the file system.
            }

            var path = Path.Combine(_dir, "pipe.yaml");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", new[] { path }))
            {
                mkfifo.WaitForExit();
                Assert.Equal(0, mkfifo.ExitCode);
            }

            // Run aside: before the check, opening the FIFO blocked for ever.
            var read = System.Threading.Tasks.Task.Run(() => Assert.Throws<DataCompassException>(() => SourceFileReader.ReadFile(path)));
            var ex = await read.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Same(DcError.SourceFileInvalid, ex.Error);
            Assert.Equal($"Source file '{path}' is a FIFO (named pipe), not a regular file; only regular files are read.", ex.Message);
        }

        [Fact]
        public void ReadFile_CharacterDevice_IsInvalid()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            var ex = Assert.Throws<DataCompassException>(() => SourceFileReader.ReadFile("/dev/zero"));
            Assert.Same(DcError.SourceFileInvalid, ex.Error);
            Assert.Contains("is a character device, not a regular file", ex.Message);
        }

        [Fact]
        public void ReadFile_SymlinkToARegularFile_IsRead()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            var target = Path.Combine(_dir, "real.yaml");
            File.WriteAllText(target, "host: h\n");
            var link = Path.Combine(_dir, "link.yaml");
            File.CreateSymbolicLink(link, target);
            Assert.Equal("h", SourceFileReader.ReadFile(link)["host"]);
        }

        [Fact]
        public void ReadFile_FiftyMegabytes_IsTooLarge()
        {
            var path = Path.Combine(_dir, "huge.yaml");
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                stream.SetLength(50L * 1024 * 1024);
            }

            var ex = Assert.Throws<DataCompassException>(() => SourceFileReader.ReadFile(path));
            Assert.Same(DcError.SourceFileTooLarge, ex.Error);
            Assert.Contains(YamlReader.MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
            Assert.StartsWith($"Source file '{path}'", ex.Message);
        }

        [Fact]
        public void ReadFile_ExactlyAtSizeLimit_IsRead()
        {
            var head = "a: 1\n#";
            var content = head + new string('x', (int)YamlReader.MaxFileBytes - head.Length - 1) + "\n";
            var path = WriteFile("limit.yaml", content);
            Assert.Equal(YamlReader.MaxFileBytes, new FileInfo(path).Length);

            var map = SourceFileReader.ReadFile(path);
            Assert.Equal("1", map["a"]);
        }

        [Fact]
        public void ReadFile_OneByteOverSizeLimit_IsTooLarge()
        {
            var head = "a: 1\n#";
            var content = head + new string('x', (int)YamlReader.MaxFileBytes - head.Length) + "\n";
            var path = WriteFile("over.yaml", content);

            var ex = Assert.Throws<DataCompassException>(() => SourceFileReader.ReadFile(path));
            Assert.Same(DcError.SourceFileTooLarge, ex.Error);
        }

        [Fact]
        public void ReadFile_BinaryJunk_IsNotText()
        {
            var junk = new byte[4096];
            new Random(12345).NextBytes(junk);
            var path = WriteFile("junk.yaml", junk);
            AssertNotText(() => SourceFileReader.ReadFile(path), path);
        }

        [Fact]
        public void ReadFile_NulByte_IsNotText()
        {
            var path = WriteFile("nul.yaml", new byte[] { (byte)'a', (byte)':', (byte)' ', 0, (byte)'\n' });
            AssertNotText(() => SourceFileReader.ReadFile(path), path);
        }

        [Fact]
        public void ReadFile_InvalidUtf8_IsNotText()
        {
            // 0xC3 0x28: a lead byte followed by a non-continuation byte.
            var path = WriteFile("bad.yaml", new byte[] { (byte)'a', (byte)':', (byte)' ', 0xC3, 0x28, (byte)'\n' });
            AssertNotText(() => SourceFileReader.ReadFile(path), path);
        }

        [Fact]
        public void ReadFile_Utf16_IsNotText()
        {
            var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("a: 1\n")).ToArray();
            var path = WriteFile("utf16.yaml", bytes);
            AssertNotText(() => SourceFileReader.ReadFile(path), path);
        }

        [Fact]
        public void ReadFile_ControlCharacter_IsNotText()
        {
            var path = WriteFile("ctl.yaml", "a: 1\n\u0001b: 2\n");
            AssertNotText(() => SourceFileReader.ReadFile(path), path);
        }

        [Fact]
        public void ReadFile_EmptyFile_IsEmpty()
        {
            var path = WriteFile("empty.yaml", Array.Empty<byte>());
            var ex = AssertInvalid(() => SourceFileReader.ReadFile(path), path);
            Assert.Contains("is empty", ex.Message);
        }

        [Fact]
        public void ReadFile_Unreadable_IsInvalid()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            var path = WriteFile("secret.yaml", "a: 1\n");
            File.SetUnixFileMode(path, UnixFileMode.None);

            // A privileged account (e.g. root in a container) can read the file anyway; nothing to assert then.
            try
            {
                using (File.OpenRead(path))
                {
                }

                return;
            }
            catch (UnauthorizedAccessException)
            {
            }

            var ex = AssertInvalid(() => SourceFileReader.ReadFile(path), path);
            Assert.Contains("access is denied", ex.Message);
        }

        // ---- ReadText encoding and size ----------------------------------------------------------------

        [Fact]
        public void ReadText_NulCharacter_IsNotText()
        {
            AssertNotText(() => SourceFileReader.ReadText("a: b\0c\n", Origin), Origin);
        }

        [Fact]
        public void ReadText_LoneSurrogate_IsNotText()
        {
            AssertNotText(() => SourceFileReader.ReadText("a: \uD800\n", Origin), Origin);
        }

        [Fact]
        public void ReadText_OverSizeLimit_IsTooLarge()
        {
            var text = "a: " + new string('x', (int)YamlReader.MaxFileBytes) + "\n";
            var ex = Assert.Throws<DataCompassException>(() => SourceFileReader.ReadText(text, Origin));
            Assert.Same(DcError.SourceFileTooLarge, ex.Error);
        }

        [Fact]
        public void ReadText_MultibyteOverSizeLimit_IsTooLarge()
        {
            // Fewer chars than the limit, but more bytes once encoded.
            var text = "a: " + new string('\u00e9', (int)(YamlReader.MaxFileBytes / 2) + 1) + "\n";
            var ex = Assert.Throws<DataCompassException>(() => SourceFileReader.ReadText(text, Origin));
            Assert.Same(DcError.SourceFileTooLarge, ex.Error);
        }

        // ---- document shape ----------------------------------------------------------------------------

        [Theory]
        [InlineData("")]
        [InlineData("\n\n   \n")]
        [InlineData("# only a comment\n# and another\n")]
        [InlineData("---\n")]
        [InlineData("---\n...\n")]
        [InlineData("~\n")]
        [InlineData("null\n")]
        [InlineData("--- !!null\n")]
        public void EmptyDocuments_AreEmpty(string yaml)
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("is empty", ex.Message);
        }

        [Theory]
        [InlineData("- a\n- b\n")]
        [InlineData("[1, 2]\n")]
        [InlineData("hello\n")]
        [InlineData("\"quoted\"\n")]
        [InlineData("''\n")]
        [InlineData("|\n  block\n")]
        public void NonMappingRoot_IsRejected(string yaml)
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("must be a mapping of field names to values", ex.Message);
        }

        [Theory]
        [InlineData("a: 1\n---\nb: 2\n")]
        [InlineData("a: 1\n---\n")]
        [InlineData("a: 1\n...\n---\nb: 2\n")]
        public void MultipleDocuments_AreRejected(string yaml)
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("more than one YAML document", ex.Message);
        }

        // ---- anchors, aliases, tags --------------------------------------------------------------------

        [Theory]
        [InlineData("a: &x 1\nb: *x\n")]
        [InlineData("a: &x " + Canary + "\n")]
        [InlineData("a: &x\n  k: v\n")]
        [InlineData("a: &x [1]\n")]
        [InlineData("&root\na: 1\n")]
        [InlineData("base:\n  k: v\nderived:\n  <<: {k: w}\n")]
        [InlineData("base: &b\n  k: v\nderived:\n  <<: *b\n")]
        public void AnchorsAliasesAndMergeKeys_AreRejected(string yaml)
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("anchors and aliases are not supported", ex.Message);
            Assert.DoesNotContain(Canary, ex.Message);
        }

        [Fact]
        public void BillionLaughs_FailsWithoutExpansion()
        {
            var sb = new StringBuilder();
            sb.Append("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
            var previous = 'a';
            for (var name = 'b'; name <= 'i'; name++)
            {
                sb.Append(name).Append(": &").Append(name).Append(" [");
                sb.Append(string.Join(",", Enumerable.Repeat("*" + previous, 9)));
                sb.Append("]\n");
                previous = name;
            }

            var ex = AssertInvalid(() => SourceFileReader.ReadText(sb.ToString(), Origin), Origin);
            Assert.Contains("anchors and aliases are not supported", ex.Message);
        }

        [Theory]
        [InlineData("a: !custom " + Canary + "\n")]
        [InlineData("a: !!python/object:os.system " + Canary + "\n")]
        [InlineData("a: !!binary aGVsbG8=\n")]
        [InlineData("a: !!timestamp 2001-12-14\n")]
        [InlineData("a: ! " + Canary + "\n")]
        [InlineData("a: !<tag:evil.example,2024:x> " + Canary + "\n")]
        [InlineData("a: !!set {x}\n")]
        [InlineData("a: !!str [1]\n")]
        [InlineData("a: !!seq {k: v}\n")]
        [InlineData("!custom\nk: v\n")]
        [InlineData("%TAG !! tag:evil.example,2024:\n---\na: !!str " + Canary + "\n")]
        public void NonStandardTags_AreRejected(string yaml)
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("unsupported tag", ex.Message);
            Assert.DoesNotContain(Canary, ex.Message);
        }

        [Fact]
        public void PythonObjectTag_IsNamedInMessage()
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText("a: !!python/object:os.system x\n", Origin), Origin);
            Assert.Contains("python/object:os.system", ex.Message);
        }

        // ---- limits ------------------------------------------------------------------------------------

        [Fact]
        public void DepthOverLimit_IsRejected()
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(NestedSequencesUnderKey(YamlReader.MaxDepth), Origin), Origin);
            Assert.Contains("limit of " + YamlReader.MaxDepth, ex.Message);
        }

        [Fact]
        public void DepthOverLimit_BlockMappings_IsRejected()
        {
            var sb = new StringBuilder();
            for (var level = 0; level <= YamlReader.MaxDepth; level++)
            {
                sb.Append(' ', level * 2).Append("k").Append(level).Append(":\n");
            }

            sb.Append(' ', (YamlReader.MaxDepth + 1) * 2).Append("leaf: ").Append(Canary).Append('\n');

            var ex = AssertInvalid(() => SourceFileReader.ReadText(sb.ToString(), Origin), Origin);
            Assert.Contains("limit of " + YamlReader.MaxDepth, ex.Message);
            Assert.DoesNotContain(Canary, ex.Message);
        }

        [Fact]
        public void TenThousandNestedSequencesUnderKey_FailOnDepthWithoutStackOverflow()
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(NestedSequencesUnderKey(10000), Origin), Origin);
            Assert.Contains("limit of " + YamlReader.MaxDepth, ex.Message);
        }

        [Fact]
        public void TenThousandNestedSequencesAtRoot_FailWithoutStackOverflow()
        {
            var yaml = new string('[', 10000) + new string(']', 10000) + "\n";
            AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
        }

        [Fact]
        public void TenThousandNestedSequencesFile_FailWithoutStackOverflow()
        {
            var path = WriteFile("deep.yaml", "a: " + new string('[', 10000) + "\n");
            var ex = AssertInvalid(() => SourceFileReader.ReadFile(path), path);
            Assert.Contains("limit of " + YamlReader.MaxDepth, ex.Message);
        }

        [Fact]
        public void NodesOverLimit_AreRejected()
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(SequenceOfItems(YamlReader.MaxNodes - 2), Origin), Origin);
            Assert.Contains("limit of " + YamlReader.MaxNodes, ex.Message);
        }

        [Fact]
        public void ManyKeys_CountTowardNodeLimit()
        {
            var sb = new StringBuilder();
            for (var i = 0; i < YamlReader.MaxNodes / 2; i++)
            {
                sb.Append("k").Append(i).Append(": v\n");
            }

            var ex = AssertInvalid(() => SourceFileReader.ReadText(sb.ToString(), Origin), Origin);
            Assert.Contains("limit of " + YamlReader.MaxNodes, ex.Message);
        }

        // ---- keys --------------------------------------------------------------------------------------

        [Theory]
        [InlineData("? [a]\n: 1\n")]
        [InlineData("? {k: v}\n: 1\n")]
        [InlineData("{[a]: 1}\n")]
        [InlineData("outer:\n  ? [a, b]\n  : 1\n")]
        public void NonScalarKeys_AreRejected(string yaml)
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("as a key", ex.Message);
        }

        [Theory]
        [InlineData("~: 1\n")]
        [InlineData("null: 1\n")]
        [InlineData(": 1\n")]
        [InlineData("? \n: 1\n")]
        [InlineData("!!null x: 1\n")]
        [InlineData("outer:\n  ~: 1\n")]
        public void NullKeys_AreRejected(string yaml)
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("null) key", ex.Message);
        }

        [Fact]
        public void DuplicateTopLevelKey_IsRejectedWithKeyAndLine_NotValues()
        {
            var yaml = "host: db\npassword: " + Canary + "\nport: 5432\npassword: Other-" + Canary + "\n";
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("duplicate key 'password'", ex.Message);
            Assert.Contains("line 4", ex.Message);
            Assert.DoesNotContain(Canary, ex.Message);
        }

        [Fact]
        public void DuplicateNestedKey_IsRejected()
        {
            var yaml = "options:\n  sslmode: require\n  sslmode: disable\n";
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("duplicate key 'sslmode'", ex.Message);
            Assert.Contains("line 3", ex.Message);
        }

        [Fact]
        public void DuplicateKeyInFlowMapping_IsRejected()
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText("a: {x: 1, x: 2}\n", Origin), Origin);
            Assert.Contains("duplicate key 'x'", ex.Message);
        }

        [Fact]
        public void SameKeyInDifferentMappings_IsAccepted()
        {
            var map = SourceFileReader.ReadText("a:\n  name: 1\nb:\n  name: 2\nlist:\n  - name: 3\n  - name: 4\n", Origin);
            Assert.Equal("2", Assert.IsType<OrderedMap>(map["b"])["name"]);
            Assert.Equal(2, Assert.IsType<List<object?>>(map["list"]).Count);
        }

        [Fact]
        public void DuplicateKey_ControlCharactersInKeyAreEscaped()
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText("\"a\\tb\": 1\n\"a\\tb\": 2\n", Origin), Origin);
            Assert.Contains("'a\\u0009b'", ex.Message);
        }

        // ---- syntax errors and secrecy -----------------------------------------------------------------

        [Fact]
        public void UnterminatedQuote_NeverLeaksTheValue()
        {
            var yaml = "user: app\npassword: \"" + Canary + "\n";
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("is not valid YAML", ex.Message);
            Assert.Contains("line 2, column", ex.Message);
            Assert.DoesNotContain(Canary, ex.Message);
            Assert.Null(ex.InnerException);
        }

        [Fact]
        public void UnterminatedQuoteInFile_NeverLeaksTheValue()
        {
            var path = WriteFile("leak.yaml", "password: \"" + Canary + "\n");
            var ex = AssertInvalid(() => SourceFileReader.ReadFile(path), path);
            Assert.DoesNotContain(Canary, ex.Message);
            Assert.DoesNotContain(Canary, ex.ToString());
        }

        [Theory]
        [InlineData("a: [1, 2\n", 2, 1)]
        [InlineData("a: 1\n b: 2\n", 2, 3)]
        [InlineData("a: {x: 1\n", 2, 1)]
        [InlineData("key: value: " + Canary + "\n", 1, 11)]
        [InlineData("a:\n  - 1\n  b: " + Canary + "\n", 3, 3)]
        [InlineData("a: '" + Canary + "\n", 1, 4)]
        public void SyntaxErrors_ReportPositionOnly(string yaml, int line, int column)
        {
            var ex = AssertInvalid(() => SourceFileReader.ReadText(yaml, Origin), Origin);
            Assert.Contains("is not valid YAML", ex.Message);
            Assert.Contains($"line {line}, column {column}", ex.Message);
            Assert.DoesNotContain(Canary, ex.Message);
            Assert.Null(ex.InnerException);
        }

        [Theory]
        [InlineData("password: \"" + Canary + "\n")]
        [InlineData("password: !custom " + Canary + "\n")]
        [InlineData("password: &p " + Canary + "\n")]
        [InlineData("password: " + Canary + "\n---\nx: 1\n")]
        [InlineData("password: " + Canary + "\npassword: " + Canary + "\n")]
        [InlineData("- " + Canary + "\n")]
        [InlineData(Canary + "\n")]
        [InlineData("password: [" + Canary + "\n")]
        [InlineData("password: " + Canary + "\n\u0001")]
        public void EveryFailure_StartsWithOriginAndNeverContainsValues(string yaml)
        {
            var ex = Assert.Throws<DataCompassException>(() => SourceFileReader.ReadText(yaml, Origin));
            Assert.StartsWith($"Source file '{Origin}'", ex.Message);
            Assert.Equal(Origin, ex.Target);
            Assert.DoesNotContain(Canary, ex.Message);
        }

        [Fact]
        public void NullArguments_Throw()
        {
            Assert.Throws<ArgumentNullException>(() => SourceFileReader.ReadFile(null!));
            Assert.Throws<ArgumentNullException>(() => SourceFileReader.ReadText(null!, Origin));
            Assert.Throws<ArgumentNullException>(() => SourceFileReader.ReadText("a: 1", null!));
        }

        // ---- helpers -----------------------------------------------------------------------------------

        private static string SequenceOfItems(int count)
        {
            var sb = new StringBuilder("a:\n");
            for (var i = 0; i < count; i++)
            {
                sb.Append("  - x\n");
            }

            return sb.ToString();
        }

        /// <summary>A root mapping holding <paramref name="levels"/> nested flow sequences: total depth is levels + 1.</summary>
        private static string NestedSequencesUnderKey(int levels) =>
            "a: " + new string('[', levels) + new string(']', levels) + "\n";

        private string WriteFile(string name, string content) => WriteFile(name, Encoding.UTF8.GetBytes(content));

        private string WriteFile(string name, byte[] content)
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllBytes(path, content);
            return path;
        }

        private static DataCompassException AssertInvalid(Action action, string origin)
        {
            var ex = Assert.Throws<DataCompassException>(action);
            Assert.Same(DcError.SourceFileInvalid, ex.Error);
            Assert.Equal(origin, ex.Target);
            Assert.StartsWith($"Source file '{origin}'", ex.Message);
            return ex;
        }

        private static void AssertNotText(Action action, string origin)
        {
            var ex = AssertInvalid(action, origin);
            Assert.Contains("is not a UTF-8 text file", ex.Message);
        }
    }
}

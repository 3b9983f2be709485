using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using DataCompass.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DataCompass.Core.Common
{
    /// <summary>
    /// Reads a YAML document (a source config, config.yaml) into an <see cref="OrderedMap"/> of raw text values. The input is treated
    /// as hostile: size, nesting and node count are bounded, anchors/aliases and non-standard tags are refused,
    /// and no error message ever repeats a scalar value (values may be secrets).
    /// </summary>
    /// <remarks>
    /// Values are <c>null</c>, <see cref="string"/>, <see cref="List{T}"/> of object, or nested
    /// <see cref="OrderedMap"/>. Scalars stay text; the caller coerces them per field.
    /// </remarks>
    public sealed class YamlReader
    {
        public const long MaxFileBytes = InputLimits.MaxTextBytes;
        public const int MaxDepth = InputLimits.MaxDepth;
        public const int MaxNodes = InputLimits.MaxNodes;

        private const string YamlTagPrefix = "tag:yaml.org,2002:";
        private const int MaxNameLengthInMessage = 64;

        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        private readonly string _noun;
        private readonly DcError _notFound;
        private readonly DcError _invalid;
        private readonly DcError _tooLarge;

        /// <param name="noun">How messages name the document, e.g. "Source file": "Source file 'a.yaml' is empty."</param>
        public YamlReader(string noun, DcError notFound, DcError invalid, DcError tooLarge)
        {
            _noun = noun;
            _notFound = notFound;
            _invalid = invalid;
            _tooLarge = tooLarge;
        }

        /// <summary>Reads and parses the file at <paramref name="path"/> (already resolved to a full path).</summary>
        /// <param name="allowEmpty">An empty document (or only comments) is an empty mapping instead of an error.</param>
        public OrderedMap ReadFile(string path, bool allowEmpty = false)
        {
            if (path == null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            var bytes = ReadBytes(path);
            return Parse(DecodeText(bytes, path), path, allowEmpty);
        }

        /// <summary>Parses YAML text; <paramref name="origin"/> names the text in error messages and as the error target.</summary>
        public OrderedMap ReadText(string yaml, string origin)
        {
            if (yaml == null)
            {
                throw new ArgumentNullException(nameof(yaml));
            }

            if (origin == null)
            {
                throw new ArgumentNullException(nameof(origin));
            }

            // Every char encodes to at least one byte, so this bounds the work GetByteCount does below.
            if (yaml.Length > MaxFileBytes)
            {
                throw TooLarge(origin);
            }

            int byteCount;
            try
            {
                byteCount = StrictUtf8.GetByteCount(yaml);
            }
            catch (EncoderFallbackException)
            {
                throw NotText(origin);
            }

            if (byteCount > MaxFileBytes)
            {
                throw TooLarge(origin);
            }

            if (yaml.Length > 0 && yaml[0] == '\uFEFF')
            {
                yaml = yaml.Substring(1);
            }

            if (HasForbiddenControlChar(yaml))
            {
                throw NotText(origin);
            }

            return Parse(yaml, origin, allowEmpty: false);
        }

        private byte[] ReadBytes(string path)
        {
            if (Directory.Exists(path))
            {
                throw Invalid(path, "is a directory, not a file.");
            }

            if (FileKind.DescribeIrregular(path) is { } kind)
            {
                throw Invalid(path, $"is {kind}, not a regular file; only regular files are read.");
            }

            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
            }
            catch (FileNotFoundException)
            {
                throw new DataCompassException(_notFound, $"{_noun} '{path}' does not exist.", path);
            }
            catch (DirectoryNotFoundException)
            {
                throw new DataCompassException(_notFound, $"{_noun} '{path}' does not exist.", path);
            }
            catch (UnauthorizedAccessException)
            {
                throw Invalid(path, "cannot be read: access is denied.");
            }
            catch (IOException ex)
            {
                throw Invalid(path, "cannot be read: " + ex.Message);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException)
            {
                throw Invalid(path, "is not a valid file path.");
            }

            using (stream)
            {
                try
                {
                    if (stream.CanSeek && stream.Length > MaxFileBytes)
                    {
                        throw TooLarge(path);
                    }

                    // The length check alone is not enough: the file may grow. Never more than one byte over
                    // the limit is read, which is all it takes to know the file is too large.
                    var initialCapacity = stream.CanSeek ? (int)stream.Length + 1 : 16 * 1024;
                    using (var buffer = new MemoryStream(initialCapacity))
                    {
                        var chunk = new byte[16 * 1024];
                        int read;
                        while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, MaxFileBytes + 1 - buffer.Length))) > 0)
                        {
                            buffer.Write(chunk, 0, read);
                            if (buffer.Length > MaxFileBytes)
                            {
                                throw TooLarge(path);
                            }
                        }

                        return buffer.ToArray();
                    }
                }
                catch (UnauthorizedAccessException)
                {
                    throw Invalid(path, "cannot be read: access is denied.");
                }
                catch (IOException ex)
                {
                    throw Invalid(path, "cannot be read: " + ex.Message);
                }
            }
        }

        private string DecodeText(byte[] bytes, string origin)
        {
            var offset = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;

            string text;
            try
            {
                text = StrictUtf8.GetString(bytes, offset, bytes.Length - offset);
            }
            catch (DecoderFallbackException)
            {
                throw NotText(origin);
            }

            if (HasForbiddenControlChar(text))
            {
                throw NotText(origin);
            }

            return text;
        }

        // YAML allows no C0 control characters other than tab, LF and CR; NUL is the usual sign of a binary file.
        private static bool HasForbiddenControlChar(string text)
        {
            foreach (var c in text)
            {
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                {
                    return true;
                }
            }

            return false;
        }

        private OrderedMap Parse(string text, string origin, bool allowEmpty)
        {
            var builder = new TreeBuilder(this, origin, allowEmpty);
            var parser = new Parser(new StringReader(text));
            var lastGood = 0L;
            try
            {
                while (parser.MoveNext())
                {
                    builder.Accept(parser.Current!);
                    lastGood = parser.Current!.End.Line;
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is ArgumentException)
            {
                // YamlDotNet's scanner throws these, not a YamlException, for some malformed input: the error is at or
                // after the last line it read well.
                var position = lastGood > 0
                    ? string.Format(CultureInfo.InvariantCulture, " after line {0}{1}", lastGood, KeyOfLine(text, lastGood))
                    : string.Empty;
                throw Invalid(origin, $"is not valid YAML: syntax error{position}.");
            }
            catch (YamlException ex)
            {
                // YamlDotNet's message can quote source text, so only the position is kept, and no inner exception.
                var position = ex.Start.Line > 0
                    ? string.Format(CultureInfo.InvariantCulture, " at line {0}, column {1}{2}", ex.Start.Line, ex.Start.Column, KeyOfLine(text, ex.Start.Line))
                    : string.Empty;
                throw Invalid(origin, $"is not valid YAML: syntax error{position}.");
            }

            return builder.Result();
        }

        /// <summary>
        /// The key a line of the document starts with (" (the line of key 'password')"), so a user finds the line:
        /// the key only, never the rest of the line, which may hold a secret.
        /// </summary>
        private static string KeyOfLine(string text, long line)
        {
            var lines = text.Split('\n');
            if (line < 1 || line > lines.Length)
            {
                return string.Empty;
            }

            var match = System.Text.RegularExpressions.Regex.Match(lines[line - 1], @"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_.-]{0,63})\s*:");
            return match.Success ? $" (the line of key '{match.Groups[1].Value}')" : string.Empty;
        }

        private DataCompassException Invalid(string origin, string rest) =>
            new DataCompassException(_invalid, $"{_noun} '{origin}' {rest}", origin);

        private DataCompassException NotText(string origin) =>
            Invalid(origin, "is not a UTF-8 text file.");

        private DataCompassException TooLarge(string origin) =>
            new DataCompassException(
                _tooLarge,
                string.Format(CultureInfo.InvariantCulture, "{0} '{1}' is larger than the limit of {2} bytes (1 MiB).", _noun, origin, MaxFileBytes),
                origin);

        private static string Line(Mark mark) =>
            mark.Line > 0 ? string.Format(CultureInfo.InvariantCulture, " (line {0})", mark.Line) : string.Empty;

        /// <summary>Renders a key or tag for a message: control characters escaped, length capped.</summary>
        private static string ForMessage(string name)
        {
            var sb = new StringBuilder();
            foreach (var c in name)
            {
                if (sb.Length >= MaxNameLengthInMessage)
                {
                    sb.Append("...");
                    break;
                }

                if (char.IsControl(c))
                {
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append(c);
                }
            }

            return sb.ToString();
        }

        private sealed class Frame
        {
            public Frame(OrderedMap map)
            {
                Map = map;
            }

            public Frame(List<object?> list)
            {
                List = list;
            }

            public OrderedMap? Map { get; }

            public List<object?>? List { get; }

            /// <summary>For a mapping: the key read and still waiting for its value.</summary>
            public string? PendingKey { get; set; }

            public object Container => (object?)Map ?? List!;
        }

        /// <summary>
        /// Builds the tree from the parser's event stream with an explicit stack, so nesting depth costs heap,
        /// not call stack, and every limit is checked before the node is taken.
        /// </summary>
        private sealed class TreeBuilder
        {
            private readonly YamlReader _reader;
            private readonly bool _allowEmpty;
            private readonly string _origin;
            private readonly Stack<Frame> _frames = new Stack<Frame>();
            private int _documents;
            private int _nodes;
            private OrderedMap? _root;

            public TreeBuilder(YamlReader reader, string origin, bool allowEmpty)
            {
                _reader = reader;
                _origin = origin;
                _allowEmpty = allowEmpty;
            }

            public void Accept(ParsingEvent e)
            {
                switch (e)
                {
                    case DocumentStart _:
                        if (++_documents > 1)
                        {
                            throw _reader.Invalid(_origin, $"contains more than one YAML document{Line(e.Start)}; only one is allowed.");
                        }

                        break;
                    case AnchorAlias _:
                        throw AnchorsUnsupported(e.Start);
                    case Scalar scalar:
                        CountNode(scalar);
                        AcceptScalar(scalar);
                        break;
                    case MappingStart mapping:
                        CountNode(mapping);
                        CheckCollectionTag(mapping.Tag, "map", mapping.Start);
                        Open(new Frame(new OrderedMap()), mapping.Start);
                        break;
                    case SequenceStart sequence:
                        CountNode(sequence);
                        CheckCollectionTag(sequence.Tag, "seq", sequence.Start);
                        if (_frames.Count == 0)
                        {
                            throw NotAMapping();
                        }

                        Open(new Frame(new List<object?>()), sequence.Start);
                        break;
                    case MappingEnd _:
                    case SequenceEnd _:
                        Close();
                        break;
                }
            }

            public OrderedMap Result() => _root ?? (_allowEmpty ? new OrderedMap() : throw _reader.Invalid(_origin, "is empty."));

            private void CountNode(NodeEvent node)
            {
                if (!node.Anchor.IsEmpty)
                {
                    throw AnchorsUnsupported(node.Start);
                }

                if (++_nodes > MaxNodes)
                {
                    throw _reader.Invalid(
                        _origin,
                        string.Format(CultureInfo.InvariantCulture, "has more than the limit of {0} YAML nodes{1}.", MaxNodes, Line(node.Start)));
                }
            }

            private void Open(Frame frame, Mark start)
            {
                if (_frames.Count + 1 > MaxDepth)
                {
                    throw _reader.Invalid(
                        _origin,
                        string.Format(CultureInfo.InvariantCulture, "nests mappings and sequences deeper than the limit of {0} levels{1}.", MaxDepth, Line(start)));
                }

                if (_frames.Count > 0 && IsExpectingKey(_frames.Peek()))
                {
                    throw _reader.Invalid(_origin, $"uses a mapping or sequence as a key{Line(start)}; keys must be plain field names.");
                }

                _frames.Push(frame);
            }

            private void Close()
            {
                var frame = _frames.Pop();
                if (_frames.Count == 0)
                {
                    _root = frame.Map;
                }
                else
                {
                    AddValue(_frames.Peek(), frame.Container);
                }
            }

            private void AcceptScalar(Scalar scalar)
            {
                var value = ScalarValue(scalar);

                if (_frames.Count == 0)
                {
                    if (value == null && _allowEmpty)
                    {
                        return;
                    }

                    throw value == null ? _reader.Invalid(_origin, "is empty.") : NotAMapping();
                }

                var top = _frames.Peek();
                if (!IsExpectingKey(top))
                {
                    AddValue(top, value);
                    return;
                }

                if (value == null)
                {
                    throw _reader.Invalid(_origin, $"has an empty (null) key{Line(scalar.Start)}; keys must be field names.");
                }

                if (value == "<<" && scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty)
                {
                    throw AnchorsUnsupported(scalar.Start);
                }

                if (top.Map!.ContainsKey(value))
                {
                    throw _reader.Invalid(_origin, $"has a duplicate key '{ForMessage(value)}'{Line(scalar.Start)}.");
                }

                top.PendingKey = value;
            }

            private string? ScalarValue(Scalar scalar)
            {
                if (scalar.Tag.IsEmpty)
                {
                    return scalar.Style == ScalarStyle.Plain && IsPlainNull(scalar.Value) ? null : scalar.Value;
                }

                switch (scalar.Tag.Value)
                {
                    case YamlTagPrefix + "null":
                        return null;
                    case YamlTagPrefix + "str":
                    case YamlTagPrefix + "int":
                    case YamlTagPrefix + "float":
                    case YamlTagPrefix + "bool":
                        return scalar.Value;
                    default:
                        throw UnsupportedTag(scalar.Tag, scalar.Start);
                }
            }

            private void CheckCollectionTag(TagName tag, string allowed, Mark start)
            {
                if (!tag.IsEmpty && tag.Value != YamlTagPrefix + allowed)
                {
                    throw UnsupportedTag(tag, start);
                }
            }

            private static bool IsPlainNull(string value) =>
                value.Length == 0 || value == "~" || value == "null" || value == "Null" || value == "NULL";

            private static bool IsExpectingKey(Frame frame) => frame.Map != null && frame.PendingKey == null;

            private static void AddValue(Frame frame, object? value)
            {
                if (frame.Map != null)
                {
                    frame.Map.Add(frame.PendingKey!, value);
                    frame.PendingKey = null;
                }
                else
                {
                    frame.List!.Add(value);
                }
            }

            private DataCompassException NotAMapping() =>
                _reader.Invalid(_origin, "must be a mapping of field names to values.");

            private DataCompassException AnchorsUnsupported(Mark start) =>
                _reader.Invalid(_origin, $"uses YAML anchors, aliases or merge keys{Line(start)}; anchors and aliases are not supported.");

            private DataCompassException UnsupportedTag(TagName tag, Mark start) =>
                _reader.Invalid(
                    _origin,
                    $"uses the unsupported tag '{ForMessage(tag.Value)}'{Line(start)}; only !!str, !!int, !!float, !!bool and !!null are allowed.");
        }
    }
}

using System;
using DataCompass.Core.Common;
using DataCompass.Core.Errors;

namespace DataCompass.Core.Storage
{
    /// <summary>A row of <c>data_sources</c>.</summary>
    public sealed class StoredSource
    {
        public long Id { get; init; }

        public string Name { get; init; } = string.Empty;

        public string? DisplayName { get; init; }

        public string SourceType { get; init; } = string.Empty;

        // connection_info is parsed when it is first asked for, not when the row is read: a command that reads many
        // rows before it uses them (Get-DcSource reads to the end first) then holds short JSON strings, not every
        // row's parsed map at once (bench/Measure-Catalog.ps1).
        private bool _parsePending;
        private string? _connectionInfoJson;
        private OrderedMap? _connectionInfo;
        private DataCompassException? _connectionInfoProblem;

        public OrderedMap ConnectionInfo
        {
            get
            {
                ParseConnectionInfo();
                return _connectionInfo!;
            }

            init => _connectionInfo = value;
        }

        /// <summary>
        /// Why the stored connection_info could not be read (then <see cref="ConnectionInfo"/> is empty), so one
        /// damaged row does not hide the rest of the catalog. Null for a readable row.
        /// </summary>
        public DataCompassException? ConnectionInfoProblem
        {
            get
            {
                ParseConnectionInfo();
                return _connectionInfoProblem;
            }

            init => _connectionInfoProblem = value;
        }

        /// <summary>connection_info as stored, to be parsed on first use instead of <see cref="ConnectionInfo"/>.</summary>
        internal string? ConnectionInfoJson
        {
            init
            {
                _connectionInfoJson = value;
                _parsePending = true;
            }
        }

        private void ParseConnectionInfo()
        {
            if (!_parsePending)
            {
                _connectionInfo ??= new OrderedMap();
                return;
            }

            _parsePending = false;
            try
            {
                _connectionInfo = Common.ConnectionInfoJson.Deserialize(_connectionInfoJson ?? string.Empty, Name);
            }
            catch (DataCompassException exception)
            {
                _connectionInfo = new OrderedMap();
                _connectionInfoProblem = exception;
            }

            _connectionInfoJson = null;
        }

        /// <summary>The sync_config JSON text as stored (often the text "null").</summary>
        public string? SyncConfig { get; init; }

        /// <summary>The is_active flag; true unless given, as the Python tool's column defaults.</summary>
        public bool IsActive { get; init; } = true;

        public DateTime? LastScanAt { get; init; }

        public string? LastScanStatus { get; init; }

        public string? LastScanMessage { get; init; }

        public DateTime CreatedAt { get; init; }

        public DateTime UpdatedAt { get; init; }
    }
}

# The catalog database: where it lives, what a new one looks like, the Python tool's databases, a newer schema,
# a file that is not a database, and two writers at once. Every check runs in a fresh child pwsh against a
# throw-away database under $TestDrive; raw SQL uses the module's own Microsoft.Data.Sqlite from deps/.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    # connection_info as Python's json.dumps writes it: ", " and ": " separators, ensure_ascii escapes (\u00e9),
    # nulls and defaults included, and (this being an old row) a plaintext password.
    $script:LegacyJson = '{"host": "caf\u00e9.example.com", "port": 5432, "database": "analytics", "username": "r\u00e9mi", "password": "hunter2-legacy-plaintext", "ssl_mode": "require", "schema_filter": null, "exclude_schemas": ["pg_catalog", "information_schema", "pg_toast"], "connect_timeout": 10, "query_timeout": 300}'

    # The exact DDL of the Python tool (DESIGN.md, "The catalog database").
    $script:PythonDataSourcesDdl = 'CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), ' +
        'source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, ' +
        'last_scan_at DATETIME, last_scan_status VARCHAR(50), last_scan_message TEXT, ' +
        'created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id))'

    # Prepended to every child script: strict errors, Invoke-RawSql, and a RESULT line printed at the end.
    $script:ChildPrologue = @'
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$work = $env:DCTEST_WORK
. $env:DCTEST_RAWSQL

function Get-UnixMode([string] $Path) {
    if ($IsWindows) { return $null }
    [Convert]::ToString([int][IO.File]::GetUnixFileMode($Path), 8)
}

function Get-FileDigest([string] $Folder) {
    # Name, size and hash of every file in a folder (the database and any -wal, -shm, -journal beside it).
    @(Get-ChildItem -Path $Folder -File -Force | Sort-Object Name | ForEach-Object {
        '{0} {1} {2}' -f $_.Name, $_.Length, (Get-FileHash -Algorithm SHA256 -Path $_.FullName).Hash
    })
}

$pgConnection = @{ host = 'db.example.com'; database = 'app'; username = 'alice'; password = '${PG_PASSWORD}' }
try {
'@

    $script:ChildEpilogue = @'

    'RESULT:' + ($result | ConvertTo-Json -Compress -Depth 8)
}
catch {
    "CHILD FAILED: $($_.FullyQualifiedErrorId): $($_.Exception.GetType().FullName): $($_.Exception.Message)"
    "$($_.ScriptStackTrace)"
    exit 1
}
'@

    function Invoke-CatalogChild {
        param([Parameter(Mandatory)] [string] $Body, [hashtable] $Environment = @{}, [string] $Umask)
        $work = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory -Path $work
        # [NullString]::Value unsets a variable in the child; $null would set it to ''.
        $environmentForChild = @{ DCTEST_MODULE = $script:DcModulePath; DATACOMPASS_TEST_MODULE = $script:DcModulePath; DCTEST_RAWSQL = (Join-Path $PSScriptRoot 'RawSql.ps1'); DCTEST_WORK = $work; DATACOMPASS_DATA_DIR = [NullString]::Value }
        foreach ($key in $Environment.Keys) { $environmentForChild[$key] = $Environment[$key] }
        $run = Invoke-ChildPwsh -Script ($script:ChildPrologue + $Body + $script:ChildEpilogue) -Environment $environmentForChild -Umask $Umask
        $line = @($run.Output | Where-Object { $_ -like 'RESULT:*' }) | Select-Object -Last 1
        if ($run.ExitCode -ne 0 -or -not $line) {
            throw "The child pwsh failed (exit code $($run.ExitCode)). Output:`n$($run.Text)"
        }
        $result = $line.Substring('RESULT:'.Length) | ConvertFrom-Json
        $result | Add-Member -NotePropertyName Work -NotePropertyValue $work
        $result | Add-Member -NotePropertyName ChildText -NotePropertyValue $run.Text
        return $result
    }
}

Describe 'Where the catalog database lives' {
    BeforeAll {
        $script:Location = Invoke-CatalogChild -Environment @{ HOME = (Join-Path $TestDrive 'location-home') } -Body @'
    Import-Module $env:DCTEST_MODULE
    $homeDb = Join-Path $HOME '.datacompass/datacompass.db'
    $dataDir = Join-Path $work 'data dir'
    $explicit = Join-Path $work 'explicit/chosen.db'
    $names = { param($Database) @(Get-DcSource -Database $Database | ForEach-Object Name) }

    # No -Database, no DATACOMPASS_DATA_DIR: the Python tool's default under the home folder.
    Remove-Item Env:DATACOMPASS_DATA_DIR -ErrorAction SilentlyContinue
    Add-DcSource -Name 'home-src' -Type postgresql -Connection $pgConnection
    $readHome = @(Get-DcSource | ForEach-Object Name)

    # DATACOMPASS_DATA_DIR beats the home folder.
    $env:DATACOMPASS_DATA_DIR = $dataDir
    Add-DcSource -Name 'env-src' -Type postgresql -Connection $pgConnection
    $readEnv = @(Get-DcSource | ForEach-Object Name)
    $envDatabaseProperty = (Get-DcSource -Name 'env-src').Database

    # -Database beats DATACOMPASS_DATA_DIR.
    Add-DcSource -Name 'explicit-src' -Type postgresql -Connection $pgConnection -Database $explicit
    $readExplicit = @(Get-DcSource -Database $explicit | ForEach-Object Name)

    # A relative -Database is relative to the PowerShell location, not the process's working folder.
    Set-Location -Path $work
    Add-DcSource -Name 'relative-src' -Type postgresql -Connection $pgConnection -Database 'relative/rel.db'
    Remove-Item Env:DATACOMPASS_DATA_DIR
    $readHomeAgain = @(Get-DcSource | ForEach-Object Name)

    $result = @{
        ReadHome = $readHome
        ReadEnv = $readEnv
        ReadExplicit = $readExplicit
        ReadHomeAgain = $readHomeAgain
        EnvDatabaseProperty = $envDatabaseProperty
        ExpectedEnvDatabase = [IO.Path]::GetFullPath((Join-Path $dataDir 'datacompass.db'))
        FolderModes = @(foreach ($folder in (Split-Path $homeDb), $dataDir, (Split-Path $explicit)) {
            if ($IsWindows) { '700' } else { [Convert]::ToString([int][IO.File]::GetUnixFileMode($folder), 8) } })
        InHome = (& $names $homeDb)
        InDataDir = (& $names (Join-Path $dataDir 'datacompass.db'))
        InExplicit = (& $names $explicit)
        InRelative = (& $names (Join-Path $work 'relative/rel.db'))
        DatabaseFiles = @(Get-ChildItem -Path $work, $HOME -Recurse -File -Force -Filter *.db | ForEach-Object FullName | Sort-Object)
        Expected = @($homeDb, (Join-Path $dataDir 'datacompass.db'), $explicit, (Join-Path $work 'relative/rel.db')) | ForEach-Object { [IO.Path]::GetFullPath($_) } | Sort-Object
    }
'@
    }

    It 'uses ~/.datacompass/datacompass.db when neither -Database nor DATACOMPASS_DATA_DIR is given' {
        @($script:Location.InHome) | Should -Be @('home-src')
        @($script:Location.ReadHome) | Should -Be @('home-src')
        @($script:Location.ReadHomeAgain) | Should -Be @('home-src')
    }

    It 'uses $env:DATACOMPASS_DATA_DIR/datacompass.db over the home folder' {
        @($script:Location.InDataDir) | Should -Be @('env-src')
        @($script:Location.ReadEnv) | Should -Be @('env-src')
        $script:Location.EnvDatabaseProperty | Should -Be $script:Location.ExpectedEnvDatabase
    }

    It 'uses -Database over DATACOMPASS_DATA_DIR, relative to the PowerShell location' {
        @($script:Location.InExplicit) | Should -Be @('explicit-src')
        @($script:Location.ReadExplicit) | Should -Be @('explicit-src')
        @($script:Location.InRelative) | Should -Be @('relative-src')
    }

    It 'writes no database anywhere else' {
        @($script:Location.DatabaseFiles) | Should -Be @($script:Location.Expected)
    }

    It 'creates each missing data folder 0700' -Skip:$IsWindows {
        $script:Location.FolderModes | Should -Be @('700', '700', '700')
    }
}

Describe 'A new catalog database' {
    BeforeAll {
        $script:New = Invoke-CatalogChild -Body @'
    Import-Module $env:DCTEST_MODULE
    $folder = Join-Path $work 'fresh/catalog'
    $db = Join-Path $folder 'catalog.db'
    Add-DcSource -Name 'first' -Type postgresql -Connection $pgConnection -Database $db
    $modesAfterAdd = @(Get-ChildItem -Path $folder -File -Force | ForEach-Object { '{0} {1}' -f $_.Name, (Get-UnixMode $_.FullName) })
    $null = Get-DcSource -Database $db
    $modesAfterGet = @(Get-ChildItem -Path $folder -File -Force | ForEach-Object { '{0} {1}' -f $_.Name, (Get-UnixMode $_.FullName) })
    $folderMode = Get-UnixMode $folder

    $result = @{
        Columns = @(Invoke-RawSql -Database $db -Sql 'PRAGMA table_info(data_sources)' | ForEach-Object {
            '{0}|{1}|{2}|{3}' -f $_.name, $_.type, $_.notnull, $_.pk })
        Indexes = @(Invoke-RawSql -Database $db -Sql 'PRAGMA index_list(data_sources)' | Where-Object origin -ne 'pk' | ForEach-Object {
            '{0}|{1}' -f $_.name, $_.unique })
        IndexColumns = @(Invoke-RawSql -Database $db -Sql 'PRAGMA index_info(ix_data_sources_name)' | ForEach-Object name)
        SchemaVersion = @(Invoke-RawSql -Database $db -Sql "SELECT value, typeof(value) AS t FROM dc_schema_info WHERE key = 'schema_version'" |
            ForEach-Object { '{0}|{1}' -f $_.value, $_.t })
        JournalMode = (Invoke-RawSql -Database $db -Sql 'PRAGMA journal_mode').journal_mode
        Row = Invoke-RawSql -Database $db -Sql "SELECT connection_info, sync_config, typeof(sync_config) AS sync_type, is_active, typeof(is_active) AS active_type, created_at, updated_at, display_name FROM data_sources WHERE name = 'first'"
        Tables = @(Invoke-RawSql -Database $db -Sql "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name" | ForEach-Object name)
        FolderMode = $folderMode
        ModesAfterAdd = $modesAfterAdd
        ModesAfterGet = $modesAfterGet
    }
'@
    }

    It 'creates data_sources with exactly the Python tool''s columns' {
        $script:New.Columns | Should -Be @(
            'id|INTEGER|1|1'
            'name|VARCHAR(255)|1|0'
            'display_name|VARCHAR(255)|0|0'
            'source_type|VARCHAR(50)|1|0'
            'connection_info|JSON|1|0'
            'sync_config|JSON|0|0'
            'is_active|BOOLEAN|1|0'
            'last_scan_at|DATETIME|0|0'
            'last_scan_status|VARCHAR(50)|0|0'
            'last_scan_message|TEXT|0|0'
            'created_at|DATETIME|1|0'
            'updated_at|DATETIME|1|0'
        )
    }

    It 'creates the unique index ix_data_sources_name on name, and its own caseless one beside it' {
        $script:New.Indexes | Sort-Object | Should -Be @('ix_data_sources_name|1', 'ix_dc_data_sources_name_nocase|0')
        $script:New.IndexColumns | Should -Be @('name')
    }

    It 'records DataCompass schema version 2 in dc_schema_info' {
        $script:New.SchemaVersion | Should -Be @('3|text')
        $script:New.Tables | Should -Contain 'dc_schema_info'
        @($script:New.Tables | Where-Object { $_ -notin 'data_sources' -and $_ -notlike 'dc_*' -and $_ -notlike 'sqlite_*' }) |
            Should -BeNullOrEmpty -Because 'DataCompass''s own tables carry the dc_ prefix'
    }

    It 'uses WAL journal mode' {
        $script:New.JournalMode | Should -Be 'wal'
    }

    It 'stores connection_info like Python json.dumps, with defaults, nulls and 1/0 booleans' {
        $row = $script:New.Row
        $row.connection_info | Should -BeExactly '{"host": "db.example.com", "port": 5432, "database": "app", "username": "alice", "password": "${PG_PASSWORD}", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": ["pg_catalog", "information_schema", "pg_toast"], "connect_timeout": 10, "query_timeout": 300}'
        $row.sync_config | Should -BeExactly 'null'
        $row.is_active | Should -Be 1
        $row.active_type | Should -Be 'integer'
        $row.display_name | Should -BeNullOrEmpty
        $row.created_at | Should -Match '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$' -Because 'SQLAlchemy writes DATETIME as YYYY-MM-DD HH:MM:SS.ffffff'
        $row.updated_at | Should -Be $row.created_at
    }

    It 'creates the file 0600 (and its -wal/-shm) in a 0700 folder' -Skip:$IsWindows {
        $script:New.FolderMode | Should -Be '700'
        $script:New.ModesAfterAdd | Should -Contain 'catalog.db 600'
        foreach ($entry in @($script:New.ModesAfterAdd) + @($script:New.ModesAfterGet)) {
            $entry | Should -Match ' 600$' -Because 'every file of the catalog holds catalog data'
        }
    }
}

Describe 'Folders and files created under umask 000' -Skip:$IsWindows {
    BeforeAll {
        # The child runs under a permissive umask, so only the modes DataCompass asks for protect what it creates.
        $script:Umask = Invoke-CatalogChild -Umask '000' -Body @'
    Import-Module $env:DCTEST_MODULE
    $umask = (& /bin/sh -c umask)
    Set-Location $work
    Add-DcSource -Name 'first' -Type postgresql -Connection $pgConnection -Database 'a/b/c.db'
    $null = Get-DcSource -Database 'a/b/c.db'
    $env:DATACOMPASS_DATA_DIR = Join-Path $work 'k/l'
    $null = New-DcEncryptionKey
    $null = Set-DcConfig -SecretNameTemplate 'DC-{source}-{field}'
    $result = @{
        Umask = $umask
        Modes = @(foreach ($path in 'a', 'a/b', 'a/b/c.db', 'a/b/c.db-wal', 'a/b/c.db-shm', 'k', 'k/l', 'k/l/key', 'k/l/config.yaml') {
            '{0} {1}' -f $path, $(if (Test-Path $path) { Get-UnixMode (Join-Path $work $path) } else { 'missing' }) })
    }
'@
    }

    It 'really ran under umask 000' {
        $script:Umask | Should -Not -BeNullOrEmpty
        $script:Umask.Umask | Should -Match '^0*$'
    }

    It 'creates every folder 0700 and every file 0600' {
        $script:Umask.Modes | Should -Be @('a 700', 'a/b 700', 'a/b/c.db 600', 'a/b/c.db-wal 600', 'a/b/c.db-shm 600', 'k 700', 'k/l 700', 'k/l/key 600', 'k/l/config.yaml 600')
    }
}

Describe 'A database written by the Python tool' {
    BeforeAll {
        $script:Python = Invoke-CatalogChild -Environment @{ DCTEST_DDL = $script:PythonDataSourcesDdl; DCTEST_LEGACY_JSON = $script:LegacyJson } -Body @'
    $db = Join-Path $work 'datacompass.db'
    # Exactly as the Python tool (SQLAlchemy) leaves it: rollback journal, no alembic_version, no dc_ tables.
    $null = Invoke-RawSql -Database $db -Sql $env:DCTEST_DDL
    $null = Invoke-RawSql -Database $db -Sql 'CREATE UNIQUE INDEX ix_data_sources_name ON data_sources (name)'
    $null = Invoke-RawSql -Database $db -Sql ('CREATE TABLE catalog_objects (id INTEGER NOT NULL, source_id INTEGER NOT NULL, ' +
        'object_type VARCHAR(50) NOT NULL, schema_name VARCHAR(255), object_name VARCHAR(255) NOT NULL, created_at DATETIME NOT NULL, ' +
        'PRIMARY KEY (id), FOREIGN KEY(source_id) REFERENCES data_sources (id) ON DELETE CASCADE)')
    $legacyJson = $env:DCTEST_LEGACY_JSON
    $null = Invoke-RawSql -Database $db -Sql ('INSERT INTO data_sources (id, name, display_name, source_type, connection_info, sync_config, is_active, ' +
        'last_scan_at, last_scan_status, last_scan_message, created_at, updated_at) VALUES (7, ''legacy'', $display, ''postgresql'', $info, ''null'', 1, ' +
        'NULL, NULL, NULL, ''2024-01-02 03:04:05'', ''2024-01-02 03:04:05.123456'')') -Parameters @{ '$display' = 'Legacy Café'; '$info' = $legacyJson }
    $null = Invoke-RawSql -Database $db -Sql "INSERT INTO catalog_objects (id, source_id, object_type, schema_name, object_name, created_at) VALUES (1, 7, 'table', 'public', 'orders', '2024-01-02 03:04:05')"

    $state = {
        @{
            InfoHex = @(Invoke-RawSql -Database $db -Sql 'SELECT hex(connection_info) AS h FROM data_sources WHERE id = 7' | ForEach-Object h)
            Timestamps = @(Invoke-RawSql -Database $db -Sql 'SELECT created_at, updated_at, sync_config, is_active FROM data_sources WHERE id = 7' |
                ForEach-Object { '{0}|{1}|{2}|{3}' -f $_.created_at, $_.updated_at, $_.sync_config, $_.is_active })
            Ddl = @(Invoke-RawSql -Database $db -Sql "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('data_sources', 'catalog_objects') ORDER BY name" |
                ForEach-Object { '{0}|{1}|{2}' -f $_.type, $_.name, $_.sql })
            Tables = @(Invoke-RawSql -Database $db -Sql "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name" | ForEach-Object name)
            CatalogObjects = @(Invoke-RawSql -Database $db -Sql 'SELECT source_id, object_name FROM catalog_objects' | ForEach-Object { '{0}|{1}' -f $_.source_id, $_.object_name })
            Names = @(Invoke-RawSql -Database $db -Sql 'SELECT name FROM data_sources ORDER BY name' | ForEach-Object name)
        }
    }
    $before = & $state
    $beforeDigest = Get-FileDigest $work

    Import-Module $env:DCTEST_MODULE
    $read = Get-DcSource -Database $db
    $readJson = $read | ConvertTo-Json -Depth 6
    $readDigest = Get-FileDigest $work
    $source = @($read)[0]
    $described = @{
        Count = @($read).Count
        Name = $source.Name
        DisplayName = $source.DisplayName
        Type = $source.Type
        Id = $source.Id
        IsActive = $source.IsActive
        CreatedAt = $source.CreatedAt.ToString('yyyy-MM-dd HH:mm:ss.ffffff', [cultureinfo]::InvariantCulture)
        CreatedKind = $source.CreatedAt.Kind.ToString()
        UpdatedAt = $source.UpdatedAt.ToString('yyyy-MM-dd HH:mm:ss.ffffff', [cultureinfo]::InvariantCulture)
        UpdatedKind = $source.UpdatedAt.Kind.ToString()
        HasPlaintextSecret = $source.HasPlaintextSecret
        Fields = @($source.Fields | ForEach-Object { '{0}|{1}|{2}|{3}' -f $_.Name, ($_.Value -join ','), $_.Provenance, $_.IsSecret })
        Leaked = $readJson.Contains('hunter2-legacy-plaintext') -or ($source | Format-List * | Out-String).Contains('hunter2-legacy-plaintext')
    }

    Add-DcSource -Name 'modern' -Type postgresql -Connection $pgConnection -Database $db -AllowPlaintext:$false
    $after = & $state
    $afterJournal = (Invoke-RawSql -Database $db -Sql 'PRAGMA journal_mode').journal_mode

    Remove-DcSource -Name 'legacy' -Database $db -Confirm:$false
    $afterRemove = & $state

    $result = @{
        Before = $before; After = $after; AfterRemove = $afterRemove; Described = $described
        DigestUnchangedByRead = (($beforeDigest -join "`n") -eq ($readDigest -join "`n"))
        AfterJournal = $afterJournal
    }
'@
    }

    It 'reads the row: display name, type, timestamps with and without microseconds' {
        $d = $script:Python.Described
        $d.Count | Should -Be 1
        $d.Name | Should -Be 'legacy'
        $d.Id | Should -Be 7
        $d.DisplayName | Should -BeExactly 'Legacy Café'
        $d.Type | Should -Be 'postgresql'
        $d.IsActive | Should -BeTrue
        $d.CreatedAt | Should -Be '2024-01-02 03:04:05.000000'
        $d.UpdatedAt | Should -Be '2024-01-02 03:04:05.123456'
        $d.CreatedKind | Should -Be 'Utc' -Because 'SQLAlchemy stores UTC without a zone'
        $d.UpdatedKind | Should -Be 'Utc'
    }

    It 'decodes json.dumps escapes and shows the plaintext password as Plaintext, masked' {
        $d = $script:Python.Described
        $d.Fields | Should -Contain 'host|café.example.com|Literal|False'
        $d.Fields | Should -Contain 'username|rémi|Literal|False'
        $d.Fields | Should -Contain 'port|5432|Literal|False'
        $d.Fields | Should -Contain 'schema_filter||None|False'
        $d.Fields | Should -Contain 'exclude_schemas|pg_catalog,information_schema,pg_toast|Literal|False'
        @($d.Fields | Where-Object { $_ -like 'password|*' }) | Should -Be @('password|********|Plaintext|True')
        $d.HasPlaintextSecret | Should -BeTrue
        $d.Leaked | Should -BeFalse -Because 'Get-DcSource never shows a secret value'
    }

    It 'reads without changing the file' {
        $script:Python.DigestUnchangedByRead | Should -BeTrue
    }

    It 'adds a second source without touching the Python row or the table definitions' {
        $before = $script:Python.Before
        $after = $script:Python.After
        # The fixture is what it claims to be: the ASCII bytes of the json.dumps text, three schema objects.
        $before.InfoHex | Should -Be @(([Text.Encoding]::UTF8.GetBytes($script:LegacyJson) | ForEach-Object { $_.ToString('X2') }) -join '')
        $before.Ddl | Should -HaveCount 3
        $after.Names | Should -Be @('legacy', 'modern')
        $after.InfoHex | Should -BeExactly $before.InfoHex
        $after.Timestamps | Should -Be $before.Timestamps
        # Its only addition is DataCompass's caseless name index, which the Python tool's SQLite reads like any other.
        @($after.Ddl | Where-Object { $_ -notin $before.Ddl }) |
            Should -Be @('index|ix_dc_data_sources_name_nocase|CREATE INDEX ix_dc_data_sources_name_nocase ON data_sources (name COLLATE NOCASE)')
        @($after.Ddl | Where-Object { $_ -in $before.Ddl }) | Should -Be $before.Ddl
        $after.CatalogObjects | Should -Be @('7|orders')
        $after.Tables | Should -Contain 'catalog_objects'
        $after.Tables | Should -Not -Contain 'alembic_version'
        @($after.Tables | Where-Object { $_ -notin $before.Tables }) | ForEach-Object { $_ | Should -BeLike 'dc_*' }
    }

    It 'removing a source cascades to the Python tool''s catalog_objects' {
        $script:Python.AfterRemove.Names | Should -Be @('modern')
        $script:Python.AfterRemove.CatalogObjects | Should -BeNullOrEmpty
        $script:Python.AfterRemove.Ddl | Should -Be $script:Python.After.Ddl
    }
}

Describe 'A database from a newer DataCompass' {
    BeforeAll {
        $script:Newer = Invoke-CatalogChild -Body @'
    Import-Module $env:DCTEST_MODULE
    $folder = Join-Path $work 'newer'
    $db = Join-Path $folder 'datacompass.db'
    Add-DcSource -Name 'existing' -Type postgresql -Connection $pgConnection -Database $db
    $null = Invoke-RawSql -Database $db -Sql "UPDATE dc_schema_info SET value = '99' WHERE key = 'schema_version'"
    # Back to a rollback journal, so that a premature 'PRAGMA journal_mode = WAL' would show in the file header.
    $null = Invoke-RawSql -Database $db -Sql 'PRAGMA journal_mode = DELETE'
    $before = Get-FileDigest $folder

    $addErrors = $null
    Add-DcSource -Name 'refused' -Type postgresql -Connection $pgConnection -Database $db -ErrorVariable addErrors -ErrorAction SilentlyContinue
    $afterAdd = Get-FileDigest $folder

    $removeError = $null
    try { Remove-DcSource -Name 'existing' -Database $db -Confirm:$false -ErrorAction Stop } catch { $removeError = $_ }
    $afterRemove = Get-FileDigest $folder

    $read = @(Get-DcSource -Database $db | ForEach-Object Name)
    $afterRead = Get-FileDigest $folder

    $result = @{
        Before = $before; AfterAdd = $afterAdd; AfterRemove = $afterRemove; AfterRead = $afterRead
        AddErrors = @($addErrors | ForEach-Object { '{0}|{1}|{2}' -f $_.FullyQualifiedErrorId, $_.CategoryInfo.Category, $_.Exception.GetType().Name })
        AddMessage = @($addErrors | ForEach-Object { $_.Exception.Message }) -join ' '
        RemoveError = if ($removeError) { '{0}|{1}' -f $removeError.FullyQualifiedErrorId, $removeError.CategoryInfo.Category } else { $null }
        Read = $read
        Version = (Invoke-RawSql -Database $db -Sql "SELECT value FROM dc_schema_info WHERE key = 'schema_version'").value
    }
'@
    }

    It 'refuses Add-DcSource with DcDatabaseVersionUnsupported (InvalidOperation)' {
        $script:Newer.AddErrors | Should -Be @("$(Get-DcErrorId 'DcDatabaseVersionUnsupported' 'Add-DcSource')|InvalidOperation|InvalidOperationException")
        $script:Newer.AddMessage | Should -Match '99'
    }

    It 'leaves the file byte-identical' {
        $script:Newer.Before | Should -Not -BeNullOrEmpty
        $script:Newer.AfterAdd | Should -Be $script:Newer.Before
        $script:Newer.Version | Should -Be '99'
    }

    It 'refuses Remove-DcSource too, without changing the file' {
        $script:Newer.RemoveError | Should -Be "$(Get-DcErrorId 'DcDatabaseVersionUnsupported' 'Remove-DcSource')|InvalidOperation"
        $script:Newer.AfterRemove | Should -Be $script:Newer.Before
    }

    It 'still reads it with Get-DcSource' {
        $script:Newer.Read | Should -Be @('existing')
        $script:Newer.AfterRead | Should -Be $script:Newer.Before
    }
}

Describe 'A data_sources table that another application created' {
    BeforeAll {
        $script:Foreign = Invoke-CatalogChild -Body @'
    Import-Module $env:DCTEST_MODULE
    $folder = Join-Path $work 'foreign'
    $null = New-Item -ItemType Directory -Path $folder
    $db = Join-Path $folder 'datacompass.db'
    # Same table name, another shape, in a rollback journal: switching to WAL would show in the file header.
    $null = Invoke-RawSql -Database $db -Sql "CREATE TABLE data_sources (uuid TEXT PRIMARY KEY, label TEXT NOT NULL, dsn TEXT); INSERT INTO data_sources VALUES ('a1', 'warehouse', 'x');"
    $journalBefore = (Invoke-RawSql -Database $db -Sql 'PRAGMA journal_mode' -ReadOnly).journal_mode
    $before = Get-FileDigest $folder

    $addErrors = $null
    Add-DcSource -Name 'mine' -Type postgresql -Connection $pgConnection -Database $db -ErrorVariable addErrors -ErrorAction SilentlyContinue
    $afterAdd = Get-FileDigest $folder

    $result = @{
        Before = $before; AfterAdd = $afterAdd
        JournalBefore = $journalBefore
        JournalAfter = (Invoke-RawSql -Database $db -Sql 'PRAGMA journal_mode' -ReadOnly).journal_mode
        AddErrors = @($addErrors | ForEach-Object { '{0}|{1}' -f $_.FullyQualifiedErrorId, $_.CategoryInfo.Category })
        AddMessage = @($addErrors | ForEach-Object { $_.Exception.Message }) -join ' '
        Tables = @(Invoke-RawSql -Database $db -Sql "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name" -ReadOnly | ForEach-Object name)
    }
'@
    }

    It 'refuses Add-DcSource with DcDatabaseInvalid naming the missing columns' {
        $script:Foreign.AddErrors | Should -Be @("$(Get-DcErrorId 'DcDatabaseInvalid' 'Add-DcSource')|InvalidData")
        $script:Foreign.AddMessage | Should -BeLike '*data_sources*connection_info*'
    }

    It 'leaves the file byte-identical, in its rollback journal mode, with no table added' {
        $script:Foreign.Before | Should -Not -BeNullOrEmpty
        $script:Foreign.AfterAdd | Should -Be $script:Foreign.Before
        $script:Foreign.JournalBefore | Should -Be 'delete'
        $script:Foreign.JournalAfter | Should -Be 'delete'
        $script:Foreign.Tables | Should -Be @('data_sources')
    }
}

Describe 'A file that is not a database' {
    BeforeAll {
        $script:Junk = Invoke-CatalogChild -Body @'
    Import-Module $env:DCTEST_MODULE
    $folder = Join-Path $work 'junk'
    $null = New-Item -ItemType Directory -Path $folder
    $db = Join-Path $folder 'datacompass.db'
    Set-Content -Path $db -Value ((1..40 | ForEach-Object { "line $_ of a text file that is certainly not an SQLite database" }) -join "`n")
    $before = Get-FileDigest $folder

    $getError = $null
    $getTerminated = $false
    $ErrorActionPreference = 'Continue'
    try {
        # No -ErrorAction: only a terminating error reaches the catch block.
        $null = Get-DcSource -Database $db 2>$null
    }
    catch {
        $getTerminated = $true
        $getError = $_
    }
    $addErrors = $null
    Add-DcSource -Name 'onto-junk' -Type postgresql -Connection $pgConnection -Database $db -ErrorVariable addErrors -ErrorAction SilentlyContinue
    $ErrorActionPreference = 'Stop'

    $result = @{
        Before = $before
        After = Get-FileDigest $folder
        GetTerminated = $getTerminated
        GetError = if ($getError) { '{0}|{1}' -f $getError.FullyQualifiedErrorId, $getError.CategoryInfo.Category } else { $null }
        AddErrors = @($addErrors | ForEach-Object { '{0}|{1}' -f $_.FullyQualifiedErrorId, $_.CategoryInfo.Category })
    }
'@
    }

    It 'makes Get-DcSource fail with a terminating DcDatabaseInvalid' {
        $script:Junk.GetTerminated | Should -BeTrue
        $script:Junk.GetError | Should -Be "$(Get-DcErrorId 'DcDatabaseInvalid' 'Get-DcSource')|InvalidData"
    }

    It 'makes Add-DcSource report DcDatabaseInvalid' {
        $script:Junk.AddErrors | Should -Be @("$(Get-DcErrorId 'DcDatabaseInvalid' 'Add-DcSource')|InvalidData")
    }

    It 'leaves the file (and its folder) unchanged' {
        $script:Junk.Before | Should -HaveCount 1
        $script:Junk.After | Should -Be $script:Junk.Before
    }
}

Describe 'Two processes writing at once' {
    BeforeAll {
        $script:ConcurrencyWork = Join-Path $TestDrive 'concurrency'
        $null = New-Item -ItemType Directory -Path $script:ConcurrencyWork
        $script:ConcurrencyDb = Join-Path $script:ConcurrencyWork 'shared/datacompass.db'
        $workerScript = Join-Path $script:ConcurrencyWork 'worker.ps1'
        Set-Content -Path $workerScript -Value @'
$ErrorActionPreference = 'Stop'
$work = $env:DCTEST_WORK
$me = $env:DCTEST_WORKER
$failures = [System.Collections.Generic.List[string]]::new()
$started = 0
try {
    Import-Module $env:DCTEST_MODULE
    Set-Content -Path (Join-Path $work "ready-$me") -Value ''
    # Start line: both workers begin adding at the same instant, onto a database that does not exist yet.
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path (Join-Path $work 'go'))) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'The start signal never came.' }
        Start-Sleep -Milliseconds 5
    }
    $started = [DateTime]::UtcNow.Ticks
    foreach ($i in 1..25) {
        $connection = @{ host = "host-$me-$i.example.com"; database = 'app'; username = 'svc'; password = '${PG_PASSWORD}' }
        try {
            Add-DcSource -Name "$me-$i" -Type postgresql -Connection $connection -Database $env:DCTEST_DB -ErrorAction Stop
        }
        catch {
            $failures.Add("$me-$i $($_.FullyQualifiedErrorId): $($_.Exception.Message)")
        }
    }
}
catch {
    $failures.Add("worker $me $($_.FullyQualifiedErrorId): $($_.Exception.Message)")
}
@{ Worker = $me; Failures = @($failures); Started = $started; Finished = [DateTime]::UtcNow.Ticks } | ConvertTo-Json | Set-Content -Path (Join-Path $work "result-$me.json")
exit $failures.Count
'@

        # The same launcher as Invoke-ChildPwsh: under 'dotnet pwsh' this process is dotnet, so name pwsh.dll.
        $exe = [Environment]::ProcessPath
        $prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
        $script:Workers = foreach ($worker in 'alpha', 'beta') {
            $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
            foreach ($argument in @($prefix) + @('-NoProfile', '-NonInteractive', '-File', $workerScript)) { $info.ArgumentList.Add($argument) }
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.Environment['DCTEST_MODULE'] = $script:DcModulePath
            $info.Environment['DCTEST_WORK'] = $script:ConcurrencyWork
            $info.Environment['DCTEST_DB'] = $script:ConcurrencyDb
            $info.Environment['DCTEST_WORKER'] = $worker
            $info.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
            $process = [System.Diagnostics.Process]::Start($info)
            [pscustomobject]@{
                Name = $worker
                Process = $process
                Stdout = $process.StandardOutput.ReadToEndAsync()
                Stderr = $process.StandardError.ReadToEndAsync()
            }
        }

        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (@($script:Workers | Where-Object { -not (Test-Path (Join-Path $script:ConcurrencyWork "ready-$($_.Name)")) }).Count -gt 0) {
            if ([DateTime]::UtcNow -gt $deadline -or @($script:Workers | Where-Object { $_.Process.HasExited }).Count -gt 0) { break }
            Start-Sleep -Milliseconds 20
        }
        Set-Content -Path (Join-Path $script:ConcurrencyWork 'go') -Value ''
        foreach ($worker in $script:Workers) {
            if (-not $worker.Process.WaitForExit(120000)) { $worker.Process.Kill($true) }
            $worker.Process.WaitForExit()
        }

        $script:Verify = Invoke-CatalogChild -Environment @{ DCTEST_DB = $script:ConcurrencyDb } -Body @'
    Import-Module $env:DCTEST_MODULE
    $result = @{
        Names = @(Get-DcSource -Database $env:DCTEST_DB | ForEach-Object Name)
        Rows = (Invoke-RawSql -Database $env:DCTEST_DB -Sql 'SELECT count(*) AS n, count(DISTINCT id) AS ids FROM data_sources')
        Integrity = @(Invoke-RawSql -Database $env:DCTEST_DB -Sql 'PRAGMA integrity_check' | ForEach-Object integrity_check)
    }
'@
    }

    AfterAll {
        foreach ($worker in $script:Workers) { if (-not $worker.Process.HasExited) { $worker.Process.Kill($true) } }
    }

    It 'both workers finish without any error' {
        foreach ($worker in $script:Workers) {
            $detail = "$($worker.Name): $($worker.Stdout.Result) $($worker.Stderr.Result)"
            $resultFile = Join-Path $script:ConcurrencyWork "result-$($worker.Name).json"
            $resultFile | Should -Exist -Because $detail
            $report = Get-Content -Raw $resultFile | ConvertFrom-Json
            @($report.Failures) | Should -BeNullOrEmpty -Because "worker $($worker.Name) must not fail on a busy database"
            $worker.Process.ExitCode | Should -Be 0 -Because $detail
            $worker.Stderr.Result | Should -BeNullOrEmpty
        }
    }

    It 'ran the two workers'' loops at the same time' {
        $alpha = Get-Content -Raw (Join-Path $script:ConcurrencyWork 'result-alpha.json') | ConvertFrom-Json
        $beta = Get-Content -Raw (Join-Path $script:ConcurrencyWork 'result-beta.json') | ConvertFrom-Json
        $alpha.Started | Should -BeGreaterThan 0
        $beta.Started | Should -BeGreaterThan 0
        $alpha.Started | Should -BeLessThan $beta.Finished
        $beta.Started | Should -BeLessThan $alpha.Finished
    }

    It 'keeps all 50 rows, none lost or duplicated' {
        $expected = foreach ($worker in 'alpha', 'beta') { foreach ($i in 1..25) { "$worker-$i" } }
        @($script:Verify.Names | Sort-Object) | Should -Be @($expected | Sort-Object)
        $script:Verify.Rows.n | Should -Be 50
        $script:Verify.Rows.ids | Should -Be 50
        $script:Verify.Integrity | Should -Be @('ok')
    }
}

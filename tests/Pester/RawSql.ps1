# Raw SQL on a catalog file, for tests that must look past the module (stored bytes, fixtures written the
# Python tool's way). Dot-source it; child scripts dot-source it by path too. It loads the module's own
# Microsoft.Data.Sqlite from deps/ into this session's default load context, which DataCompass never uses.

$script:RawSqlReady = $false

function Initialize-RawSql {
    if ($script:RawSqlReady) { return }
    $modulePath = Get-Variable -Name DcModulePath -Scope Script -ValueOnly -ErrorAction Ignore
    if (-not $modulePath) { $modulePath = $env:DATACOMPASS_TEST_MODULE }
    $deps = Join-Path (Split-Path -Parent (Resolve-Path -LiteralPath $modulePath).Path) 'deps'
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $architecture = [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
    $native = if ($IsWindows) { 'e_sqlite3.dll' } elseif ($IsMacOS) { 'libe_sqlite3.dylib' } else { 'libe_sqlite3.so' }
    # Loaded by full path first, the library is then found by name when the provider imports 'e_sqlite3'.
    $null = [Runtime.InteropServices.NativeLibrary]::Load((Join-Path $deps "runtimes/$os-$architecture/native/$native"))
    foreach ($assembly in 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3', 'SQLitePCLRaw.batteries_v2', 'Microsoft.Data.Sqlite') {
        Add-Type -Path (Join-Path $deps "$assembly.dll")
    }
    [SQLitePCL.Batteries_V2]::Init()
    $script:RawSqlReady = $true
}

function Invoke-RawSql {
    <#
    .SYNOPSIS
        Runs SQL (several statements allowed) on a database file and returns the rows of every result set as
        objects. Foreign keys are on, as the module has them.
    #>
    param(
        [Parameter(Mandatory)] [string] $Database,
        [Parameter(Mandatory)] [string] $Sql,
        [hashtable] $Parameters = @{},
        [switch] $ReadOnly
    )
    Initialize-RawSql
    $builder = [Microsoft.Data.Sqlite.SqliteConnectionStringBuilder]::new()
    $builder.DataSource = $Database
    $builder.Pooling = $false
    # The builder is a dictionary to PowerShell: a property assignment sets a keyword, so use the keyword's name.
    $builder['Foreign Keys'] = $true
    $builder.Mode = if ($ReadOnly) { [Microsoft.Data.Sqlite.SqliteOpenMode]::ReadOnly } else { [Microsoft.Data.Sqlite.SqliteOpenMode]::ReadWriteCreate }
    $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new($builder.ToString())
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = 'PRAGMA busy_timeout = 10000;'
        $null = $command.ExecuteNonQuery()
        $command.CommandText = $Sql
        foreach ($key in $Parameters.Keys) {
            $value = if ($null -eq $Parameters[$key]) { [DBNull]::Value } else { $Parameters[$key] }
            $null = $command.Parameters.AddWithValue($key, $value)
        }
        $reader = $command.ExecuteReader()
        try {
            do {
                while ($reader.Read()) {
                    $row = [ordered]@{}
                    for ($i = 0; $i -lt $reader.FieldCount; $i++) {
                        $row[$reader.GetName($i)] = if ($reader.IsDBNull($i)) { $null } else { $reader.GetValue($i) }
                    }
                    [pscustomobject]$row
                }
            } while ($reader.NextResult())
        }
        finally {
            $reader.Dispose()
        }
    }
    finally {
        $connection.Dispose()
    }
}

function Invoke-RawSqlHolding {
    <#
    .SYNOPSIS
        Another process using the catalog: opens it and keeps a read transaction open for $Seconds.
    #>
    param([Parameter(Mandatory)] [string] $Database, [int] $Seconds = 20, [string] $Ready)
    Initialize-RawSql
    $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$Database;Pooling=False")
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = 'BEGIN; SELECT count(*) FROM data_sources;'
        $null = $command.ExecuteScalar()
        if ($Ready) { Set-Content -Path $Ready -Value 'open' }
        Start-Sleep -Seconds $Seconds
    }
    finally {
        $connection.Dispose()
    }
}

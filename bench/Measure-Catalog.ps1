<#
.SYNOPSIS
    Catalog storage costs: Add-DcSource, Get-DcSource, Test-DcSource and Get-DcSourceConnection against plain
    Microsoft.Data.Sqlite loops in the same pwsh, growth from 1,000 to 10,000 sources, and per-command fixed cost.
.DESCRIPTION
    Runs in a child pwsh with a private HOME. The baselines use the module's own Microsoft.Data.Sqlite (loaded from
    deps/ into the default load context, as tests/Pester/RawSql.ps1 does) from PowerShell script code, as a user
    would write them:
      - Add: one Add-DcSource pipeline of -Sources objects into a new catalog, against a parameterized INSERT loop,
        one immediate transaction a row, on one open WAL connection. Target ratio <= 2.
      - Get all: Get-DcSource over -LargeSources, against SELECT * and a System.Text.Json parse of every row's
        connection_info. Target <= 2.
      - Get one: -Calls calls of Get-DcSource -Name <one> at -LargeSources, against as many open + indexed
        SELECT + parse + close. Target <= 3.
      - Get 1 %: Get-DcSource -Name 'src-001*' (100 of 10,000) against a GLOB SELECT + parse.
      - Growth: each command's time at -LargeSources over its time at -Sources, divided by the size ratio
        (1.0 is linear).
      - Fixed cost: 200 single-name calls against one call with the same 200 names.
      - Peak working set: a fresh pwsh that imports the module and runs Get-DcSource over -LargeSources, against
        a fresh pwsh that imports it and runs the SELECT + parse loop.
    Every figure is the median of -Repeat runs; the sides alternate.
.EXAMPLE
    dotnet pwsh ./bench/Measure-Catalog.ps1                  # -Sources 1000 -LargeSources 10000 -Repeat 3
#>
param(
    [int] $Sources = 1000,
    [int] $LargeSources = 10000,
    [int] $Repeat = 3,
    [int] $Calls = 50,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataCompass/DataCompass.psd1'),
    [string] $Probe,
    [string] $Database,
    [switch] $Inner
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot

if (-not $Inner) {
    . (Join-Path $PSScriptRoot 'PrivateHome.ps1')
    exit (Invoke-InPrivateHome -ScriptPath $PSCommandPath -Parameters @{
            Sources = $Sources; LargeSources = $LargeSources; Repeat = $Repeat; Calls = $Calls; ModulePath = (Resolve-Path $ModulePath).Path })
}

Import-Module $ModulePath
$DcModulePath = $ModulePath
. (Join-Path $root 'tests/Pester/RawSql.ps1')
Initialize-RawSql
$env:DC_BENCH_PASSWORD = 'bench-password'

function Get-Median([double[]] $values) { $sorted = $values | Sort-Object; $sorted[[int][Math]::Floor($sorted.Count / 2)] }
function Time([scriptblock] $block) { (Measure-Command $block).TotalMilliseconds }

function Open-Raw([string] $path, [switch] $ReadOnly) {
    $builder = [Microsoft.Data.Sqlite.SqliteConnectionStringBuilder]::new()
    $builder.DataSource = $path
    $builder.Pooling = $false
    $builder.Mode = if ($ReadOnly) { [Microsoft.Data.Sqlite.SqliteOpenMode]::ReadOnly } else { [Microsoft.Data.Sqlite.SqliteOpenMode]::ReadWrite }
    $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new($builder.ToString())
    $connection.Open()
    $connection
}

function Read-Raw($connection, [string] $sql, [hashtable] $parameters = @{}) {
    # The baseline's read: every column of each row, connection_info parsed as JSON.
    $command = $connection.CreateCommand()
    $command.CommandText = $sql
    foreach ($key in $parameters.Keys) { $null = $command.Parameters.AddWithValue($key, $parameters[$key]) }
    $reader = $command.ExecuteReader()
    $ordinal = $reader.GetOrdinal('connection_info')
    $count = 0
    while ($reader.Read()) {
        $values = [object[]]::new($reader.FieldCount)
        $null = $reader.GetValues($values)
        $document = [System.Text.Json.JsonDocument]::Parse($reader.GetString($ordinal))
        $document.Dispose()
        $count++
    }
    $reader.Dispose()
    $command.Dispose()
    $count
}

if ($Probe) {
    # A fresh process for the peak working set of one full read.
    if ($Probe -eq 'dc') { Get-DcSource -Database $Database | Out-Null }
    else { $c = Open-Raw $Database -ReadOnly; $null = Read-Raw $c 'SELECT * FROM data_sources ORDER BY name;'; $c.Dispose() }
    [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64
    return
}

$connection = @{ host = 'db.example.com'; port = 5432; database = 'sales'; username = 'app'; password = '${DC_BENCH_PASSWORD}' }
function New-Items([int] $count) {
    foreach ($i in 0..($count - 1)) { [pscustomobject]@{ Name = 'src-{0:d5}' -f $i; Type = 'postgresql'; Connection = $connection } }
}
function New-Database { Join-Path $env:HOME ("bench-{0}.db" -f [guid]::NewGuid().ToString('n').Substring(0, 8)) }

function Measure-RawInsert([int] $count) {
    # A catalog with DataCompass's tables (one Add), then the plain loop: one immediate transaction a row.
    $path = New-Database
    Add-DcSource -Database $path -Name seed -Type postgresql -Connection $connection
    $json = '{"host": "db.example.com", "port": 5432, "database": "sales", "username": "app", "password": "${DC_BENCH_PASSWORD}"}'
    $c = Open-Raw $path
    $pragma = $c.CreateCommand(); $pragma.CommandText = 'PRAGMA busy_timeout = 15000;'; $null = $pragma.ExecuteNonQuery()
    $elapsed = Time {
        foreach ($i in 0..($count - 1)) {
            $transaction = $c.BeginTransaction($false)
            $command = $c.CreateCommand()
            $command.Transaction = $transaction
            $command.CommandText = "INSERT INTO data_sources (name, display_name, source_type, connection_info, sync_config, is_active, created_at, updated_at) " +
            "VALUES (`$name, NULL, 'postgresql', `$info, 'null', 1, `$now, `$now);"
            $null = $command.Parameters.AddWithValue('$name', ('raw-{0:d5}' -f $i))
            $null = $command.Parameters.AddWithValue('$info', $json)
            $null = $command.Parameters.AddWithValue('$now', [DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm:ss.ffffff'))
            $null = $command.ExecuteNonQuery()
            $transaction.Commit()
            $command.Dispose()
        }
    }
    $c.Dispose()
    $elapsed
}

# Warm-up, not timed: loads the core and native SQLite, and JITs the paths measured below.
$warm = New-Database
# 300 adds: the Add path reaches tiered JIT's optimised code before the 1,000 are timed, as it does within a long pipeline.
@(New-Items 300) | Add-DcSource -Database $warm
Get-DcSource -Database $warm | Out-Null; Get-DcSource -Database $warm -Name 'src-00001', 'src-0001*' | Out-Null
Test-DcSource -Database $warm | Out-Null; Get-DcSourceConnection -Database $warm -Name 'src-00001' | Out-Null
$null = Measure-RawInsert 300

$results = [ordered]@{}
$growth = [ordered]@{}
$databases = @{}
foreach ($size in $Sources, $LargeSources) {
    $items = @(New-Items $size)
    $names = $items.Name
    $add = @(); $raw = @()
    foreach ($run in 1..$Repeat) {
        $path = New-Database
        $add += Time { $items | Add-DcSource -Database $path }
        if ($size -eq $Sources) { $raw += Measure-RawInsert $size }
    }
    $databases[$size] = $path
    if (@(Get-DcSource -Database $path).Count -ne $size) { throw "The catalog of $size holds the wrong number of sources." }
    $times = [ordered]@{ Add = Get-Median $add }
    if ($size -eq $Sources) { $results['Add-DcSource x{0:n0} (pipeline) vs INSERT loop, a transaction a row' -f $size] = @((Get-Median $add), (Get-Median $raw), 2) }

    $get = @(); $test = @(); $conn = @(); $select = @()
    foreach ($run in 1..$Repeat) {
        $get += Time { Get-DcSource -Database $path | Out-Null }
        $select += Time { $c = Open-Raw $path -ReadOnly; $null = Read-Raw $c 'SELECT * FROM data_sources ORDER BY name;'; $c.Dispose() }
        $test += Time { Test-DcSource -Database $path | Out-Null }
        $conn += Time { Get-DcSourceConnection -Database $path -Name $names -AsPlainText | Out-Null }
    }
    $times.Get = Get-Median $get; $times.Test = Get-Median $test; $times.Connection = Get-Median $conn
    $growth["$size"] = $times
    if ($size -eq $LargeSources) {
        $results['Get-DcSource over {0:n0} vs SELECT + JSON parse of every row' -f $size] = @($times.Get, (Get-Median $select), 2)

        $middle = $names[[int]($size / 2)]
        $one = @(); $indexed = @(); $wild = @(); $glob = @()
        foreach ($run in 1..$Repeat) {
            $one += Time { foreach ($k in 1..$Calls) { Get-DcSource -Database $path -Name $middle | Out-Null } }
            $indexed += Time {
                foreach ($k in 1..$Calls) { $c = Open-Raw $path -ReadOnly; $null = Read-Raw $c 'SELECT * FROM data_sources WHERE name = $n;' @{ '$n' = $middle }; $c.Dispose() }
            }
            $wild += Time { Get-DcSource -Database $path -Name 'src-001*' | Out-Null }
            $glob += Time { $c = Open-Raw $path -ReadOnly; $null = Read-Raw $c "SELECT * FROM data_sources WHERE name GLOB 'src-001*' ORDER BY name;"; $c.Dispose() }
        }
        $results["Get-DcSource -Name <one> at {0:n0} vs indexed SELECT ($Calls calls)" -f $size] = @((Get-Median $one), (Get-Median $indexed), 3)
        $results['Get-DcSource -Name src-001* (1 %) at {0:n0} vs GLOB SELECT' -f $size] = @((Get-Median $wild), (Get-Median $glob), $null)

        $some = $names[0..199]
        foreach ($command in 'Get-DcSource', 'Get-DcSourceConnection') {
            $single = @(); $batch = @()
            foreach ($run in 1..$Repeat) {
                $single += Time { foreach ($name in $some) { & $command -Database $path -Name $name | Out-Null } }
                $batch += Time { & $command -Database $path -Name $some | Out-Null }
            }
            $results["$command x200 single-name calls vs one 200-name call at {0:n0}" -f $size] = @((Get-Median $single), (Get-Median $batch), $null)
        }
    }
}

$exe = [Environment]::ProcessPath
$prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
$peak = @{}
foreach ($side in 'dc', 'raw') {
    $peak[$side] = Get-Median @(foreach ($run in 1..$Repeat) {
            [double](& $exe @prefix -NoProfile -NonInteractive -File $PSCommandPath -Inner -ModulePath $ModulePath -Probe $side -Database $databases[$LargeSources] | Select-Object -Last 1)
        })
}

foreach ($entry in $results.GetEnumerator()) {
    $dc, $base, $target = $entry.Value
    Write-Host ('{0}: {1:n1} ms vs {2:n1} ms, ratio {3:n2}{4}' -f $entry.Key, $dc, $base, ($dc / $base), $(if ($target) { " (target <= $target)" } else { '' }))
}
$factor = $LargeSources / $Sources
foreach ($key in 'Add', 'Get', 'Test', 'Connection') {
    $small, $large = $growth["$Sources"][$key], $growth["$LargeSources"][$key]
    Write-Host ('Growth of {0}: {1:n1} ms at {2:n0}, {3:n1} ms at {4:n0}, growth / size ratio {5:n2} (1.00 is linear)' -f $key, $small, $Sources, $large, $LargeSources, ($large / $small / $factor))
}
Write-Host ("Peak working set, fresh pwsh reading {0:n0} sources: Get-DcSource {1:n0} MB, SELECT + parse {2:n0} MB" -f $LargeSources, ($peak.dc / 1MB), ($peak.raw / 1MB))

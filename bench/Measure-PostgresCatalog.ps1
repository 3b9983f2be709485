<#
.SYNOPSIS
    The catalog on PostgreSQL against the catalog file and against plain Npgsql: Add-DcSource x1,000, Get-DcSource
    over 10,000 sources, and four processes ("machines") adding at once against one server.
.DESCRIPTION
    Uses the server named by $env:DATACOMPASS_TEST_PG_* when set, else starts a private one as the test run does
    (tests/Postgres/TestPostgres.ps1) and removes it afterwards. Runs in a child pwsh with a private HOME. The
    baselines use the module's own Npgsql (from deps/, loaded into the default load context) from PowerShell script
    code, as a user would write them:
      - Add: one Add-DcSource pipeline of -Sources objects into a new catalog on the server, against the same into a
        new catalog file, and against a parameterized INSERT loop on one open connection, one transaction a row.
      - Get all: Get-DcSource over -LargeSources on the server, against the same from a catalog file, and against
        SELECT * with a System.Text.Json parse of every row's connection_info.
      - Four writers: four pwsh processes each adding -Sources / 4 sources (one pipeline each) into one server
        catalog at once, against one process adding all -Sources; every row must arrive and no process may fail.
    Every figure is the median of -Repeat runs.
.EXAMPLE
    dotnet pwsh ./bench/Measure-PostgresCatalog.ps1                  # -Sources 1000 -LargeSources 10000 -Repeat 3
#>
param(
    [int] $Sources = 1000,
    [int] $LargeSources = 10000,
    [int] $Repeat = 3,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataCompass/DataCompass.psd1'),
    [string] $Worker,
    [switch] $Inner
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot

if ($Worker) {
    # One of the concurrent writers: waits for the start signal, adds its share, reports its errors.
    Import-Module $ModulePath
    while (-not (Test-Path $env:DC_BENCH_GO)) { Start-Sleep -Milliseconds 5 }
    $connection = @{ host = 'db.example.com'; port = 5432; database = 'sales'; username = 'app'; password = '${DC_BENCH_PASSWORD}' }
    $errors = @(0..([int]$env:DC_BENCH_COUNT - 1) | ForEach-Object { [pscustomobject]@{ Name = '{0}-{1:d5}' -f $Worker, $_; Type = 'postgresql'; Connection = $connection } } |
        Add-DcSource -Database $env:DC_BENCH_DB 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
    exit $errors.Count
}

if (-not $Inner) {
    . (Join-Path $root 'tests/Postgres/TestPostgres.ps1')
    $server = $null
    if (-not $env:DATACOMPASS_TEST_PG_PORT) {
        $server = Start-DcTestPostgres
        if (-not $server) { throw 'No PostgreSQL server: install postgresql (apt-get install postgresql) or set $env:DATACOMPASS_TEST_PG_*.' }
        Set-DcTestPostgresEnvironment $server
    }
    try {
        . (Join-Path $PSScriptRoot 'PrivateHome.ps1')
        exit (Invoke-InPrivateHome -ScriptPath $PSCommandPath -Parameters @{
                Sources = $Sources; LargeSources = $LargeSources; Repeat = $Repeat; ModulePath = (Resolve-Path $ModulePath).Path })
    }
    finally {
        if ($server) { Stop-DcTestPostgres $server; Set-DcTestPostgresEnvironment $null }
    }
}

$TestDrive = $env:HOME
. (Join-Path $root 'tests/Pester/PostgresHelpers.ps1')
Import-Module $ModulePath
$deps = Join-Path (Split-Path $ModulePath) 'deps'
foreach ($name in 'System.Diagnostics.DiagnosticSource', 'Microsoft.Extensions.Logging.Abstractions', 'Microsoft.Extensions.DependencyInjection.Abstractions', 'Npgsql') {
    $file = Join-Path $deps "$name.dll"
    if (Test-Path $file) { try { Add-Type -Path $file } catch { if ($name -eq 'Npgsql') { throw } } }
}
$env:DC_BENCH_PASSWORD = 'bench-password'
$pg = Get-DcTestPostgres

function Get-Median([double[]] $values) { $sorted = $values | Sort-Object; $sorted[[int][Math]::Floor($sorted.Count / 2)] }
function Time([scriptblock] $block) { (Measure-Command $block).TotalMilliseconds }
$connection = @{ host = 'db.example.com'; port = 5432; database = 'sales'; username = 'app'; password = '${DC_BENCH_PASSWORD}' }
function New-Items([int] $count, [string] $prefix = 'src') {
    foreach ($i in 0..($count - 1)) { [pscustomobject]@{ Name = '{0}-{1:d5}' -f $prefix, $i; Type = 'postgresql'; Connection = $connection } }
}
function New-ServerCatalog { New-DcTestCatalog -Backend PostgreSQL }
function New-FileCatalog { Join-Path $env:HOME ("bench-{0}/datacompass.db" -f [guid]::NewGuid().ToString('n').Substring(0, 8)) }
function Open-Raw($catalog) {
    $builder = [Npgsql.NpgsqlConnectionStringBuilder]::new()
    $builder.Host = $pg.Host; $builder.Port = $pg.Port; $builder.Database = $catalog.Login; $builder.Username = $catalog.Login
    $builder.Password = [Environment]::GetEnvironmentVariable($catalog.PasswordVariable); $builder.SslMode = 'Disable'; $builder.Pooling = $false
    $c = [Npgsql.NpgsqlConnection]::new($builder.ConnectionString)
    $c.Open()
    $c
}

function Measure-RawInsert([int] $count) {
    # A catalog with DataCompass's tables (one Add), then the plain loop: one transaction a row.
    $catalog = New-ServerCatalog
    Add-DcSource -Database $catalog.Database -Name seed -Type postgresql -Connection $connection
    $json = '{"host": "db.example.com", "port": 5432, "database": "sales", "username": "app", "password": "${DC_BENCH_PASSWORD}"}'
    $c = Open-Raw $catalog
    $elapsed = Time {
        foreach ($i in 0..($count - 1)) {
            $transaction = $c.BeginTransaction()
            $command = $c.CreateCommand()
            $command.Transaction = $transaction
            $command.CommandText = 'INSERT INTO data_sources (name, display_name, source_type, connection_info, sync_config, is_active, created_at, updated_at) ' +
                "VALUES (@name, NULL, 'postgresql', CAST(@info AS json), 'null', true, @now, @now);"
            $null = $command.Parameters.AddWithValue('name', ('raw-{0:d5}' -f $i))
            $null = $command.Parameters.AddWithValue('info', $json)
            $null = $command.Parameters.AddWithValue('now', [DateTime]::SpecifyKind([DateTime]::UtcNow, 'Unspecified'))
            $null = $command.ExecuteNonQuery()
            $transaction.Commit()
            $command.Dispose()
        }
    }
    $c.Dispose()
    Remove-DcTestCatalog $catalog
    $elapsed
}

function Measure-RawSelect($catalog) {
    Time {
        $c = Open-Raw $catalog
        $command = $c.CreateCommand()
        $command.CommandText = 'SELECT * FROM data_sources ORDER BY name;'
        $reader = $command.ExecuteReader()
        $ordinal = $reader.GetOrdinal('connection_info')
        while ($reader.Read()) {
            $values = [object[]]::new($reader.FieldCount)
            $null = $reader.GetValues($values)
            $document = [System.Text.Json.JsonDocument]::Parse($reader.GetString($ordinal))
            $document.Dispose()
        }
        $reader.Dispose(); $command.Dispose(); $c.Dispose()
    }
}

# Warm-up, not timed: JITs both catalogs' paths and the raw loops.
$warm = New-ServerCatalog
@(New-Items 300) | Add-DcSource -Database $warm.Database
Get-DcSource -Database $warm.Database | Out-Null
$null = Measure-RawSelect $warm
Remove-DcTestCatalog $warm
$warmFile = New-FileCatalog
@(New-Items 300) | Add-DcSource -Database $warmFile
Get-DcSource -Database $warmFile | Out-Null
$null = Measure-RawInsert 100

$results = [ordered]@{}
$items = @(New-Items $Sources)
$server = @(); $file = @(); $raw = @()
foreach ($run in 1..$Repeat) {
    $catalog = New-ServerCatalog
    $server += Time { $items | Add-DcSource -Database $catalog.Database }
    if (@(Get-DcSource -Database $catalog.Database).Count -ne $Sources) { throw 'The server catalog holds the wrong number of sources.' }
    Remove-DcTestCatalog $catalog
    $path = New-FileCatalog
    $file += Time { $items | Add-DcSource -Database $path }
    $raw += Measure-RawInsert $Sources
}
$results["Add-DcSource x{0:n0} (pipeline), PostgreSQL vs catalog file" -f $Sources] = @((Get-Median $server), (Get-Median $file))
$results["Add-DcSource x{0:n0} (pipeline), PostgreSQL vs Npgsql INSERT loop, a transaction a row" -f $Sources] = @((Get-Median $server), (Get-Median $raw))

$large = @(New-Items $LargeSources)
$catalog = New-ServerCatalog
$large | Add-DcSource -Database $catalog.Database
$path = New-FileCatalog
$large | Add-DcSource -Database $path
$getServer = @(); $getFile = @(); $select = @()
foreach ($run in 1..$Repeat) {
    $getServer += Time { Get-DcSource -Database $catalog.Database | Out-Null }
    $getFile += Time { Get-DcSource -Database $path | Out-Null }
    $select += Measure-RawSelect $catalog
}
$results["Get-DcSource over {0:n0}, PostgreSQL vs catalog file" -f $LargeSources] = @((Get-Median $getServer), (Get-Median $getFile))
$results["Get-DcSource over {0:n0}, PostgreSQL vs Npgsql SELECT + JSON parse of every row" -f $LargeSources] = @((Get-Median $getServer), (Get-Median $select))
Remove-DcTestCatalog $catalog

# Four machines' worth of writers against one server, against one writer adding as many.
$exe = [Environment]::ProcessPath
$prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
function Invoke-Writers([int] $count, $catalog) {
    $go = Join-Path $env:HOME ("go-" + [guid]::NewGuid().ToString('N'))
    $env:DC_BENCH_GO = $go; $env:DC_BENCH_DB = $catalog.Database; $env:DC_BENCH_COUNT = [string]($Sources / $count)
    $processes = foreach ($n in 1..$count) {
        Start-Process -FilePath $exe -ArgumentList (@($prefix) + @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-Worker', "w$n", '-ModulePath', $ModulePath)) -PassThru -NoNewWindow
    }
    Start-Sleep -Seconds 4   # every process has imported the module and waits
    $elapsed = Time {
        Set-Content -Path $go -Value ''
        foreach ($process in $processes) { $process.WaitForExit() }
    }
    $failed = @($processes | Where-Object ExitCode -ne 0).Count
    $rows = @(Get-DcSource -Database $catalog.Database).Count
    if ($failed -gt 0 -or $rows -ne $Sources) { throw "The $count writers left $rows of $Sources rows; $failed failed." }
    $elapsed
}
$four = @(); $one = @()
foreach ($run in 1..$Repeat) {
    $catalog = New-ServerCatalog; $four += Invoke-Writers 4 $catalog; Remove-DcTestCatalog $catalog
    $catalog = New-ServerCatalog; $one += Invoke-Writers 1 $catalog; Remove-DcTestCatalog $catalog
}
$results["{0:n0} adds by 4 processes at once vs by 1 process, one PostgreSQL catalog (all rows arrived, no error)" -f $Sources] = @((Get-Median $four), (Get-Median $one))

foreach ($entry in $results.GetEnumerator()) {
    $dc, $base = $entry.Value
    Write-Host ('{0}: {1:n1} ms vs {2:n1} ms, ratio {3:n2}' -f $entry.Key, $dc, $base, ($dc / $base))
}

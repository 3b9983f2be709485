# The private PostgreSQL server build.ps1 starts for the test run (tests/Postgres/TestPostgres.ps1), as the tests
# see it: $env:DATACOMPASS_TEST_PG_* names it. Tests that need it are tagged 'PostgreSQL' and use
#   It '...' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) { }
# (an -Skip value is read at discovery, before BeforeAll has dot-sourced this file), so that a run without a
# server reports them skipped and the closing line counts them.

function Get-DcTestPostgres {
    if (-not $env:DATACOMPASS_TEST_PG_PORT) { return $null }
    return [pscustomobject]@{
        Host = $env:DATACOMPASS_TEST_PG_HOST; Port = [int]$env:DATACOMPASS_TEST_PG_PORT
        User = $env:DATACOMPASS_TEST_PG_USER; Password = $env:DATACOMPASS_TEST_PG_PASSWORD; Bin = $env:DATACOMPASS_TEST_PG_BIN
    }
}

function Invoke-DcTestPsql {
    # Runs SQL as the server's admin, from stdin, so that no password in it reaches a command line. Returns the rows
    # as text, never psql's notices (stderr, which arrive in no fixed order among the rows); throws on any SQL error.
    param([Parameter(Mandatory)] [string] $Sql, [string] $Database = 'postgres')
    $pg = Get-DcTestPostgres
    if (-not $pg) { throw 'No test PostgreSQL server ($env:DATACOMPASS_TEST_PG_PORT is not set).' }
    $psql = if ($pg.Bin -and (Test-Path (Join-Path $pg.Bin 'psql'))) { Join-Path $pg.Bin 'psql' } else { 'psql' }
    $saved = $env:PGPASSWORD
    try {
        # The admin's password goes to psql alone, for this call only.
        $env:PGPASSWORD = $pg.Password
        $output = $Sql | & $psql -X -q -t -A -v ON_ERROR_STOP=1 -h $pg.Host -p $pg.Port -U $pg.User -d $Database -f - 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed ($LASTEXITCODE): $($output -join ' ')" }
        return @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
    }
    finally {
        $env:PGPASSWORD = $saved
    }
}

function ConvertTo-DcSqlLiteral([string] $Text) { "'" + $Text.Replace("'", "''") + "'" }

function New-DcTestPgLogin {
    # A login role with the given password and a database of the same name that it owns; returns the name.
    param([Parameter(Mandatory)] [string] $Password, [string] $Name = "dc_t$([guid]::NewGuid().ToString('N').Substring(0, 12))")
    Invoke-DcTestPsql -Sql "CREATE ROLE $Name LOGIN PASSWORD $(ConvertTo-DcSqlLiteral $Password);" | Out-Null
    Invoke-DcTestPsql -Sql "CREATE DATABASE $Name OWNER $Name;" | Out-Null
    return $Name
}

function Set-DcTestPgPassword {
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Password)
    Invoke-DcTestPsql -Sql "ALTER ROLE $Name PASSWORD $(ConvertTo-DcSqlLiteral $Password);" | Out-Null
}

function Remove-DcTestPgLogin {
    param([Parameter(Mandatory)] [string] $Name)
    Invoke-DcTestPsql -Sql "DROP DATABASE IF EXISTS $Name WITH (FORCE);" | Out-Null
    Invoke-DcTestPsql -Sql "DROP ROLE IF EXISTS $Name;" | Out-Null
}

function New-DcTestCatalog {
    <#
    .SYNOPSIS
        A new, empty catalog for the contract suite: a file under $TestDrive for SQLite, or a database of its own on
        the test server for PostgreSQL (a login role whose password lives only in an environment variable the
        address refers to). Returns Backend, Database (what -Database takes) and, for PostgreSQL, Login.
    #>
    param([Parameter(Mandatory)] [ValidateSet('SQLite', 'SQLCipher', 'PostgreSQL')] [string] $Backend)
    $id = [guid]::NewGuid().ToString('N').Substring(0, 12)
    # SQLCipher: a file like SQLite's, created encrypted because the process has a database key set.
    if ($Backend -in 'SQLite', 'SQLCipher') {
        return [pscustomobject]@{ Backend = $Backend; Database = (Join-Path $TestDrive "catalog-$id/datacompass.db"); Login = $null; PasswordVariable = $null }
    }
    $pg = Get-DcTestPostgres
    $password = "cat pw;'=\€-$([guid]::NewGuid().ToString('N'))"
    $login = New-DcTestPgLogin -Password $password -Name "dc_cat_$id"
    $variable = "DCT_CATALOG_PW_$id"
    [Environment]::SetEnvironmentVariable($variable, $password)
    [pscustomobject]@{
        Backend = $Backend
        Database = "postgresql://${login}:`${$variable}@$($pg.Host):$($pg.Port)/${login}?sslmode=disable"
        Login = $login
        PasswordVariable = $variable
    }
}

function Remove-DcTestCatalog {
    param([AllowNull()] $Catalog)
    if ($Catalog -and $Catalog.Login) {
        Remove-DcTestPgLogin -Name $Catalog.Login
        [Environment]::SetEnvironmentVariable($Catalog.PasswordVariable, $null)
    }
}

function Invoke-DcTestWorkers {
    <#
    .SYNOPSIS
        Runs one script in several pwsh processes at once ("machines"), released together once all have started:
        each gets $env:DCTEST_WORKER (w1, w2, ...) and $env:DCTEST_WORK, waits for the file 'go' there, and
        writes what it has to say to result-<worker>.json. Returns the workers' results, exit codes and output.
    #>
    param([Parameter(Mandatory)] [string] $Script, [int] $Count = 2, [hashtable] $Environment = @{}, [int] $TimeoutSeconds = 300)
    $work = Join-Path $TestDrive ("workers-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $file = Join-Path $work 'worker.ps1'
    Set-Content -Path $file -Value (@'
$deadline = [DateTime]::UtcNow.AddSeconds(120)
Set-Content -Path (Join-Path $env:DCTEST_WORK "ready-$env:DCTEST_WORKER") -Value ''
while (-not (Test-Path (Join-Path $env:DCTEST_WORK 'go'))) {
    if ([DateTime]::UtcNow -gt $deadline) { throw 'The start signal never came.' }
    Start-Sleep -Milliseconds 5
}
'@ + "`n" + $Script)
    $exe = [Environment]::ProcessPath
    $prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    $workers = foreach ($n in 1..$Count) {
        $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
        foreach ($argument in @($prefix) + @('-NoProfile', '-NonInteractive', '-File', $file)) { $info.ArgumentList.Add($argument) }
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        foreach ($key in $Environment.Keys) { $info.Environment[$key] = [string] $Environment[$key] }
        $info.Environment['DCTEST_WORK'] = $work
        $info.Environment['DCTEST_WORKER'] = "w$n"
        $process = [System.Diagnostics.Process]::Start($info)
        [pscustomobject]@{ Name = "w$n"; Process = $process; Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync() }
    }
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (@($workers | Where-Object { -not (Test-Path (Join-Path $work "ready-$($_.Name)")) }).Count -gt 0) {
        if ([DateTime]::UtcNow -gt $deadline -or @($workers | Where-Object { $_.Process.HasExited }).Count -gt 0) { break }
        Start-Sleep -Milliseconds 20
    }
    Set-Content -Path (Join-Path $work 'go') -Value ''
    foreach ($worker in $workers) {
        if (-not $worker.Process.WaitForExit($TimeoutSeconds * 1000)) { $worker.Process.Kill($true) }
        $worker.Process.WaitForExit()
        $result = Join-Path $work "result-$($worker.Name).json"
        [pscustomobject]@{
            Name = $worker.Name
            ExitCode = $worker.Process.ExitCode
            Output = $worker.Stdout.GetAwaiter().GetResult() + $worker.Stderr.GetAwaiter().GetResult()
            Result = if (Test-Path $result) { Get-Content -Raw $result | ConvertFrom-Json } else { $null }
        }
        $worker.Process.Dispose()
    }
}

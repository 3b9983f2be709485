#Requires -Version 7.4
# The secret-leak sweep for live connections. One child pwsh, with a transcript and every stream turned on, logs in
# to the test PostgreSQL server with canary passwords: a right one, a wrong one (with the right one in PGPASSWORD),
# and the slips that make a server echo a secret back (a password in the database or user name field), plus a
# port nothing listens on. Then the catalog folder, the transcript, every stream, $Error and the child's stdout are
# searched for every canary. What the server itself logs is the server's (see about_DataCompass_Security).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/PostgresHelpers.ps1

    if (-not (Get-DcTestPostgres)) { return }
    $script:Canaries = [ordered]@{
        Right = New-Canary 'pg right;pw=''q"\€'
        Wrong = New-Canary 'pg wrong pw'
    }
    $script:Login = New-DcTestPgLogin -Password $script:Canaries.Right
    $root = Join-Path $TestDrive 'connect-canary'
    $script:DataDir = Join-Path $root 'data'
    $script:OutDir = Join-Path $root 'out'
    $null = New-Item -ItemType Directory -Path $script:OutDir
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $closedPort = ([Net.IPEndPoint]$listener.LocalEndpoint).Port; $listener.Stop()

    $child = @'
$ErrorActionPreference = 'Continue'
$env:PSModulePath = Join-Path $PSHOME 'Modules'
$PSStyle.OutputRendering = 'PlainText'
$out = $env:DCTEST_OUT
$null = Start-Transcript -Path (Join-Path $out 'transcript.txt')
$VerbosePreference = 'Continue'
$DebugPreference = 'Continue'
$InformationPreference = 'Continue'
$WarningPreference = 'Continue'
Import-Module $env:DCTEST_MODULE
$pg = @{ host = $env:DATACOMPASS_TEST_PG_HOST; port = [int]$env:DATACOMPASS_TEST_PG_PORT; database = $env:DCTEST_LOGIN; username = $env:DCTEST_LOGIN; ssl_mode = 'disable'; connect_timeout = 5 }
function Pg([hashtable] $Fields) { $c = $pg.Clone(); foreach ($k in $Fields.Keys) { $c[$k] = $Fields[$k] }; $c }

$steps = @(
    { Add-DcSource -Name pgok -Type postgresql -Connection (Pg @{ password = '${DCT_PG_RIGHT}' }) -PassThru }
    { Add-DcSource -Name pgwrong -Type postgresql -Connection (Pg @{ password = '${DCT_PG_WRONG}' }) -PassThru }
    # Slips a server answers by naming what it was sent: the password typed into the database or user name field.
    { Add-DcSource -Name pgecho -Type postgresql -Connection (Pg @{ database = '${DCT_PG_RIGHT}'; password = '${DCT_PG_RIGHT}' }) -PassThru }
    { Add-DcSource -Name pguser -Type postgresql -Connection (Pg @{ username = '${DCT_PG_WRONG}'; password = '${DCT_PG_WRONG}' }) -PassThru }
    { Add-DcSource -Name pgdown -Type postgresql -Connection (Pg @{ port = [int]$env:DCTEST_CLOSED_PORT; password = '${DCT_PG_RIGHT}' }) -PassThru }

    { Test-DcSource -Connect }
    { Test-DcSource -Connect | Format-List * | Out-String -Width 400 }
    { Test-DcSource -Connect | Format-Table -AutoSize | Out-String -Width 400 }
    { Test-DcSource -Connect | ConvertTo-Json -Depth 4 }
    { Test-DcSource -Connect -Quiet }
    { Test-DcSource -Connect -Verbose -Debug | ForEach-Object { "$_"; $_.Message } }
    { Test-DcSource }
    { Get-DcSourceConnection -Name pgok, pgwrong, pgecho -AsConnectionString }
    { Get-DcSourceConnection -Name pgok -AsConnectionString | ConvertTo-Json }
    { Get-DcAuditEvent | Format-List * | Out-String -Width 400 }
)

. $env:DCTEST_SWEEP
$errorIds = Invoke-CanarySweep -Steps $steps -Out $out
$VerbosePreference = 'SilentlyContinue'
$DebugPreference = 'SilentlyContinue'

# Positive controls, outside every capture: the canaries really were used.
$statuses = @{}
Test-DcSource -Connect | ForEach-Object { $statuses[$_.Source] = $_.Status }
$result = @{
    ErrorIds = $errorIds
    Statuses = $statuses
    ConnectionStringHasRight = ((Get-DcSourceConnection -Name pgok -AsConnectionString -AsPlainText).Contains(($env:DCT_PG_RIGHT -split '-')[-1]))
}
'RESULT:' + ($result | ConvertTo-Json -Compress -Depth 4)
'@

    $script:Run = Invoke-ChildPwsh -Script $child -Environment @{
        DCTEST_SWEEP = (Join-Path $PSScriptRoot 'CanarySweep.ps1')
        DCTEST_MODULE = $script:DcModulePath
        DCTEST_OUT = $script:OutDir
        DCTEST_LOGIN = $script:Login
        DCTEST_CLOSED_PORT = "$closedPort"
        DATACOMPASS_DATA_DIR = $script:DataDir
        DCT_PG_RIGHT = $script:Canaries.Right
        DCT_PG_WRONG = $script:Canaries.Wrong
        # The right password where libpq clients look for one: a login that used it would connect pgwrong.
        PGPASSWORD = $script:Canaries.Right
    }
    $script:StdoutFile = Join-Path $script:OutDir 'stdout.txt'
    Set-Content -Path $script:StdoutFile -Value $script:Run.Text
    $line = @($script:Run.Output | Where-Object { $_ -like 'RESULT:*' }) | Select-Object -Last 1
    $script:Result = if ($line) { $line.Substring('RESULT:'.Length) | ConvertFrom-Json } else { $null }
}

AfterAll {
    if ($script:Login) { Remove-DcTestPgLogin -Name $script:Login }
}

Describe 'No secret value leaks from live connection tests' {
    It 'ran the sweep: every login ended as meant' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
        $script:Result | Should -Not -BeNullOrEmpty -Because $script:Run.Text
        $script:Run.ExitCode | Should -Be 0 -Because $script:Run.Text
        $script:Result.Statuses.pgok | Should -BeExactly 'Connected'
        $script:Result.Statuses.pgwrong | Should -BeExactly 'AuthenticationFailed'
        $script:Result.Statuses.pgecho | Should -BeExactly 'ServerError'
        $script:Result.Statuses.pguser | Should -BeExactly 'AuthenticationFailed'
        $script:Result.Statuses.pgdown | Should -BeExactly 'Unreachable'
        $script:Result.ConnectionStringHasRight | Should -BeTrue
    }

    It 'leaves no canary in the catalog data folder (db, -wal, -shm)' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
        $files = @(Get-ChildItem -Path $script:DataDir -Recurse -File -Force | ForEach-Object FullName)
        Test-AnyContains -Path $files -Text '${DCT_PG_RIGHT}' | Should -BeTrue -Because 'the catalog stores the reference'
        @(Find-Canary -Path $files -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in the transcript' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
        $transcript = Join-Path $script:OutDir 'transcript.txt'
        foreach ($expected in 'AuthenticationFailed', 'password authentication failed', 'does not exist', 'ConnectionRefused', 'System.Security.SecureString') {
            Test-BytesContain -Path $transcript -Text $expected | Should -BeTrue -Because "the transcript records '$expected'"
        }
        @(Find-Canary -Path $transcript -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in any stream, nor in $Error, nor in stdout and stderr' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
        $streams = Join-Path $script:OutDir 'streams.txt'
        $errors = Join-Path $script:OutDir 'errors.txt'
        foreach ($expected in 'SQLSTATE 28P01', 'SQLSTATE 3D000', '********') {
            Test-BytesContain -Path $streams -Text $expected | Should -BeTrue -Because "the captured streams hold '$expected'"
        }
        @(Find-Canary -Path $streams, $errors, $script:StdoutFile -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'puts only DataCompass ErrorRecords with stable ErrorIds into $Error' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
        @($script:Result.ErrorIds | Where-Object { $_ -notmatch '^Dc[A-Za-z]+,DataCompass\.Commands\.[A-Za-z]+Command$' }) | Should -BeNullOrEmpty
    }
}

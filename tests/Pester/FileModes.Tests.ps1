#Requires -Version 7.4
# Modes of everything DataCompass keeps on disk, under a permissive umask (000) and the usual one (022): the data
# folder 0700, and the database, its -wal and -shm, the key file and config.yaml 0600, when they are created and
# after every command that rewrites them (Set-DcConfig, New-DcEncryptionKey, Update-DcEncryptionKey and
# Convert-DcSourceSecret, which scrub and VACUUM the database, Remove-DcSource, which checkpoints the WAL).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1

    $script:ChildBody = @'
$ErrorActionPreference = 'Stop'
Import-Module $env:DCTEST_MODULE
. $env:DCTEST_RAWSQL
$folder = Join-Path $env:DCTEST_WORK 'data/catalog'
$db = Join-Path $folder 'datacompass.db'
$vault = $env:DCTEST_VAULT
$holder = $null
$lines = [System.Collections.Generic.List[string]]::new()
function Record([string] $Step) {
    $lines.Add("$Step|umask|$((& /bin/sh -c umask).Trim())")
    foreach ($path in @((Split-Path $folder), $folder) + @(Get-ChildItem -LiteralPath $folder -Force | ForEach-Object FullName)) {
        $mode = [Convert]::ToString([int][IO.File]::GetUnixFileMode($path), 8)
        $lines.Add(('{0}|{1}|{2}' -f $Step, $path.Substring($env:DCTEST_WORK.Length + 1), $mode))
    }
}
$pw = { param($n) @{ host = 'h'; database = 'd'; username = 'u'; password = "value-$n-$([guid]::NewGuid().ToString('n'))" } }

$null = New-DcEncryptionKey -Database $db
Record 'New-DcEncryptionKey (creates the folder and key)'
Add-DcSource -Database $db -Name 'enc' -Type postgresql -Connection (& $pw 'enc') -Encrypt
Add-DcSource -Database $db -Name 'plain' -Type postgresql -Connection (& $pw 'plain') -AllowPlaintext -WarningAction SilentlyContinue
Add-DcSource -Database $db -Name 'gone' -Type postgresql -Connection (& $pw 'gone') -AllowPlaintext -WarningAction SilentlyContinue
Record 'Add-DcSource (creates the database)'

# A reader keeps the catalog open from here on, as another runbook would: the -wal and -shm stay, and their
# modes after each command are the ones the command left.
Initialize-RawSql
$holder = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$db;Pooling=False")
$holder.Open()
Add-DcSource -Database $db -Name 'more' -Type postgresql -Connection (& $pw 'more') -Encrypt
Record 'Add-DcSource (with the -wal and -shm)'

Set-DcConfig -Database $db -SecretNameTemplate 'DC-{source}-{field}'
Record 'Set-DcConfig (creates config.yaml)'
Set-DcConfig -Database $db -SecretVault $vault
Record 'Set-DcConfig (rewrites config.yaml)'
$null = New-DcEncryptionKey -Database $db -WarningAction SilentlyContinue
Record 'New-DcEncryptionKey (rewrites the key file)'
$null = New-DcEncryptionKey -Database $db -Force -WarningAction SilentlyContinue
Record 'New-DcEncryptionKey -Force (rewrites the key file)'
$null = Update-DcEncryptionKey -Database $db
Record 'Update-DcEncryptionKey (re-encrypts, scrubs and VACUUMs)'
$null = Convert-DcSourceSecret -Database $db -Vault $vault -Confirm:$false
Record 'Convert-DcSourceSecret (converts, scrubs and VACUUMs)'
Remove-DcSource -Database $db -Name 'gone' -Confirm:$false
Record 'Remove-DcSource (checkpoints the WAL)'
$holder.Dispose()
$null = Get-DcSource -Database $db
Record 'the last connection closed'
"RESULT:" + (ConvertTo-Json -InputObject @($lines) -Compress)
'@

    function Invoke-ModesChild([string] $Umask) {
        $work = Join-Path $TestDrive "umask-$Umask"
        $null = New-Item -ItemType Directory -Path $work
        $vault = New-TestVault
        $run = Invoke-ChildPwsh -Script $script:ChildBody -Umask $Umask -Environment @{
            DCTEST_MODULE = $script:DcModulePath; DATACOMPASS_TEST_MODULE = $script:DcModulePath; DCTEST_RAWSQL = (Join-Path $PSScriptRoot 'RawSql.ps1')
            DCTEST_WORK = $work; DCTEST_VAULT = $vault; DATACOMPASS_DATA_DIR = [NullString]::Value; DATACOMPASS_ENCRYPTION_KEY = [NullString]::Value
        }
        $line = @($run.Output | Where-Object { $_ -like 'RESULT:*' }) | Select-Object -Last 1
        if ($run.ExitCode -ne 0 -or -not $line) { throw "The child pwsh failed (exit code $($run.ExitCode)). Output:`n$($run.Text)" }
        @($line.Substring('RESULT:'.Length) | ConvertFrom-Json | ForEach-Object {
            $step, $path, $mode = $_ -split '\|'
            [pscustomobject]@{ Step = $step; Path = $path; Mode = $mode }
        })
    }
}

AfterAll {
    Remove-TestVault
}

Describe 'File modes under umask <_>' -Skip:$IsWindows -ForEach @('000', '022') {
    BeforeAll {
        $script:Modes = Invoke-ModesChild $_
        $script:Steps = @($script:Modes | ForEach-Object Step | Select-Object -Unique)
    }

    It 'really ran under that umask' {
        @($script:Modes | Where-Object Path -eq 'umask' | ForEach-Object Mode | Select-Object -Unique) | Should -Match "^0*$([int]$_)$"
    }

    It 'saw the database, its -wal and -shm, the key file and config.yaml' {
        $paths = @($script:Modes | ForEach-Object Path | Select-Object -Unique)
        foreach ($expected in 'data', 'data/catalog', 'data/catalog/datacompass.db', 'data/catalog/datacompass.db-wal', 'data/catalog/datacompass.db-shm', 'data/catalog/key', 'data/catalog/config.yaml') {
            $paths | Should -Contain $expected
        }
    }

    It 'keeps every folder 0700 and every file 0600 after: <_>' -ForEach @(
        'New-DcEncryptionKey (creates the folder and key)'
        'Add-DcSource (creates the database)'
        'Add-DcSource (with the -wal and -shm)'
        'Set-DcConfig (creates config.yaml)'
        'Set-DcConfig (rewrites config.yaml)'
        'New-DcEncryptionKey (rewrites the key file)'
        'New-DcEncryptionKey -Force (rewrites the key file)'
        'Update-DcEncryptionKey (re-encrypts, scrubs and VACUUMs)'
        'Convert-DcSourceSecret (converts, scrubs and VACUUMs)'
        'Remove-DcSource (checkpoints the WAL)'
        'the last connection closed'
    ) {
        $step = $_
        $entries = @($script:Modes | Where-Object { $_.Step -eq $step -and $_.Path -ne 'umask' })
        $entries | Should -Not -BeNullOrEmpty -Because "the step '$step' ran"
        foreach ($entry in $entries) {
            $wanted = if ($entry.Path -in 'data', 'data/catalog') { '700' } else { '600' }
            "$($entry.Path) $($entry.Mode)" | Should -Be "$($entry.Path) $wanted"
        }
    }
}

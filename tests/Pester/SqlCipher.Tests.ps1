#Requires -Version 7.4
# Option 4: catalog files encrypted with SQLCipher. One process uses one SQLite library, so every check runs in
# fresh child pwsh processes: the library a session chooses at its first catalog is part of what is tested. Tests
# tagged SQLCipher need the library ($env:DATACOMPASS_TEST_SQLCIPHER, set by build.ps1 where it found or installed
# it); the rest check what a machine without it does. Every cmdlet on an encrypted catalog: the catalog contract,
# run by build.ps1's SQLCipher lane (Catalog.Contract.Tests.ps1 with an encrypted backend).

BeforeDiscovery {
    $script:NoSqlCipher = -not $env:DATACOMPASS_TEST_SQLCIPHER
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1

    $script:Prelude = @'
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module $env:DCTEST_MODULE
function Result($value) { 'RESULT:' + ($value | ConvertTo-Json -Compress -Depth 5) }
function ErrorOf([scriptblock] $Block) { try { & $Block | Out-Null; 'none' } catch { $_.FullyQualifiedErrorId.Split(',')[0] + '|' + $_.CategoryInfo.Category + '|' + $_.Exception.Message } }
'@

    function Invoke-Child([string] $Script, [hashtable] $Environment = @{}) {
        $childEnvironment = @{ DCTEST_MODULE = $script:DcModulePath; DATACOMPASS_DATABASE_KEY = $null; DATACOMPASS_SQLCIPHER_LIBRARY = $null }
        foreach ($key in $Environment.Keys) { $childEnvironment[$key] = $Environment[$key] }
        $run = Invoke-ChildPwsh -Script ($script:Prelude + "`n" + $Script) -Environment $childEnvironment
        $line = @($run.Output | Where-Object { $_ -like 'RESULT:*' }) | Select-Object -Last 1
        $run | Add-Member Result $(if ($line) { $line.Substring('RESULT:'.Length) | ConvertFrom-Json } else { $null }) -PassThru
    }

    # A plain catalog of $Count sources whose hosts and display names carry the canary (catalog metadata SQLCipher hides).
    function New-PlainCatalog([string] $Folder, [string] $Canary, [int] $Count = 3) {
        $run = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $Folder; DCTEST_CANARY = $Canary; DCTEST_COUNT = "$Count" } -Script @'
1..[int]$env:DCTEST_COUNT | ForEach-Object {
    [pscustomobject]@{ Name = "src$_"; Type = 'postgresql'; DisplayName = "$env:DCTEST_CANARY display $_"
        Connection = @{ host = "$env:DCTEST_CANARY-$_.example.com"; database = 'sales'; username = 'app'; password = '${DCT_PW}' } }
} | Add-DcSource
Result @{ Count = @(Get-DcSource).Count }
'@
        $run.Result.Count | Should -Be $Count -Because $run.Text
        Join-Path $Folder 'datacompass.db'
    }

    function Get-Header([string] $Path) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        [Text.Encoding]::ASCII.GetString($bytes, 0, [Math]::Min(16, $bytes.Length))
    }

    # Every row of every table, in a stable text form, read with the bundled SQLite of this process (plain files only).
    function Get-CatalogDump([string] $Database) {
        $tables = @(Invoke-RawSql -Database $Database -ReadOnly -Sql "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name" | ForEach-Object name)
        foreach ($table in $tables) {
            "== $table"
            Invoke-RawSql -Database $Database -ReadOnly -Sql "SELECT * FROM `"$table`" ORDER BY rowid" | ForEach-Object { $_ | ConvertTo-Json -Compress }
        }
    }

    $script:Plain = 'SQLite format 3' + [char]0
}

Describe 'Where SQLCipher cannot be found' {
    It 'says how to install it, changes nothing, and leaves every other command working' {
        $folder = Join-Path $TestDrive 'absent'
        $database = New-PlainCatalog -Folder $folder -Canary (New-Canary 'absent')
        $run = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $folder; DATACOMPASS_SQLCIPHER_LIBRARY = (Join-Path $TestDrive 'no-such-libsqlcipher.so'); DATACOMPASS_DATABASE_KEY = 'k' } -Script @'
$db = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
$before = (Get-FileHash $db).Hash
Result @{
    Protect = ErrorOf { Protect-DcDatabase -Confirm:$false }
    Unprotect = ErrorOf { Unprotect-DcDatabase -Confirm:$false }
    Unchanged = (Get-FileHash $db).Hash -eq $before
    Names = @(Get-DcSource | ForEach-Object Name)
    Tested = @(Get-DcSource | Test-DcSource | ForEach-Object Status)
}
'@
        $run.Result.Protect | Should -BeLike 'DcSqlCipherNotInstalled|NotInstalled|SQLCipher is needed to encrypt the catalog*apt-get install libsqlcipher0*brew install sqlcipher*' -Because $run.Text
        $run.Result.Unprotect | Should -BeLike 'DcSqlCipherNotInstalled|NotInstalled|*'
        $run.Result.Names | Should -Be @('src1', 'src2', 'src3')
        @($run.Result.Tested).Count | Should -Be 3
        $run.Result.Unchanged | Should -BeTrue
        Get-Header $database | Should -BeExactly $script:Plain
    }

    It 'refuses a library that is not SQLCipher (plain SQLite has no sqlite3_key)' -Skip:(-not (Test-Path '/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')) {
        $folder = Join-Path $TestDrive 'plain-lib'
        $null = New-PlainCatalog -Folder $folder -Canary (New-Canary 'plainlib')
        $run = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $folder; DATACOMPASS_SQLCIPHER_LIBRARY = '/usr/lib/x86_64-linux-gnu/libsqlite3.so.0'; DATACOMPASS_DATABASE_KEY = 'k' } -Script @'
Result @{ Protect = ErrorOf { Protect-DcDatabase -Confirm:$false }; Names = @(Get-DcSource | ForEach-Object Name) }
'@
        $run.Result.Protect | Should -BeLike "DcSqlCipherNotInstalled|NotInstalled|*is not a SQLCipher library*" -Because $run.Text
        $run.Result.Names.Count | Should -Be 3
    }
}

Describe 'What Protect-DcDatabase and Unprotect-DcDatabase refuse before they start' {
    It 'names a catalog that is not there (DcCatalogNotFound) and a catalog on a server (DcDatabaseNotFile)' {
        $folder = Join-Path $TestDrive 'refused'
        $run = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $folder; DATACOMPASS_DATABASE_KEY = 'k'; DCT_SERVER_PW = 'server-pw' } -Script @'
Result @{
    Missing = ErrorOf { Protect-DcDatabase -Confirm:$false }
    MissingUn = ErrorOf { Unprotect-DcDatabase -Database (Join-Path $env:DATACOMPASS_DATA_DIR 'other.db') -Confirm:$false }
    Server = ErrorOf { Protect-DcDatabase -Database 'postgresql://dc:${DCT_SERVER_PW}@127.0.0.1:1/catalog' -Confirm:$false }
    Created = Test-Path $env:DATACOMPASS_DATA_DIR
}
'@
        $run.Result.Missing | Should -BeLike 'DcCatalogNotFound|ObjectNotFound|There is no catalog database at*$env:DATACOMPASS_DATA_DIR*' -Because $run.Text
        $run.Result.MissingUn | Should -BeLike "DcCatalogNotFound|ObjectNotFound|*other.db*-Database*"
        $run.Result.Server | Should -BeLike 'DcDatabaseNotFile|InvalidArgument|Protect-DcDatabase works on catalog files; the catalog postgresql://dc:${DCT_SERVER_PW}@127.0.0.1:1/catalog* is on a PostgreSQL server*'
        $run.Result.Created | Should -BeFalse
    }
}

Describe 'An encrypted catalog' {
    BeforeAll {
        if ($script:NoSqlCipher) { return }
        $script:Key = New-Canary 'dbkey'
        $script:Canary = New-Canary 'meta'
        $script:Folder = Join-Path $TestDrive 'roundtrip'
        $script:Database = New-PlainCatalog -Folder $script:Folder -Canary $script:Canary -Count 25
        $script:DumpBefore = @(Get-CatalogDump $script:Database)
        $script:Out = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'roundtrip-out')
        $script:Protect = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $script:Folder; DATACOMPASS_DATABASE_KEY = $script:Key; DCTEST_OUT = $script:Out.FullName } -Script @'
$null = Start-Transcript -Path (Join-Path $env:DCTEST_OUT 'transcript.txt')
$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
$what = Protect-DcDatabase -WhatIf
$header = [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes((Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db')), 0, 15)
$protected = Protect-DcDatabase -Confirm:$false *>&1
$again = Protect-DcDatabase -Confirm:$false
$streams = ($protected | Out-String) + ($again | Format-List * | Out-String)
$null = Stop-Transcript
$streams | Set-Content (Join-Path $env:DCTEST_OUT 'streams.txt')
$global:Error | Out-String | Set-Content (Join-Path $env:DCTEST_OUT 'errors.txt')
$result = $protected | Where-Object { $_ -is [DataCompass.DcDatabaseProtection] }
Result @{
    WhatIf = $what; HeaderAfterWhatIf = $header
    Encrypted = $result.Encrypted; Changed = $result.Changed; Sources = $result.Sources; Rows = $result.Rows; KeyOrigin = $result.KeyOrigin; Library = $result.Library
    AgainChanged = $again.Changed; AgainEncrypted = $again.Encrypted
    Names = @(Get-DcSource | ForEach-Object Name)
    DisplayName = (Get-DcSource -Name src7).DisplayName
    Audit = @(Get-DcAuditEvent | ForEach-Object Action)
}
'@
    }

    It 'is encrypted by Protect-DcDatabase after a -WhatIf that changed nothing, and keeps every source' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $r = $script:Protect.Result
        $r | Should -Not -BeNullOrEmpty -Because $script:Protect.Text
        # What if: goes to the host, which the transcript records.
        Get-Content -Raw (Join-Path $script:Out 'transcript.txt') | Should -BeLike '*What if: Performing the operation "Encrypt the catalog file with SQLCipher, with the database key from $env:DATACOMPASS_DATABASE_KEY"*'
        $r.HeaderAfterWhatIf | Should -BeExactly 'SQLite format 3'
        $r.Encrypted | Should -BeTrue
        $r.Changed | Should -BeTrue
        $r.Sources | Should -Be 25
        $r.Rows | Should -BeGreaterThan 25
        $r.KeyOrigin | Should -BeExactly '$env:DATACOMPASS_DATABASE_KEY'
        $r.Library | Should -BeLike 'SQLCipher 3.*'
        $r.AgainChanged | Should -BeFalse
        $r.AgainEncrypted | Should -BeTrue
        $r.Names.Count | Should -Be 25
        $r.DisplayName | Should -BeExactly "$script:Canary display 7"
        $r.Audit[-1] | Should -BeExactly 'protect-database'
    }

    It 'holds neither the SQLite header nor any name, host or the key in its files' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $files = @(Get-ChildItem -Path $script:Folder -Recurse -File -Force | ForEach-Object FullName)
        $files | Should -Contain $script:Database
        Get-Header $script:Database | Should -Not -BeLike 'SQLite format 3*'
        foreach ($text in 'SQLite format 3', 'data_sources', 'src7', 'sales', '${DCT_PW}') {
            Test-AnyContains -Path $files -Text $text | Should -BeFalse -Because "'$text' is catalog content"
        }
        @(Find-Canary -Path $files -Canaries @{ Meta = $script:Canary; Key = $script:Key }) | Should -BeNullOrEmpty
        @(Get-ChildItem -Path $script:Folder -Force -Filter '*.dc-convert-*') | Should -BeNullOrEmpty
    }

    It 'never shows the key in the transcript, a stream or $Error' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $files = @('transcript.txt', 'streams.txt', 'errors.txt' | ForEach-Object { Join-Path $script:Out $_ })
        Test-BytesContain -Path (Join-Path $script:Out 'transcript.txt') -Text 'DATACOMPASS_DATABASE_KEY' | Should -BeTrue
        Set-Content -Path (Join-Path $script:Out 'stdout.txt') -Value $script:Protect.Text
        @(Find-Canary -Path ($files + (Join-Path $script:Out 'stdout.txt')) -Canaries @{ Key = $script:Key }) | Should -BeNullOrEmpty
    }

    It 'is read by the sqlcipher command with the same key' -Tag SQLCipher -Skip:($script:NoSqlCipher -or -not (Get-Command sqlcipher -ErrorAction Ignore)) {
        $sql = "PRAGMA key = '$($script:Key)'; SELECT count(*) FROM data_sources;"
        $count = $sql | & sqlcipher $script:Database 2>&1
        "$count" | Should -Match '(^|\s)25$'
    }

    It 'refuses a wrong key and a missing one with DcDatabaseKeyInvalid, and changes nothing' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $before = Get-FolderSnapshot $script:Folder
        $wrong = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $script:Folder; DATACOMPASS_DATABASE_KEY = 'not-the-key' } -Script @'
Result @{ Get = ErrorOf { Get-DcSource }; Add = ErrorOf { Add-DcSource -Name x -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${P}' } }; Unprotect = ErrorOf { Unprotect-DcDatabase -Confirm:$false } }
'@
        $missing = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $script:Folder } -Script @'
Result @{ Get = ErrorOf { Get-DcSource }; Test = ErrorOf { Test-DcSource -Name src1 }; Unprotect = ErrorOf { Unprotect-DcDatabase -Confirm:$false } }
'@
        foreach ($id in $wrong.Result.Get, $wrong.Result.Add, $wrong.Result.Unprotect) {
            $id | Should -BeLike 'DcDatabaseKeyInvalid|SecurityError|The database key from $env:DATACOMPASS_DATABASE_KEY does not open the catalog database*' -Because $wrong.Text
        }
        $missing.Result.Get | Should -BeLike 'DcDatabaseKeyInvalid|SecurityError|*is encrypted*no database key is set*DATACOMPASS_DATABASE_KEY*' -Because $missing.Text
        $missing.Result.Test | Should -BeLike 'DcDatabaseKeyInvalid|*'
        $missing.Result.Unprotect | Should -BeLike 'DcDatabaseKeyInvalid|SecurityError|A database key is needed to decrypt*'
        Get-FolderSnapshot $script:Folder | Should -Be $before
    }

    It 'opens with a key kept in a vault (config database_key_ref), and a missing secret is DcDatabaseKeyInvalid' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $vault = New-TestVault -Prefix DbKeys
        $run = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $script:Folder; DCTEST_KEY = $script:Key; DCTEST_VAULT = $vault } -Script @'
Set-Secret -Vault $env:DCTEST_VAULT -Name dc-db-key -Secret $env:DCTEST_KEY
Set-DcConfig -DatabaseKeyRef "$env:DCTEST_VAULT/dc-db-key"
$names = @(Get-DcSource | ForEach-Object Name)
$config = Get-DcConfig
Set-DcConfig -DatabaseKeyRef "$env:DCTEST_VAULT/no-such-secret"
$missing = ErrorOf { Get-DcSource }
Set-DcConfig -DatabaseKeyRef "$env:DCTEST_VAULT/dc-db-key"
Result @{ Count = $names.Count; Ref = $config.DatabaseKeyRef; Missing = $missing; Audit = @(Get-DcAuditEvent -Action set-config).Count }
'@
        $run.Result.Count | Should -Be 25 -Because $run.Text
        $run.Result.Ref | Should -BeExactly "$vault/dc-db-key"
        $run.Result.Missing | Should -BeLike "DcDatabaseKeyInvalid|SecurityError|*vault://$vault/no-such-secret, which does not exist*"
        $run.Result.Audit | Should -BeGreaterOrEqual 2
        Remove-TestVault -Name $vault
        Remove-Item (Join-Path $script:Folder 'config.yaml')
    }

    It 'is decrypted by Unprotect-DcDatabase into the very rows it started from' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $run = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $script:Folder; DATACOMPASS_DATABASE_KEY = $script:Key } -Script @'
$result = Unprotect-DcDatabase -Confirm:$false
Result @{ Encrypted = $result.Encrypted; Changed = $result.Changed; Sources = $result.Sources; KeyOrigin = $result.KeyOrigin }
'@
        $run.Result.Encrypted | Should -BeFalse -Because $run.Text
        $run.Result.Changed | Should -BeTrue
        $run.Result.Sources | Should -Be 25
        $run.Result.KeyOrigin | Should -BeNullOrEmpty
        Get-Header $script:Database | Should -BeExactly $script:Plain
        # The same rows, the audit trail aside (it gained the protect and unprotect events, and the config changes).
        $after = @(Get-CatalogDump $script:Database)
        $strip = { param($dump) $inAudit = $false; foreach ($line in $dump) { if ($line -like '== *') { $inAudit = $line -eq '== dc_audit_events' }; if (-not $inAudit) { $line } } }
        @(& $strip $after) | Should -Be @(& $strip $script:DumpBefore)
        $actions = @(Invoke-RawSql -Database $script:Database -ReadOnly -Sql 'SELECT action FROM dc_audit_events ORDER BY id' | ForEach-Object action)
        $actions | Should -Contain 'protect-database'
        $actions[-1] | Should -BeExactly 'unprotect-database'
    }
}

Describe 'The SQLite library of a session' {
    It 'is chosen at the first catalog: an encrypted one needs a new session once the bundled library is in use' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $folder = Join-Path $TestDrive 'switch'
        $database = New-PlainCatalog -Folder $folder -Canary (New-Canary 'switch')
        $run = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $folder } -Script @'
$first = @(Get-DcSource).Count
$env:DATACOMPASS_DATABASE_KEY = 'set-too-late'
Result @{ First = $first; Protect = ErrorOf { Protect-DcDatabase -Confirm:$false }; Still = @(Get-DcSource).Count }
'@
        $run.Result.First | Should -Be 3 -Because $run.Text
        $run.Result.Protect | Should -BeLike 'DcSqliteLibraryInUse|InvalidOperation|*already opened a catalog with DataCompass''s bundled SQLite*Start a new PowerShell session*'
        $run.Result.Still | Should -Be 3
        Get-Header $database | Should -BeExactly $script:Plain
    }

    It 'creates a new catalog encrypted while a key is set, and reads plain catalogs in the same session' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $plainFolder = Join-Path $TestDrive 'mixed-plain'
        $plain = New-PlainCatalog -Folder $plainFolder -Canary (New-Canary 'mixed')
        $newFolder = Join-Path $TestDrive 'mixed-new'
        $run = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $newFolder; DATACOMPASS_DATABASE_KEY = (New-Canary 'newkey'); DCTEST_PLAIN = $plain } -Script @'
Add-DcSource -Name fresh -Type postgresql -Connection @{ host = 'fresh.example.com'; database = 'd'; username = 'u'; password = '${P}' }
Result @{ New = @(Get-DcSource).Name; Plain = @(Get-DcSource -Database $env:DCTEST_PLAIN).Count }
'@
        $run.Result.New | Should -Be @('fresh') -Because $run.Text
        $run.Result.Plain | Should -Be 3
        Get-Header (Join-Path $newFolder 'datacompass.db') | Should -Not -BeLike 'SQLite format 3*'
        Get-Header $plain | Should -BeExactly $script:Plain
    }

    It 'refuses to convert a catalog another process has open, and leaves it as it was' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $folder = Join-Path $TestDrive 'busy'
        $database = New-PlainCatalog -Folder $folder -Canary (New-Canary 'busy')
        $before = @(Get-CatalogDump $database)
        # Another process reading the catalog in a transaction it keeps open longer than a conversion waits (15 s).
        $ready = Join-Path $TestDrive 'holder-ready'
        $holder = Start-Job -ScriptBlock {
            param($raw, $db, $ready)
            . $raw
            Invoke-RawSqlHolding -Database $db -Seconds 60 -Ready $ready
        } -ArgumentList (Join-Path $PSScriptRoot 'RawSql.ps1'), $database, $ready
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Test-Path $ready) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Test-Path $ready | Should -BeTrue -Because ($holder | Receive-Job -ErrorAction Continue 2>&1 | Out-String)
            $run = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $folder; DATACOMPASS_DATABASE_KEY = 'busy-key' } -Script @'
Result @{ Protect = ErrorOf { Protect-DcDatabase -Confirm:$false } }
'@
        }
        finally {
            $holder | Stop-Job -PassThru | Remove-Job -Force
        }
        $run.Result.Protect | Should -BeLike 'DcDatabaseUnavailable|ResourceUnavailable|*is in use by another process*left as it was*' -Because $run.Text
        Get-Header $database | Should -BeExactly $script:Plain
        @(Get-CatalogDump $database) | Should -Be $before
        @(Get-ChildItem -Path $folder -Force -Filter '*.dc-convert-*') | Should -BeNullOrEmpty
    }
}

Describe 'A conversion killed at a random moment' {
    It 'leaves the catalog whole each time: the original, or the verified copy in its place' -Tag SQLCipher -Skip:$script:NoSqlCipher {
        $folder = Join-Path $TestDrive 'killed'
        $database = New-PlainCatalog -Folder $folder -Canary (New-Canary 'killed') -Count 1500
        $key = 'kill-key'
        $script = Join-Path $TestDrive 'convert.ps1'
        Set-Content -Path $script -Value @"
`$ErrorActionPreference = 'Stop'
`$env:DATACOMPASS_DATA_DIR = '$folder'
`$env:DATACOMPASS_DATABASE_KEY = '$key'
Import-Module '$($script:DcModulePath)'
'START'
while (`$true) { Protect-DcDatabase -Confirm:`$false | Out-Null; Unprotect-DcDatabase -Confirm:`$false | Out-Null }
"@
        $kills = 0
        for ($i = 0; $i -lt 6; $i++) {
            $outcome = Stop-ChildAtRandom -ScriptPath $script -MinimumDelay 300 -MaximumDelay 2500
            if ($outcome.Killed) { $kills++ }
            $check = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $folder; DATACOMPASS_DATABASE_KEY = $key } -Script @'
$header = [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes((Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db')), 0, 15)
Result @{ Count = @(Get-DcSource).Count; Encrypted = $header -ne 'SQLite format 3'; Last = (Get-DcSource -Name src1500).Name }
'@
            $check.Result.Count | Should -Be 1500 -Because "after a kill at $($outcome.Delay) ms: $($check.Text)"
            $check.Result.Last | Should -BeExactly 'src1500'
        }
        $kills | Should -BeGreaterThan 0
        # The next run removes what a killed one left beside the catalog, and converts it as asked.
        $final = Invoke-Child -Environment @{ DATACOMPASS_DATA_DIR = $folder; DATACOMPASS_DATABASE_KEY = $key } -Script @'
$p = Protect-DcDatabase -Confirm:$false
$u = Unprotect-DcDatabase -Confirm:$false
Result @{ P = $p.Encrypted; U = $u.Encrypted; Sources = $u.Sources }
'@
        $final.Result.P | Should -BeTrue -Because $final.Text
        $final.Result.U | Should -BeFalse
        $final.Result.Sources | Should -Be 1500
        @(Get-ChildItem -Path $folder -Force -Filter '*.dc-convert-*') | Should -BeNullOrEmpty
        @(Invoke-RawSql -Database $database -ReadOnly -Sql 'PRAGMA integrity_check' | ForEach-Object integrity_check) | Should -Be @('ok')
    }
}

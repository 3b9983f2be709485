#Requires -Version 7.4
# Faults from outside the module: a catalog file that may not be written, a full disk, a damaged or cut file, and
# a vault that does not answer. Each ends in a DataCompass error, and the catalog keeps every committed source.
# Covered elsewhere: a non-SQLite file, a newer schema version and a foreign data_sources table (Catalog.Tests.ps1),
# a vault that throws or is locked (Add-DcSource.Vault, Set-DcSourceSecret, Get-DcSourceConnection.Vault,
# SecretStore), SecretManagement missing (SecretManagementAbsent.Tests.ps1).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_ENCRYPTION_KEY', 'DATACOMPASS_DATA_DIR', 'DCTEST_FAULT_PW')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    Set-TestVariable DATACOMPASS_DATA_DIR $null
    $env:DCTEST_FAULT_PW = 'from-the-environment'

    $script:IsRoot = -not $IsWindows -and (& id -u) -eq '0'

    function Get-Pg([string] $Password = '${DCTEST_FAULT_PW}') {
        @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password }
    }

    function Get-Id([string] $ErrorId, [string] $Cmdlet) { Get-DcErrorId $ErrorId $Cmdlet }

    function Get-Failure {
        # The errors a command ends with, terminating or not: their FullyQualifiedErrorIds.
        param([scriptblock] $Command, [object[]] $Arguments = @())
        try { $records = @(& $Command @Arguments 2>&1) } catch { return $_.FullyQualifiedErrorId }
        @($records | Where-Object { $_ -is [Management.Automation.ErrorRecord] } | ForEach-Object FullyQualifiedErrorId)
    }

    function Get-Integrity([string] $Database) {
        (Invoke-RawSql -Database $Database -Sql 'PRAGMA integrity_check' -ReadOnly | ForEach-Object integrity_check) -join '; '
    }

    function Get-Passwords([string] $Database, [string[]] $Names) {
        $values = [ordered]@{}
        foreach ($name in $Names) { $values[$name] = (Get-DcSourceConnection -Database $Database -Name $name -AsPlainText -ErrorAction Stop).Settings['password'] }
        $values
    }

    function Get-FileHashes([string] $Database) {
        # The main file only: WAL-mode reads may create an empty -wal and a -shm beside it.
        (Get-FileHash -Algorithm SHA256 -LiteralPath $Database).Hash
    }
}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'A catalog file that may not be written' -Skip:$IsWindows {
    BeforeAll {
        $script:Ro = Join-Path $TestDrive 'readonly/datacompass.db'
        Add-DcSource -Database $script:Ro -Name 'kept' -Type postgresql -Connection (Get-Pg) -ErrorAction Stop
        # Root ignores mode bits, so the file is made immutable (chattr +i) where that is possible; as another
        # user, mode 0444 does the same.
        $script:ReadOnlyHow = $null
        if ($script:IsRoot) {
            & chattr +i $script:Ro 2>$null
            if ($LASTEXITCODE -eq 0) { $script:ReadOnlyHow = 'chattr +i' }
        }
        else {
            & chmod 0444 $script:Ro
            $script:ReadOnlyHow = 'mode 0444'
        }
        $script:RoHash = Get-FileHashes $script:Ro
    }

    AfterAll {
        if ($script:ReadOnlyHow -eq 'chattr +i') { & chattr -i $script:Ro }
        elseif ($script:ReadOnlyHow) { & chmod 0600 $script:Ro }
    }

    It 'is really read-only (<_>)' -ForEach @('checked') {
        if (-not $script:ReadOnlyHow) { Set-ItResult -Skipped -Because 'this file system does not support chattr +i and root ignores mode bits' ; return }
        { [IO.File]::OpenWrite($script:Ro).Dispose() } | Should -Throw
    }

    It 'refuses <Command> with DcDatabaseUnavailable and leaves the file as it was' -ForEach @(
        @{ Command = 'Add-DcSource'; Run = { Add-DcSource -Database $script:Ro -Name 'new' -Type postgresql -Connection (Get-Pg) } }
        @{ Command = 'Remove-DcSource'; Run = { Remove-DcSource -Database $script:Ro -Name 'kept' -Confirm:$false } }
    ) {
        if (-not $script:ReadOnlyHow) { Set-ItResult -Skipped -Because 'the file could not be made read-only'; return }
        $failure = Get-Failure $Run
        $failure | Should -Be @(Get-Id 'DcDatabaseUnavailable' $Command)
        Get-FileHashes $script:Ro | Should -Be $script:RoHash
    }

    It 'still reads, resolves and tests the sources' {
        if (-not $script:ReadOnlyHow) { Set-ItResult -Skipped -Because 'the file could not be made read-only'; return }
        @(Get-DcSource -Database $script:Ro -ErrorAction Stop).Name | Should -Be @('kept')
        (Get-DcSourceConnection -Database $script:Ro -Name 'kept' -AsPlainText -ErrorAction Stop).Settings['password'] | Should -Be 'from-the-environment'
        Test-DcSource -Database $script:Ro -Name 'kept' -Quiet | Should -BeTrue
        Get-FileHashes $script:Ro | Should -Be $script:RoHash
    }
}

Describe 'A full disk' -Tag 'Vault' {
    BeforeAll {
        # A 256 KiB tmpfs holds the catalog and its config and key files; the vault lives elsewhere.
        $script:Full = Join-Path $TestDrive 'full'
        $null = New-Item -ItemType Directory -Path $script:Full
        $script:Mounted = $false
        if ($script:IsRoot) {
            & mount -t tmpfs -o size=256k,mode=0700 tmpfs $script:Full 2>$null
            $script:Mounted = $LASTEXITCODE -eq 0
        }
        if (-not $script:Mounted) { return }

        $script:Vault = New-TestVault
        $script:OldKey = New-FernetKeyText
        $script:NewKey = New-FernetKeyText
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:OldKey
        $script:Db = Join-Path $script:Full 'datacompass.db'
        $script:Expected = [ordered]@{}
        foreach ($kind in 'vault', 'enc', 'plain') {
            foreach ($i in 1..3) {
                $name = "$kind$i"
                $script:Expected[$name] = New-Canary $name
                $arguments = @{ Database = $script:Db; Name = $name; Type = 'postgresql'; Connection = (Get-Pg $script:Expected[$name]); ErrorAction = 'Stop' }
                switch ($kind) { 'vault' { $arguments.Vault = $script:Vault } 'enc' { $arguments.Encrypt = $true } 'plain' { $arguments.AllowPlaintext = $true; $arguments.WarningAction = 'SilentlyContinue' } }
                Add-DcSource @arguments
            }
        }
        $script:Names = @($script:Expected.Keys)

        # A reader keeps the catalog open, as another runbook would, so the -wal and -shm exist: only new pages
        # need space. Then a filler takes every free block.
        Initialize-RawSql
        $script:Holder = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$($script:Db);Pooling=False")
        $script:Holder.Open()
        $command = $script:Holder.CreateCommand()
        $command.CommandText = 'SELECT count(*) FROM data_sources'
        $null = $command.ExecuteScalar()
        $script:Filler = Join-Path $script:Full 'filler'
        $stream = [IO.File]::OpenWrite($script:Filler)
        $block = [byte[]]::new(4096)
        try { while ($true) { $stream.Write($block, 0, $block.Length); $stream.Flush() } } catch { } finally { try { $stream.Dispose() } catch { } }

        $env:DATACOMPASS_ENCRYPTION_KEY = "$($script:NewKey),$($script:OldKey)"
        $newSecret = ConvertTo-SecureString (New-Canary 'rotated') -AsPlainText -Force
        $script:Failures = [ordered]@{
            'Add-DcSource'           = Get-Failure { Add-DcSource -Database $script:Db -Name 'wide' -Type postgresql -Connection (Get-Pg) }
            'Set-DcSourceSecret'     = Get-Failure { Set-DcSourceSecret -Database $script:Db -Name 'enc1' -Field password -Secret $newSecret }
            'Update-DcEncryptionKey' = Get-Failure { Update-DcEncryptionKey -Database $script:Db }
            'Convert-DcSourceSecret' = Get-Failure { Convert-DcSourceSecret -Database $script:Db -Vault $script:Vault -Confirm:$false }
            'Remove-DcSource'        = Get-Failure { Remove-DcSource -Database $script:Db -Name 'plain1' -Confirm:$false }
            'Set-DcConfig'           = Get-Failure { Set-DcConfig -Database $script:Db -SecretVault $script:Vault -WarningAction SilentlyContinue }
            'New-DcEncryptionKey'    = Get-Failure { New-DcEncryptionKey -Database $script:Db -WarningAction SilentlyContinue }
        }
        $script:FreeWhileFull = (& df -k --output=avail $script:Full | Select-Object -Last 1).Trim()
    }

    AfterAll {
        if ($script:Holder) { $script:Holder.Dispose() }
        if ($script:Mounted) { & umount $script:Full }
    }

    It 'was full while the commands ran' {
        if (-not $script:Mounted) { Set-ItResult -Skipped -Because 'mounting a small tmpfs needs root'; return }
        $script:FreeWhileFull | Should -Be '0'
    }

    It '<_> ends with a DataCompass error' -ForEach @('Add-DcSource', 'Set-DcSourceSecret', 'Update-DcEncryptionKey', 'Convert-DcSourceSecret', 'Remove-DcSource') {
        if (-not $script:Mounted) { Set-ItResult -Skipped -Because 'mounting a small tmpfs needs root'; return }
        $script:Failures[$_] | Should -Be @(Get-Id 'DcDatabaseUnavailable' $_)
    }

    It 'Set-DcConfig ends with DcConfigFileUnavailable and New-DcEncryptionKey with DcEncryptionKeyFileUnavailable, leaving no file' {
        if (-not $script:Mounted) { Set-ItResult -Skipped -Because 'mounting a small tmpfs needs root'; return }
        $script:Failures['Set-DcConfig'] | Should -Be @(Get-Id 'DcConfigFileUnavailable' 'Set-DcConfig')
        $script:Failures['New-DcEncryptionKey'] | Should -Be @(Get-Id 'DcEncryptionKeyFileUnavailable' 'New-DcEncryptionKey')
        @(Get-ChildItem -LiteralPath $script:Full -Force | Where-Object Name -match '^(config\.yaml|key)($|\.tmp)') | Should -BeNullOrEmpty
    }

    It 'keeps an intact catalog in which every source resolves to its value, and a second run converges' {
        if (-not $script:Mounted) { Set-ItResult -Skipped -Because 'mounting a small tmpfs needs root'; return }
        Remove-Item -LiteralPath $script:Filler
        # Space again, and room to work in: the audit trail's events (each resolution below records one) and the
        # conversion's VACUUM need more than the few blocks the filler held.
        & mount -o remount,size=4m $script:Full
        Get-Integrity $script:Db | Should -Be 'ok'
        @(Get-DcSource -Database $script:Db | ForEach-Object Name | Sort-Object) | Should -Be @($script:Names | Sort-Object)
        $env:DATACOMPASS_ENCRYPTION_KEY = "$($script:NewKey),$($script:OldKey)"
        (Get-Passwords $script:Db $script:Names).Values | Should -Be @($script:Expected.Values)

        # With space again, the same commands finish the job.
        $null = Update-DcEncryptionKey -Database $script:Db -ErrorAction Stop
        $null = Convert-DcSourceSecret -Database $script:Db -Vault $script:Vault -Confirm:$false -ErrorAction Stop
        (Get-Passwords $script:Db $script:Names).Values | Should -Be @($script:Expected.Values)
        @(Get-DcSource -Database $script:Db | Where-Object HasPlaintextSecret) | Should -BeNullOrEmpty
        @(Get-SecretInfo -Vault $script:Vault | ForEach-Object Name | Sort-Object) |
            Should -Be @($script:Names | ForEach-Object { "DataCompass-$_-password" } | Sort-Object) -Because 'each field has exactly one secret, none left over'
        Get-Integrity $script:Db | Should -Be 'ok'
    }
}

Describe 'A damaged catalog file' {
    BeforeAll {
        # A plaintext source too, so that Convert-DcSourceSecret has something to write and opens the catalog for
        # writing (which checks the file) whether or not its read happens to cross the damaged pages.
        $script:DamageVault = New-TestVault
        function New-DamagedCatalog([string] $Name, [scriptblock] $Damage) {
            $db = Join-Path $TestDrive "$Name/datacompass.db"
            foreach ($i in 1..60) { Add-DcSource -Database $db -Name ('s{0:d2}' -f $i) -Type postgresql -Connection (Get-Pg) -DisplayName ('source number {0} {1}' -f $i, ('.' * 200)) -ErrorAction Stop }
            Add-DcSource -Database $db -Name 'plain' -Type postgresql -Connection (Get-Pg 'plain-fault-value') -AllowPlaintext -WarningAction SilentlyContinue -ErrorAction Stop
            & $Damage $db
            $db
        }
        $script:Corrupt = New-DamagedCatalog 'corrupt' {
            param($db)
            # Random bytes over two pages in the middle of the file.
            $length = (Get-Item -LiteralPath $db).Length
            $stream = [IO.File]::OpenWrite($db)
            try {
                $stream.Position = [long]($length / 2) - 4096
                $noise = [byte[]]::new(8192); [Random]::new(42).NextBytes($noise)
                $stream.Write($noise, 0, $noise.Length)
            }
            finally { $stream.Dispose() }
        }
        $script:Truncated = New-DamagedCatalog 'truncated' {
            param($db)
            $stream = [IO.File]::OpenWrite($db)
            try { $stream.SetLength([long]($stream.Length / 2)) } finally { $stream.Dispose() }
        }
    }

    It 'refuses <Command> on a <Kind> file with DcDatabaseInvalid and leaves the file as it was' -ForEach @(
        @{ Kind = 'corrupt'; Command = 'Add-DcSource'; Run = { param($db) Add-DcSource -Database $db -Name 'new' -Type postgresql -Connection (Get-Pg) } }
        @{ Kind = 'corrupt'; Command = 'Remove-DcSource'; Run = { param($db) Remove-DcSource -Database $db -Name 's01' -Confirm:$false } }
        @{ Kind = 'corrupt'; Command = 'Convert-DcSourceSecret'; Run = { param($db) Convert-DcSourceSecret -Database $db -Vault $script:DamageVault -Confirm:$false } }
        @{ Kind = 'truncated'; Command = 'Add-DcSource'; Run = { param($db) Add-DcSource -Database $db -Name 'new' -Type postgresql -Connection (Get-Pg) } }
        @{ Kind = 'truncated'; Command = 'Remove-DcSource'; Run = { param($db) Remove-DcSource -Database $db -Name 's01' -Confirm:$false } }
    ) {
        $db = if ($Kind -eq 'corrupt') { $script:Corrupt } else { $script:Truncated }
        $before = Get-FileHashes $db
        $failure = Get-Failure $Run @($db)
        $failure | Should -Be @(Get-Id 'DcDatabaseInvalid' $Command)
        Get-FileHashes $db | Should -Be $before
    }

    It 'reports a read of the damaged part of a <_> file as DcDatabaseInvalid, never as an empty catalog' -ForEach @('corrupt', 'truncated') {
        $db = if ($_ -eq 'corrupt') { $script:Corrupt } else { $script:Truncated }
        $read = try { @(Get-DcSource -Database $db -ErrorAction Stop).Count } catch { $_.FullyQualifiedErrorId }
        # A read either gets every row (the damage is elsewhere) or fails with the Dc error.
        if ($read -is [string]) { $read | Should -Be (Get-Id 'DcDatabaseInvalid' 'Get-DcSource') }
        else { $read | Should -Be 61 }
        $quiet = try { Test-DcSource -Database $db -Quiet -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        $quiet | Should -BeIn @($false, $true, (Get-Id 'DcDatabaseInvalid' 'Test-DcSource'))
    }
}

Describe 'A vault that does not answer in time' -Tag 'Vault' {
    BeforeAll {
        $script:SlowSet = New-TestVault -Behaviour @{ Timeout = 'Set'; TimeoutMs = 300 }
        $script:SlowGet = New-TestVault -Behaviour @{ Timeout = 'All'; TimeoutMs = 300 }
        $script:TimeoutDb = Join-Path $TestDrive 'timeout/datacompass.db'
        Add-DcSource -Database $script:TimeoutDb -Name 'earlier' -Type postgresql -Connection (Get-Pg) -ErrorAction Stop
        Add-DcSource -Database $script:TimeoutDb -Name 'slow' -Type postgresql -Connection (Get-Pg "`${secret:$($script:SlowGet)/slow-pw}") -ErrorAction Stop
    }

    It 'refuses Add-DcSource of a literal secret with DcVaultFailed and adds nothing' {
        $before = Get-FileHashes $script:TimeoutDb
        $canary = New-Canary 'timeout'
        $errors = $null
        Add-DcSource -Database $script:TimeoutDb -Name 'late' -Type postgresql -Connection (Get-Pg $canary) -Vault $script:SlowSet -ErrorVariable errors -ErrorAction SilentlyContinue
        @($errors | ForEach-Object FullyQualifiedErrorId) | Should -Be @(Get-Id 'DcVaultFailed' 'Add-DcSource')
        Assert-NoValue $errors @($canary)
        @(Get-DcSource -Database $script:TimeoutDb | ForEach-Object Name) | Should -Be @('earlier', 'slow')
        Get-FileHashes $script:TimeoutDb | Should -Be $before
        @(Get-SecretInfo -Vault $script:SlowSet) | Should -BeNullOrEmpty
    }

    It 'refuses Set-DcSourceSecret with DcVaultFailed and keeps the old credential' {
        { Set-DcSourceSecret -Database $script:TimeoutDb -Name 'earlier' -Field password -Secret (ConvertTo-SecureString 'x-new' -AsPlainText -Force) -Vault $script:SlowSet -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-Id 'DcVaultFailed' 'Set-DcSourceSecret')
        (Get-DcSourceConnection -Database $script:TimeoutDb -Name 'earlier' -AsPlainText).Settings['password'] | Should -Be 'from-the-environment'
    }

    It 'reports the reference as DcVaultFailed in Get-DcSourceConnection, emits nothing for it, and still resolves the others' {
        $errors = $null
        $connections = @(Get-DcSourceConnection -Database $script:TimeoutDb -Name 'slow', 'earlier' -ErrorVariable errors -ErrorAction SilentlyContinue)
        $connections.Name | Should -Be @('earlier')
        @($errors | ForEach-Object FullyQualifiedErrorId) | Should -Be @(Get-Id 'DcVaultFailed' 'Get-DcSourceConnection')
        "$($errors[0])" | Should -Match ([regex]::Escape($script:SlowGet))
    }

    It 'shows the reference as not resolving in Test-DcSource' {
        Test-DcSource -Database $script:TimeoutDb -Name 'slow' -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }
}

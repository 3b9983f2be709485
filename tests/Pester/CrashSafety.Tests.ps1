#Requires -Version 7.4
# State-changing commands killed (SIGKILL, whole process tree) at a random moment, for those that no other file
# kills: Remove-DcSource -RemoveSecret over a pipeline of sources, Add-DcSource over a pipeline of sources, and
# New-DcEncryptionKey. After each kill: the file is intact, every source resolves to its last committed
# credential, every secret in the vault is one DataCompass accounts for, and the same command run again converges.
# (Convert-DcSourceSecret, Update-DcEncryptionKey, Set-DcSourceSecret and a single Add-DcSource have their own.)

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_ENCRYPTION_KEY', 'DATACOMPASS_DATA_DIR')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    Set-TestVariable DATACOMPASS_ENCRYPTION_KEY $null
    Set-TestVariable DATACOMPASS_DATA_DIR $null

    function Get-RingKeys([string] $Path) { @((Get-Content -Raw -LiteralPath $Path) -split '[,\r\n]' | Where-Object { $_.Trim() }) }

    function Get-Integrity([string] $Database) {
        (Invoke-RawSql -Database $Database -Sql 'PRAGMA integrity_check' -ReadOnly | ForEach-Object integrity_check) -join '; '
    }

    function Get-SecretNames([string] $Vault) { @(Get-SecretInfo -Vault $Vault | ForEach-Object Name | Sort-Object) }

    function Get-AddEvents([string] $Database) {
        # The source of each add event whose source is still there, sorted; an event for a gone source is a failure below.
        # A kill before the first add's schema was written leaves a file with no tables, hence no events.
        $tables = @(Invoke-RawSql -Database $Database -ReadOnly -Sql "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'dc_audit_events'")
        if ($tables.Count -eq 0) { return @() }
        $rows = @(Invoke-RawSql -Database $Database -ReadOnly -Sql "SELECT e.source_name AS name, s.id AS live FROM dc_audit_events e LEFT JOIN data_sources s ON s.id = e.source_id WHERE e.action = 'add'")
        foreach ($row in $rows) { $row.live | Should -Not -BeNullOrEmpty -Because "the add event of '$($row.name)' has its row" }
        @($rows | ForEach-Object name | Sort-Object)
    }

    function Get-AccountedSecrets([string] $Database) {
        # Every secret the catalog knows it owns: recorded for a source, or queued for removal after one went.
        $owned = @(Invoke-RawSql -Database $Database -ReadOnly -Sql 'SELECT secret_name FROM dc_source_secrets' | ForEach-Object secret_name)
        $queued = @(Invoke-RawSql -Database $Database -ReadOnly -Sql "SELECT secret_name FROM dc_pending_secret_removals" | ForEach-Object secret_name)
        @($owned + $queued | Sort-Object -Unique)
    }

    function Assert-Resolves([string] $Database, [System.Collections.IDictionary] $Expected) {
        $names = @(Get-DcSource -Database $Database | ForEach-Object Name)
        foreach ($name in $names) {
            (Get-DcSourceConnection -Database $Database -Name $name -AsPlainText -ErrorAction Stop).Settings['password'] |
                Should -BeExactly $Expected[$name] -Because "$name keeps its last committed credential"
        }
        $names
    }

    function Write-Round([string] $What, $Run, [string] $State) {
        Write-Host ("    {0}: {1} ms, {2}; {3}" -f $What, $Run.Delay, $(if ($Run.Killed) { 'killed' } else { 'had finished' }), $State)
    }
}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'Remove-DcSource -RemoveSecret over a pipeline, killed at a random moment' -Tag 'Vault', 'Chaos' {
    It 'leaves no secret unaccounted for, every remaining source resolving, and converges, round <_>' -ForEach (1..([int]$(if ($env:DATACOMPASS_CHAOS_ROUNDS) { $env:DATACOMPASS_CHAOS_ROUNDS } else { 3 }))) {
        # The vault waits before each removal, so kills often land between a row's transaction and its secret's removal.
        $vault = New-TestVault -Behaviour @{ PauseBeforeRemoveMs = 150 }
        try {
            $db = Join-Path $TestDrive "remove-$(New-Guid)/datacompass.db"
            $expected = [ordered]@{}
            foreach ($i in 1..10) {
                $expected["s$i"] = New-Canary "rm$i"
                Add-DcSource -Database $db -Vault $vault -Name "s$i" -Type postgresql -ErrorAction Stop `
                    -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $expected["s$i"] }
            }
            $child = Join-Path $TestDrive "remove-$(New-Guid).ps1"
            Set-Content -Path $child -Value ("Import-Module '{0}'; `$null = Get-SecretVault; 'START'; Get-DcSource -Database '{1}' | Remove-DcSource -RemoveSecret -Confirm:`$false; 'DONE'" -f $script:DcModulePath, $db)
            $run = Stop-ChildAtRandom -ScriptPath $child -MinimumDelay 600 -MaximumDelay 3500

            Get-Integrity $db | Should -Be 'ok'
            $left = Assert-Resolves $db $expected
            $secrets = Get-SecretNames $vault
            Write-Round 'remove' $run ("{0} sources left, {1} secrets, {2} queued" -f $left.Count, $secrets.Count, @(Invoke-RawSql -Database $db -ReadOnly -Sql 'SELECT * FROM dc_pending_secret_removals').Count)
            foreach ($name in $left) { $secrets | Should -Contain "DataCompass-$name-password" -Because "$name still needs its secret" }
            foreach ($secret in $secrets) { Get-AccountedSecrets $db | Should -Contain $secret -Because "'$secret' must be one DataCompass can account for" }

            # The same command again finishes the job: no source, no secret, nothing queued.
            Get-DcSource -Database $db | Remove-DcSource -RemoveSecret -Confirm:$false -ErrorAction Stop
            Remove-DcSource -Database $db -Name 'nothing-left-*' -RemoveSecret -Confirm:$false -ErrorAction Stop
            @(Get-DcSource -Database $db) | Should -BeNullOrEmpty
            Get-SecretNames $vault | Should -BeNullOrEmpty
            @(Invoke-RawSql -Database $db -ReadOnly -Sql 'SELECT * FROM dc_pending_secret_removals') | Should -BeNullOrEmpty
            Get-Integrity $db | Should -Be 'ok'
        }
        finally {
            Remove-TestVault -Name $vault
        }
    }
}

Describe 'Add-DcSource over a pipeline, killed at a random moment' -Tag 'Vault', 'Chaos' {
    It 'leaves each source added with its secret or not at all, and converges, round <_>' -ForEach (1..([int]$(if ($env:DATACOMPASS_CHAOS_ROUNDS) { $env:DATACOMPASS_CHAOS_ROUNDS } else { 3 }))) {
        $vault = New-TestVault -Behaviour @{ PauseAfterSetMs = 150 }
        try {
            $folder = Join-Path $TestDrive "add-$(New-Guid)"
            $db = Join-Path $folder 'datacompass.db'
            $null = New-Item -ItemType Directory -Path $folder
            $expected = [ordered]@{}
            $rows = foreach ($i in 1..10) {
                $expected["s$i"] = New-Canary "add$i"
                [pscustomobject]@{ Name = "s$i"; Type = 'postgresql'; Connection = @{ host = 'h'; database = 'd'; username = 'u'; password = $expected["s$i"] } }
            }
            # The values reach the child in a file of its own, never on its command line.
            $rows | Export-Clixml -Path (Join-Path $folder 'rows.xml')
            $child = Join-Path $folder 'add.ps1'
            Set-Content -Path $child -Value ("Import-Module '{0}'; `$null = Get-SecretVault; `$rows = Import-Clixml '{1}'; 'START'; `$rows | Add-DcSource -Database '{2}' -Vault '{3}' | Out-Null; 'DONE'" -f
                $script:DcModulePath, (Join-Path $folder 'rows.xml'), $db, $vault)
            $run = Stop-ChildAtRandom -ScriptPath $child -MinimumDelay 300 -MaximumDelay 3000

            $added = @(Get-CatalogSource -Database $db | ForEach-Object Name)
            Write-Round 'add' $run ("{0} sources added, {1} secrets" -f $added.Count, (Get-SecretNames $vault).Count)
            if (Test-Path -LiteralPath $db) {
                Get-Integrity $db | Should -Be 'ok'
                $null = Assert-Resolves $db $expected
                # The event is written in the add's own transaction: one per source added, none for an add the kill undid.
                @(Get-AddEvents $db) | Should -Be @($added | Sort-Object)
            }

            # The same pipeline again: adds the rest (reusing what a killed add left), refuses what is there.
            $errors = $null
            $rows | Add-DcSource -Database $db -Vault $vault -ErrorVariable errors -ErrorAction SilentlyContinue | Out-Null
            @($errors | Where-Object FullyQualifiedErrorId -ne (Get-DcErrorId 'DcSourceExists' 'Add-DcSource')) | Should -BeNullOrEmpty
            @(Assert-Resolves $db $expected | Sort-Object) | Should -Be @($expected.Keys | Sort-Object)
            Get-SecretNames $vault | Should -Be @($expected.Keys | ForEach-Object { "DataCompass-$_-password" } | Sort-Object) -Because 'one secret per source, none duplicated'
            Get-AccountedSecrets $db | Should -Be (Get-SecretNames $vault)
            @(Get-AddEvents $db) | Should -Be @($expected.Keys | Sort-Object) -Because 'exactly one add event per source'
            Get-Integrity $db | Should -Be 'ok'
        }
        finally {
            Remove-TestVault -Name $vault
        }
    }
}

Describe 'New-DcEncryptionKey killed at a random moment' -Tag 'Encryption', 'Chaos' {
    It 'leaves the old ring or the new one, a readable config, and values that decrypt, round <_>' -ForEach (1..([int]$(if ($env:DATACOMPASS_CHAOS_ROUNDS) { $env:DATACOMPASS_CHAOS_ROUNDS } else { 3 }))) {
        $folder = Join-Path $TestDrive "key-$(New-Guid)"
        $db = Join-Path $folder 'datacompass.db'
        $keyFile = Join-Path $folder 'key'
        $null = New-DcEncryptionKey -Database $db -ErrorAction Stop
        Set-DcConfig -Database $db -SecretNameTemplate 'DC-{source}-{field}' -ErrorAction Stop
        $expected = [ordered]@{}
        foreach ($i in 1..3) {
            $expected["e$i"] = New-Canary "key$i"
            Add-DcSource -Database $db -Name "e$i" -Type postgresql -Encrypt -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $expected["e$i"] }
        }
        $before = Get-RingKeys $keyFile

        # The child makes key after key, so the kill lands inside one of them.
        $child = Join-Path $folder 'newkey.ps1'
        Set-Content -Path $child -Value ("Import-Module '{0}'; 'START'; foreach (`$i in 1..200) {{ `$null = New-DcEncryptionKey -Database '{1}' -WarningAction SilentlyContinue }}; 'DONE'" -f $script:DcModulePath, $db)
        $run = Stop-ChildAtRandom -ScriptPath $child -MinimumDelay 50 -MaximumDelay 1500

        $after = Get-RingKeys $keyFile
        Write-Round 'new key' $run ("{0} keys in the ring (was {1}); folder: {2}" -f $after.Count, $before.Count, ((Get-ChildItem -LiteralPath $folder -Force).Name -join ' '))
        foreach ($key in $after) { { Get-FernetKeyId $key } | Should -Not -Throw -Because 'every line of the key file is a whole key' }
        $after.Count | Should -BeGreaterOrEqual $before.Count
        foreach ($key in $before) { $after | Should -Contain $key -Because 'no key of the old ring is lost' }
        if (-not $IsWindows) { (& stat -c '%a' $keyFile) | Should -Be '600' }
        # A kill between writing the new ring's temporary copy and its rename leaves that copy: private, and gone after the next run.
        foreach ($copy in Get-ChildItem -LiteralPath $folder -Force | Where-Object Name -like 'key.tmp*') {
            if (-not $IsWindows) { (& stat -c '%a' $copy.FullName) | Should -Be '600' }
        }
        (Get-DcConfig -Database $db -ErrorAction Stop).SecretNameTemplate | Should -Be 'DC-{source}-{field}'
        $null = Assert-Resolves $db $expected

        # Run again: one more primary key, and everything still decrypts.
        $null = New-DcEncryptionKey -Database $db -ErrorAction Stop -WarningAction SilentlyContinue
        (Get-RingKeys $keyFile).Count | Should -Be ($after.Count + 1)
        @(Get-ChildItem -LiteralPath $folder -Force | Where-Object Name -like 'key.tmp*') | Should -BeNullOrEmpty -Because 'no copy of a key ring is left beside it'
        $null = Assert-Resolves $db $expected
    }
}

Describe 'Move-DcSourceSecret -RemoveOld, killed at a random moment' -Tag 'Vault', 'Chaos' {
    It 'leaves every source resolving, every secret accounted for, and converges, round <_>' -ForEach (1..([int]$(if ($env:DATACOMPASS_CHAOS_ROUNDS) { $env:DATACOMPASS_CHAOS_ROUNDS } else { 3 }))) {
        $from = New-TestVault -Prefix DcTestFrom
        # The target waits after each write, so kills often land between a copy and its row's swap.
        $to = New-TestVault -Prefix DcTestTo -Behaviour @{ PauseAfterSetMs = 150 }
        try {
            $db = Join-Path $TestDrive "move-$(New-Guid)/datacompass.db"
            $expected = [ordered]@{}
            foreach ($i in 1..8) {
                $expected["s$i"] = New-Canary "mv$i"
                Add-DcSource -Database $db -Vault $from -Name "s$i" -Type postgresql -ErrorAction Stop `
                    -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $expected["s$i"] }
            }
            $child = Join-Path $TestDrive "move-$(New-Guid).ps1"
            Set-Content -Path $child -Value ("Import-Module '{0}'; `$null = Get-SecretVault; 'START'; Move-DcSourceSecret -Database '{1}' -From '{2}' -To '{3}' -RemoveOld | Out-Null; 'DONE'" -f $script:DcModulePath, $db, $from, $to)
            $run = Stop-ChildAtRandom -ScriptPath $child -MinimumDelay 300 -MaximumDelay 3000

            Get-Integrity $db | Should -Be 'ok'
            $null = Assert-Resolves $db $expected
            $moved = @(Invoke-RawSql -Database $db -ReadOnly -Sql 'SELECT name FROM data_sources WHERE connection_info LIKE $to' -Parameters @{ '$to' = "%$to/%" })
            Write-Round 'move' $run ("{0} of 8 moved, {1} old copies, {2} copies, {3} queued" -f $moved.Count, (Get-SecretNames $from).Count, (Get-SecretNames $to).Count,
                @(Invoke-RawSql -Database $db -ReadOnly -Sql 'SELECT * FROM dc_pending_secret_removals').Count)
            # Each secret is recorded, queued for removal, or a copy the next run adopts: it holds its source's value.
            foreach ($secret in Get-SecretNames $from) { Get-AccountedSecrets $db | Should -Contain $secret -Because "'$secret' in the old vault must be one DataCompass can account for" }
            foreach ($secret in Get-SecretNames $to) {
                if ((Get-AccountedSecrets $db) -notcontains $secret) {
                    $source = $secret -replace '^DataCompass-(.+)-password$', '$1'
                    Get-Secret -Vault $to -Name $secret -AsPlainText | Should -BeExactly $expected[$source] -Because "an unrecorded copy '$secret' is one a killed run made, which the next run adopts"
                }
            }

            # The same command again finishes the job: every source in the new vault, no old copy, nothing queued.
            $results = @(Move-DcSourceSecret -Database $db -From $from -To $to -RemoveOld -ErrorAction Stop)
            @($results | Where-Object Status -notin 'Moved', 'AlreadyMoved') | Should -BeNullOrEmpty
            $null = Assert-Resolves $db $expected
            Get-SecretNames $from | Should -BeNullOrEmpty
            Get-SecretNames $to | Should -Be @($expected.Keys | ForEach-Object { "DataCompass-$_-password" } | Sort-Object)
            Get-AccountedSecrets $db | Should -Be (Get-SecretNames $to)
            @(Invoke-RawSql -Database $db -ReadOnly -Sql 'SELECT * FROM dc_pending_secret_removals') | Should -BeNullOrEmpty
            @(Invoke-RawSql -Database $db -ReadOnly -Sql "SELECT source_name FROM dc_audit_events WHERE action = 'move'" | ForEach-Object source_name | Sort-Object) |
                Should -Be @($expected.Keys | Sort-Object) -Because 'exactly one move event per source, none for a swap the kill undid'
            Get-Integrity $db | Should -Be 'ok'
        }
        finally {
            Remove-TestVault -Name $from, $to
        }
    }
}

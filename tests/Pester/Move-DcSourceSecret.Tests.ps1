#Requires -Version 7.4
# Move-DcSourceSecret through the module, between two file-backed test vaults: the sources resolve to the same
# values afterwards, -RemoveOld removes only the copies DataCompass made that nothing else uses, a conflicting copy
# fails its field only, -WhatIf changes nothing anywhere, a second run does nothing, and no value leaks.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    Import-Module $script:DcModulePath -Force

    function Add-Vaulted([string] $Database, [string] $Vault, [string] $Name, [string] $Password) {
        # A literal password goes to the vault as DataCompass-<name>-password, owned by the source.
        Add-DcSource -Database $Database -Vault $Vault -Name $Name -Type postgresql -ErrorAction Stop `
            -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $Password }
    }

    function Add-Referring([string] $Database, [string] $Name, [string] $Reference) {
        Add-DcSource -Database $Database -Name $Name -Type postgresql -ErrorAction Stop `
            -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $Reference }
    }

    function Get-Password([string] $Database, [string] $Name) {
        (Get-DcSourceConnection -Database $Database -Name $Name -AsPlainText -ErrorAction Stop).Settings['password']
    }

    function Get-Stored([string] $Database, [string] $Name) {
        (Invoke-RawSql -Database $Database -ReadOnly -Sql 'SELECT connection_info FROM data_sources WHERE name = $n' -Parameters @{ '$n' = $Name }).connection_info |
            ConvertFrom-Json | ForEach-Object password
    }

    function Get-CatalogState([string] $Database) {
        # The file's bytes, and the WAL's when it holds any: a read leaves an empty -wal and a -shm behind.
        $wal = Get-Item -LiteralPath "$Database-wal" -ErrorAction SilentlyContinue
        '{0} {1}' -f (Get-FileHash -LiteralPath $Database).Hash, $(if ($wal -and $wal.Length -gt 0) { (Get-FileHash -LiteralPath $wal.FullName).Hash })
    }

    function Get-SecretNames([string] $Vault) { @(Get-SecretInfo -Vault $Vault | ForEach-Object Name | Sort-Object) }
}

Describe 'Move-DcSourceSecret' -Tag 'Integration', 'Vault' {
    BeforeEach {
        $script:From = New-TestVault -Prefix DcTestFrom
        $script:To = New-TestVault -Prefix DcTestTo
        $script:Db = Join-Path $TestDrive "move-$(New-Guid)/datacompass.db"
    }

    AfterEach {
        Remove-TestVault -Name $script:From, $script:To
    }

    It 'moves several sources, which resolve to the same values afterwards, with one move event each' {
        $values = [ordered]@{ a = New-Canary 'mva'; b = New-Canary 'mvb'; c = New-Canary 'mvc' }
        foreach ($name in $values.Keys) { Add-Vaulted $script:Db $script:From $name $values[$name] }
        Add-Referring $script:Db 'envonly' '${MOVE_TEST_UNSET}'

        $results = @(Move-DcSourceSecret -Database $script:Db -From $script:From -To $script:To -ErrorAction Stop)

        $results.Source | Should -Be @('a', 'b', 'c') -Because 'a field without a reference to either vault has no result'
        $results.Status | Should -Be @('Moved', 'Moved', 'Moved')
        $results[0].From | Should -Be "`${secret:$($script:From)/DataCompass-a-password}"
        $results[0].To | Should -Be "`${secret:$($script:To)/DataCompass-a-password}"
        foreach ($name in $values.Keys) {
            Get-Stored $script:Db $name | Should -Be "`${secret:$($script:To)/DataCompass-$name-password}"
            Get-Password $script:Db $name | Should -BeExactly $values[$name]
        }
        Get-SecretNames $script:From | Should -Be @('DataCompass-a-password', 'DataCompass-b-password', 'DataCompass-c-password') -Because 'without -RemoveOld the old copies stay'
        $events = @(Get-DcAuditEvent -Database $script:Db -Action move)
        $events.Source | Should -Be @('a', 'b', 'c')
        $events[0].Fields[0].Old | Should -Be $results[0].From
        $events[0].Fields[0].New | Should -Be $results[0].To
        (Get-DcSecretInventory -Database $script:Db -Vault $script:From | Where-Object Name -eq 'DataCompass-a-password').Status | Should -Be 'Orphaned' -Because 'the kept copy is still known as one DataCompass made'
    }

    It 'with -RemoveOld removes only owned copies no other source uses, and says why the others stay' {
        Add-Vaulted $script:Db $script:From 'owned' (New-Canary 'own')
        Set-Secret -Vault $script:From -Name 'made-by-hand' -Secret (New-Canary 'hand')
        Add-Referring $script:Db 'foreign' "`${secret:$($script:From)/made-by-hand}"
        Add-Vaulted $script:Db $script:From 'shared' (New-Canary 'share')
        Add-Referring $script:Db 'stays' "`${secret:$($script:From)/DataCompass-shared-password}"

        $results = @(Move-DcSourceSecret -Database $script:Db -Name owned, foreign, shared -From $script:From -To $script:To -RemoveOld -ErrorAction Stop)

        $results.Status | Should -Be @('Moved', 'Moved', 'Moved')
        ($results | Where-Object Source -eq 'owned').Removed | Should -BeTrue
        ($results | Where-Object Source -eq 'foreign').Removed | Should -BeFalse
        ($results | Where-Object Source -eq 'foreign').Message | Should -BeLike '*did not create it*'
        ($results | Where-Object Source -eq 'shared').Removed | Should -BeFalse
        ($results | Where-Object Source -eq 'shared').Message | Should -BeLike "*source 'stays' still uses it*"
        Get-SecretNames $script:From | Should -Be @('DataCompass-shared-password', 'made-by-hand')
        Get-Stored $script:Db 'stays' | Should -Be "`${secret:$($script:From)/DataCompass-shared-password}" -Because 'a source not selected is not changed'
        $null = Get-Password $script:Db 'stays'
        @(Invoke-RawSql -Database $script:Db -ReadOnly -Sql 'SELECT * FROM dc_pending_secret_removals') | Should -BeNullOrEmpty
    }

    It 'fails only the field whose copy in the target vault holds another value' {
        $values = @{ ok = New-Canary 'ok'; clash = New-Canary 'clash' }
        Add-Vaulted $script:Db $script:From 'ok' $values.ok
        Add-Vaulted $script:Db $script:From 'clash' $values.clash
        $other = New-Canary 'other'
        Set-Secret -Vault $script:To -Name 'DataCompass-clash-password' -Secret $other

        $errors = $null
        $results = @(Move-DcSourceSecret -Database $script:Db -From $script:From -To $script:To -RemoveOld -ErrorVariable errors -ErrorAction SilentlyContinue)

        ($results | Where-Object Source -eq 'clash').Status | Should -Be 'Failed'
        ($results | Where-Object Source -eq 'ok').Status | Should -Be 'Moved'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcMoveTargetConflict' 'Move-DcSourceSecret')
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $errors[0].Exception.Message | Should -BeLike "*'DataCompass-clash-password'*"
        Assert-NoValue $errors[0] @($values.clash, $other)
        Get-Stored $script:Db 'clash' | Should -Be "`${secret:$($script:From)/DataCompass-clash-password}"
        Get-Password $script:Db 'clash' | Should -BeExactly $values.clash
        Get-Secret -Vault $script:To -Name 'DataCompass-clash-password' -AsPlainText | Should -BeExactly $other
        Get-SecretNames $script:From | Should -Be @('DataCompass-clash-password')
    }

    It '-WhatIf leaves the catalog byte-identical and writes nothing to either vault' {
        Add-Vaulted $script:Db $script:From 'a' (New-Canary 'whatif')
        Clear-TestVaultCall $script:From
        Clear-TestVaultCall $script:To
        $before = Get-CatalogState $script:Db

        $results = @(Move-DcSourceSecret -Database $script:Db -From $script:From -To $script:To -RemoveOld -WhatIf)

        $results.Status | Should -Be @('Planned') -Because 'a -WhatIf item would be moved; Declined is for a no at the -Confirm prompt'
        Get-CatalogState $script:Db | Should -Be $before
        foreach ($vault in $script:From, $script:To) {
            @(Get-TestVaultCall $vault | Where-Object { $_ -match '^(Set|Remove|Get)-Secret ' }) | Should -BeNullOrEmpty -Because "-WhatIf reads and writes no secret in $vault"
        }
    }

    It 'does nothing on a second run: every field is AlreadyMoved' {
        Add-Vaulted $script:Db $script:From 'a' (New-Canary 'again')
        $null = Move-DcSourceSecret -Database $script:Db -From $script:From -To $script:To -RemoveOld -ErrorAction Stop
        Clear-TestVaultCall $script:To
        $before = Get-CatalogState $script:Db

        $results = @(Move-DcSourceSecret -Database $script:Db -From $script:From -To $script:To -RemoveOld -ErrorAction Stop)

        $results.Status | Should -Be @('AlreadyMoved')
        Get-CatalogState $script:Db | Should -Be $before
        @(Get-TestVaultCall $script:To | Where-Object { $_ -match '^(Set|Remove)-Secret ' }) | Should -BeNullOrEmpty
        @(Get-DcAuditEvent -Database $script:Db -Action move).Count | Should -Be 1
    }

    It 'moves a secret_ref Hashtable secret and keeps its entries' {
        $value = New-Canary 'map'
        Set-Secret -Vault $script:From -Name 'pg-map' -Secret @{ password = $value }
        Add-DcSource -Database $script:Db -Name mapped -Type postgresql -ErrorAction Stop `
            -Connection @{ host = 'h'; database = 'd'; username = 'u'; secret_ref = "vault://$($script:From)/pg-map" }

        $result = Move-DcSourceSecret -Database $script:Db -From $script:From -To $script:To -ErrorAction Stop

        $result.Status | Should -Be 'Moved'
        $result.To | Should -Be "vault://$($script:To)/pg-map"
        Get-Password $script:Db 'mapped' | Should -BeExactly $value
    }

    It 'stops before anything changes when <Case>' -ForEach @(
        @{ Case = 'the target vault is locked'; ErrorId = 'DcVaultLocked'; Category = 'SecurityError' }
        @{ Case = 'the target vault is not registered'; ErrorId = 'DcVaultNotFound'; Category = 'ObjectNotFound' }
        @{ Case = 'both name the same vault'; ErrorId = 'DcMoveVaultsSame'; Category = 'InvalidArgument' }
    ) {
        Add-Vaulted $script:Db $script:From 'a' (New-Canary 'stop')
        $target = switch ($ErrorId) {
            'DcVaultLocked' { New-TestVault -Prefix DcTestLocked -Behaviour @{ Locked = $true } }
            'DcVaultNotFound' { 'NoSuchVaultDc' }
            default { $script:From.ToUpperInvariant() }
        }
        $before = Get-CatalogState $script:Db
        try {
            { Move-DcSourceSecret -Database $script:Db -From $script:From -To $target -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId $ErrorId 'Move-DcSourceSecret')
            $Error[0].CategoryInfo.Category | Should -Be $Category
            $Error[0].Exception.Message | Should -BeLike "*'$target'*"
            if ($ErrorId -eq 'DcVaultLocked') { $Error[0].Exception.Message | Should -BeLike '*Unlock-SecretVault*' }
            Get-CatalogState $script:Db | Should -Be $before
            Get-SecretNames $script:From | Should -Be @('DataCompass-a-password')
        }
        finally {
            if ($ErrorId -eq 'DcVaultLocked') { Remove-TestVault -Name $target }
        }
    }

    It 'lets no moved value reach a stream, $Error, the transcript or the catalog files' {
        $canaries = [ordered]@{ moved = New-Canary 'movecanary'; clash = New-Canary 'moveclash'; other = New-Canary 'moveother' }
        Add-Vaulted $script:Db $script:From 'moved' $canaries.moved
        Add-Vaulted $script:Db $script:From 'clash' $canaries.clash
        Set-Secret -Vault $script:To -Name 'DataCompass-clash-password' -Secret $canaries.other
        $transcript = Join-Path $TestDrive "move-transcript-$(New-Guid).txt"
        $null = Start-Transcript -Path $transcript

        try {
            $text = Get-StreamText {
                Move-DcSourceSecret -Database $script:Db -From $script:From -To $script:To -RemoveOld -Verbose -InformationAction Continue
                Move-DcSourceSecret -Database $script:Db -From $script:From -To $script:To -RemoveOld -WhatIf
                Move-DcSourceSecret -Database $script:Db -From $script:From -To $script:To -RemoveOld | Format-Table | Out-String
            }
        }
        finally {
            $null = Stop-Transcript
        }

        $text | Should -Match 'already holds' -Because 'the run did hit the conflict it is checked for'
        $dump = Join-Path $TestDrive "move-streams-$(New-Guid).txt"
        Set-Content -LiteralPath $dump -Value $text
        $files = @($dump, $transcript) + @(Get-ChildItem -Path (Split-Path $script:Db) -File | ForEach-Object FullName)
        @(Find-Canary -Path $files -Canaries $canaries) | Should -BeNullOrEmpty
    }

    It 'has help examples that run when pasted in order (vault names swapped for the test vaults)' {
        Set-TestVariable 'DATACOMPASS_DATA_DIR' (Split-Path $script:Db)
        try {
            Add-Vaulted $script:Db $script:From 'prod-eu' (New-Canary 'example')
            Add-DcSource -Database $script:Db -Vault $script:From -Name wh -Type snowflake -ErrorAction Stop `
                -Connection @{ account = 'a'; warehouse = 'w'; database = 'd'; username = 'u'; password = (New-Canary 'examplesf') }
            $examples = @((Get-Help Move-DcSourceSecret -Full).examples.example)
            $examples.Count | Should -BeGreaterOrEqual 2
            foreach ($example in $examples) {
                $code = "$($example.code)" -replace '\bStore\b', $script:From -replace '\bCorp\b', $script:To
                $null = & ([scriptblock]::Create("`$ErrorActionPreference = 'Stop'; $code")) 6>$null
            }
            Get-Stored $script:Db 'prod-eu' | Should -Be "`${secret:$($script:To)/DataCompass-prod-eu-password}"
            (Invoke-RawSql -Database $script:Db -ReadOnly -Sql "SELECT connection_info FROM data_sources WHERE name = 'wh'").connection_info | Should -BeLike "*$($script:To)/*"
        }
        finally {
            Set-TestVariable 'DATACOMPASS_DATA_DIR' $null
        }
    }
}

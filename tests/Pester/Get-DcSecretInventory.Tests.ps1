#Requires -Version 7.4
# Get-DcSecretInventory: one DcSecretInventoryItem per vault secret the catalog refers to (with its users) and per
# secret DataCompass created that nothing refers to any more (Orphaned). Built from one Get-SecretInfo per vault:
# no Get-Secret call, nothing written; a vault that cannot be asked is reported on its items and in one error.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Add-Pg([string] $Name, [string] $Password, [hashtable] $Extra = @{}) {
        $connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password }
        foreach ($key in $Extra.Keys) { $connection[$key] = $Extra[$key] }
        Add-DcSource -Name $Name -Type postgresql -Connection $connection -ErrorAction Stop | Out-Null
    }

    function Set-StoredPassword([string] $Name, [string] $Value) {
        # Add-DcSource qualifies every reference it stores; the Python tool's rows (and older ones) need not be.
        Invoke-RawSql -Database $script:Database -Sql 'UPDATE data_sources SET connection_info = json_set(connection_info, ''$.password'', $value) WHERE name = $name' `
            -Parameters @{ '$name' = $Name; '$value' = $Value } | Out-Null
    }

    function Find-Item([object[]] $Items, [string] $Vault, [string] $Name) {
        @($Items | Where-Object { $_.Vault -eq $Vault -and $_.Name -eq $Name })
    }

    function Get-SecretCall([string[]] $Vault) {
        foreach ($name in $Vault) { Get-TestVaultCall $name | Where-Object { $_ -like 'Get-Secret *' } }
    }
}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'Get-DcSecretInventory' -Tag 'Integration' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $script:Database = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
        $script:Store = New-TestVault -Default
        $script:Other = New-TestVault
    }

    AfterEach {
        Remove-TestVault
    }

    It 'declares DataCompass.DcSecretInventoryItem as its output type' {
        (Get-Command Get-DcSecretInventory).OutputType.Name | Should -Contain 'DataCompass.DcSecretInventoryItem'
    }

    It 'lists a referenced secret that exists, one shared by two sources once with both users, and one that is missing' {
        Set-Secret -Vault $script:Store -Name 'pg-shared' -Secret (New-Canary) -Metadata @{ Expiration = [datetime]::new(2099, 1, 2, 0, 0, 0, [DateTimeKind]::Utc) }
        Add-Pg 'a' "`${secret:$($script:Store)/pg-shared}"
        Add-Pg 'b' "`${secret:$($script:Store)/pg-shared}"
        Add-Pg 'c' "`${secret:$($script:Store)/pg-gone}"

        $items = @(Get-DcSecretInventory -ErrorAction Stop)
        $items.Count | Should -Be 2
        $items[0] | Should -BeOfType 'DataCompass.DcSecretInventoryItem'

        $shared = Find-Item $items $script:Store 'pg-shared'
        $shared.Count | Should -Be 1
        $shared.Status | Should -BeExactly 'Ok'
        $shared.Exists | Should -BeTrue
        $shared.Owned | Should -BeFalse
        $shared.VaultFrom | Should -BeExactly 'reference'
        $shared.Type | Should -BeExactly 'String'
        $shared.Expires | Should -Be ([datetime]::new(2099, 1, 2, 0, 0, 0, [DateTimeKind]::Utc))
        @($shared.Users | ForEach-Object ToString) | Should -Be @('a.password', 'b.password')
        $shared.Users[0].Reference | Should -BeExactly "`${secret:$($script:Store)/pg-shared}"
        $shared.Problem | Should -BeNullOrEmpty

        $gone = Find-Item $items $script:Store 'pg-gone'
        $gone.Status | Should -BeExactly 'Missing'
        $gone.Exists | Should -BeFalse
        $gone.Expires | Should -BeNullOrEmpty
        @($gone.Users | ForEach-Object ToString) | Should -Be @('c.password')
        $gone.Problem | Should -BeLike "*'pg-gone'*'$($script:Store)'*c.password*"
    }

    It 'marks a secret DataCompass created as Owned, and one whose metadata expiry has passed as Expired' {
        Add-Pg 'prod' 'literal-only-for-the-vault'
        Set-Secret -Vault $script:Store -Name 'old-token' -Secret 'x' -Metadata @{ Expires = [datetime]::new(2001, 1, 1, 0, 0, 0, [DateTimeKind]::Utc) }
        Add-Pg 'old' "`${secret:$($script:Store)/old-token}"

        $items = @(Get-DcSecretInventory -ErrorAction Stop)
        $owned = Find-Item $items $script:Store 'DataCompass-prod-password'
        $owned.Owned | Should -BeTrue
        $owned.OwnedBy | Should -Be @('prod.password')
        $owned.Status | Should -BeExactly 'Ok'
        $expired = Find-Item $items $script:Store 'old-token'
        $expired.Status | Should -BeExactly 'Expired'
        $expired.Problem | Should -BeLike '*2001-01-01*'
    }

    It 'places an unqualified reference in the default vault and says so' {
        Set-Secret -Vault $script:Store -Name 'pg-plain' -Secret 'x'
        Add-Pg 'u' '${PG_PLAIN}'
        Set-StoredPassword 'u' '${secret:pg-plain}'

        $item = @(Get-DcSecretInventory -ErrorAction Stop)
        $item.Count | Should -Be 1
        $item[0].Vault | Should -BeExactly $script:Store
        $item[0].VaultFrom | Should -BeExactly 'default vault'
        $item[0].Status | Should -BeExactly 'Ok'
        ($item | Format-Table | Out-String -Width 120) | Should -BeLike "*$($script:Store) (default)*"
        ($item | Format-List | Out-String -Width 120) | Should -BeLike '*VaultFrom*: default vault*'
    }

    It 'lists as Orphaned the owned secret Set-DcSourceSecret -Vault leaves in the vault the field moved away from' {
        Add-Pg 'prod' 'first-value'
        Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-SecureString 'second' -AsPlainText -Force) -Vault $script:Other -ErrorAction Stop

        $items = @(Get-DcSecretInventory -ErrorAction Stop)
        $items.Count | Should -Be 2
        $orphan = Find-Item $items $script:Store 'DataCompass-prod-password'
        $orphan.Status | Should -BeExactly 'Orphaned'
        $orphan.Owned | Should -BeTrue
        $orphan.Exists | Should -BeTrue
        $orphan.Users | Should -BeNullOrEmpty
        $orphan.OwnedBy | Should -Be @("prod.password:left:$($script:Store)")
        $orphan.Problem | Should -BeLike "*Remove-Secret -Vault '$($script:Store)' -Name 'DataCompass-prod-password'*"
        $current = Find-Item $items $script:Other 'DataCompass-prod-password'
        $current.Status | Should -BeExactly 'Ok'
        $current.Owned | Should -BeTrue
        @($current.Users | ForEach-Object ToString) | Should -Be @('prod.password')
    }

    It 'reports a locked vault on its secrets and in one DcVaultLocked error, and lists the other vaults' {
        $locked = New-TestVault -Behaviour @{ Locked = $true; Password = 'pw' }
        Set-Secret -Vault $script:Other -Name 'pg-ok' -Secret 'x'
        Add-Pg 'l1' "`${secret:$locked/one}"
        Add-Pg 'l2' "`${secret:$locked/two}"
        Add-Pg 'ok' "`${secret:$($script:Other)/pg-ok}"
        Add-Pg 'lost' '${secret:NoSuchVaultDct/x}'

        $items = @(Get-DcSecretInventory -ErrorVariable failures -ErrorAction SilentlyContinue)
        $items.Count | Should -Be 4
        foreach ($name in 'one', 'two') {
            $item = Find-Item $items $locked $name
            $item.Status | Should -BeExactly 'VaultLocked'
            $item.Exists | Should -BeNullOrEmpty
            $item.Problem | Should -BeLike '*Unlock-SecretVault*'
        }
        (Find-Item $items $script:Other 'pg-ok').Status | Should -BeExactly 'Ok'
        $missingVault = Find-Item $items 'NoSuchVaultDct' 'x'
        $missingVault.Status | Should -BeExactly 'VaultNotFound'
        $missingVault.Exists | Should -BeNullOrEmpty
        @($failures.FullyQualifiedErrorId) | Sort-Object | Should -Be @(
            (Get-DcErrorId 'DcVaultLocked' 'Get-DcSecretInventory'), (Get-DcErrorId 'DcVaultNotFound' 'Get-DcSecretInventory'))
        @(Get-TestVaultCall $locked | Where-Object { $_ -like 'Get-SecretInfo *' }).Count | Should -Be 1
    }

    It '-Vault keeps only matching vaults and asks no other vault' {
        Add-Pg 's' "`${secret:$($script:Store)/in-store}"
        Add-Pg 'o' "`${secret:$($script:Other)/in-other}"
        Clear-TestVaultCall $script:Store
        Clear-TestVaultCall $script:Other

        $items = @(Get-DcSecretInventory -Vault ($script:Other.Substring(0, 10) + '*') -ErrorAction Stop)
        @($items.Name) | Should -Be @('in-other')
        Get-TestVaultCall $script:Store | Should -BeNullOrEmpty
        @(Get-TestVaultCall $script:Other) | Should -Be @('Get-SecretInfo *')
    }

    It 'an exact -Vault that is neither registered nor used is DcVaultNotFound' {
        Add-Pg 's' "`${secret:$($script:Store)/in-store}"
        $items = @(Get-DcSecretInventory -Vault 'NoSuchVaultDct' -ErrorVariable failures -ErrorAction SilentlyContinue)
        $items | Should -BeNullOrEmpty
        @($failures.FullyQualifiedErrorId) | Should -Be @(Get-DcErrorId 'DcVaultNotFound' 'Get-DcSecretInventory')
        $failures[0].Exception.Message | Should -BeLike "*'NoSuchVaultDct'*"
    }

    It 'ends with DcCatalogNotFound for a missing catalog and creates none' {
        $missing = Join-Path $TestDrive 'none/c.db'
        { Get-DcSecretInventory -Database $missing -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Get-DcSecretInventory')
        Test-Path (Join-Path $TestDrive 'none') | Should -BeFalse
    }

    It 'leaves the catalog files exactly as they were and records no audit event' {
        Add-Pg 'prod' 'value-for-the-vault'
        Add-Pg 'x' "`${secret:$($script:Other)/nothing}"
        $events = @(Get-DcAuditEvent).Count
        $before = Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR

        Get-DcSecretInventory -ErrorAction Stop | Out-Null

        Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR | Should -Be $before
        @(Get-DcAuditEvent).Count | Should -Be $events
    }

    It 'reads no secret value: no Get-Secret call, and no canary in any stream, view or $Error' {
        $canaries = @{ owned = (New-Canary 'Owned'); shared = (New-Canary 'Shared'); orphan = (New-Canary 'Orphan') }
        Set-Secret -Vault $script:Store -Name 'pg-shared' -Secret $canaries.shared
        Add-Pg 'a' "`${secret:$($script:Store)/pg-shared}"
        Add-Pg 'b' '${PG_SHARED}'
        Set-StoredPassword 'b' '${secret:pg-shared}'
        Add-Pg 'prod' $canaries.owned
        Add-Pg 'moved' $canaries.orphan
        Set-DcSourceSecret -Name 'moved' -Field 'password' -Secret (ConvertTo-SecureString 'replacement' -AsPlainText -Force) -Vault $script:Other -ErrorAction Stop
        $locked = New-TestVault -Behaviour @{ Locked = $true; Password = 'pw' }
        Add-Pg 'l' "`${secret:$locked/one}"
        Clear-TestVaultCall $script:Store
        Clear-TestVaultCall $script:Other

        $text = Get-StreamText {
            $items = Get-DcSecretInventory -ErrorAction Continue
            $items
            $items | Format-Table | Out-String -Width 120
            $items | Format-List | Out-String -Width 120
        }
        $out = Join-Path $TestDrive 'inventory-streams.txt'
        Set-Content -LiteralPath $out -Value $text
        @(Find-Canary -Path $out -Canaries $canaries) | Should -BeNullOrEmpty
        $text | Should -BeLike '*Orphaned*'
        $text | Should -BeLike "*The vault '$locked' is locked*"
        $text | Should -BeLike '*${secret:pg-shared}*'
        @(Get-SecretCall $script:Store, $script:Other, $locked) | Should -BeNullOrEmpty
        @(Get-TestVaultCall $script:Store | Where-Object { $_ -like 'Get-SecretInfo *' }).Count | Should -Be 1
        @(Get-TestVaultCall $script:Other | Where-Object { $_ -like 'Get-SecretInfo *' }).Count | Should -Be 1
    }
}

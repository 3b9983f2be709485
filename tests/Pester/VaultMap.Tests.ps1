#Requires -Version 7.4
# Config vault_map: a catalog shared by machines names its vaults logically (${secret:Corp/...}); each machine maps
# a logical name to the vault registered there. Resolving, checking, writing and listing secrets all go through
# the map, and the catalog keeps the logical name.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DCT_MAP_HOST')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'vault_map' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        # 'Corp' is the catalog's name for a vault this machine registered under another name.
        $script:Logical = 'Corp' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $script:Local = New-TestVault
        $script:Password = New-Canary 'mapped'
        Set-Secret -Vault $script:Local -Name 'pg-password' -Secret $script:Password
        Add-DcSource -Name prod -Type postgresql -ErrorAction Stop -Connection @{
            host = 'db.example.com'; database = 'sales'; username = 'app'; password = "`${secret:$($script:Logical)/pg-password}"
        }
    }

    It 'finds no vault under the catalog''s name until the map names the one registered here' {
        (Test-DcSource -Name prod).Status | Should -Be 'VaultNotFound'
        $null = Get-DcSourceConnection prod -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DcVaultNotFound,*'

        Set-DcConfig -VaultMap @{ $script:Logical = $script:Local } -ErrorAction Stop
        (Get-DcConfig).VaultMap[$script:Logical] | Should -BeExactly $script:Local
        (Test-DcSource -Name prod).Status | Should -Be 'Ok'
        (Get-DcSourceConnection prod).Credential.GetNetworkCredential().Password | Should -BeExactly $script:Password
        (Get-DcSource prod).Fields.Where({ $_.Name -eq 'password' }).Value | Should -BeExactly "`${secret:$($script:Logical)/pg-password}"
    }

    It 'writes a new secret to the mapped vault and stores the catalog''s name for it' {
        Set-DcConfig -VaultMap @{ $script:Logical = $script:Local } -ErrorAction Stop
        $literal = New-Canary 'mapped-new'
        Add-DcSource -Name wh -Type snowflake -Vault $script:Logical -ErrorAction Stop -Connection @{
            account = 'acme'; warehouse = 'WH'; database = 'DB'; username = 'svc'; password = $literal
        }

        $reference = (Get-DcSource wh).Fields.Where({ $_.Name -eq 'password' }).Value
        $reference | Should -BeLike "`${secret:$($script:Logical)/*}"
        $name = ($reference -replace '^\$\{secret:[^/]+/(.+)\}$', '$1')
        Get-Secret -Vault $script:Local -Name $name -AsPlainText | Should -BeExactly $literal
        $item = Get-DcSecretInventory | Where-Object Name -eq $name
        $item.Vault | Should -BeExactly $script:Logical
        $item.Exists | Should -BeTrue
    }

    It 'is kept in config.yaml, is cleared by @{}, and a malformed one is DcConfigInvalid naming the key' {
        Set-DcConfig -VaultMap @{ $script:Logical = $script:Local } -ErrorAction Stop
        $file = (Get-DcConfig).Path
        Get-Content -Raw $file | Should -Match 'vault_map:'
        Set-DcConfig -AuditRetentionDays 30 -ErrorAction Stop
        (Get-DcConfig).VaultMap.Count | Should -Be 1 -Because 'writing another setting keeps the map'

        Set-DcConfig -VaultMap @{} -ErrorAction Stop
        (Get-DcConfig).VaultMap.Count | Should -Be 0
        (Test-DcSource -Name prod).Status | Should -Be 'VaultNotFound'

        Set-Content -Path $file -Value "vault_map:`n  - Corp`n"
        { Get-DcConfig } | Should -Throw -ErrorId 'DcConfigInvalid,DataCompass.Commands.GetDcConfigCommand'
        try { Get-DcConfig } catch { $_.Exception.Message | Should -Match 'vault_map' }
    }
}

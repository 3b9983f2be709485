#Requires -Version 7.4
# Remove-DcSource and vault secrets: -RemoveSecret removes the secrets DataCompass created for the source (from a
# literal at add time) and never a secret the source only referenced, nor one another source still uses; without
# -RemoveSecret, or with -WhatIf, every secret stays. Setup and assertions use only SecretManagement's public
# cmdlets, so this file runs unchanged against the stand-in and the real module.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:SavedDataDir = $env:DATACOMPASS_DATA_DIR
    $script:TestVaults = [System.Collections.Generic.List[string]]::new()

    function New-Vault {
        param([hashtable] $Behaviour = @{}, [switch] $Default)
        $name = New-TestVault -Behaviour $Behaviour -Default:$Default
        $script:TestVaults.Add($name)
        return $name
    }

    function Add-PgSource([string] $Name, [string] $Password, [string] $Vault) {
        $arguments = @{
            Name = $Name; Type = 'postgresql'; ErrorAction = 'Stop'
            Connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password }
        }
        if ($Vault) { $arguments.Vault = $Vault }
        Add-DcSource @arguments
    }

    function Get-SecretNames([string] $Vault) {
        @(Get-SecretInfo -Vault $Vault | ForEach-Object Name)
    }

    function Get-VaultRemovals([string] $Vault) {
        @(Get-TestVaultCall -Name $Vault | Where-Object { $_ -like 'Remove-Secret *' })
    }

    function Get-SourceNames {
        @(Get-DcSource | ForEach-Object Name)
    }
}

AfterAll {
    Set-TestVariable 'DATACOMPASS_DATA_DIR' $script:SavedDataDir
    Remove-TestVault -Name @($script:TestVaults)
}

Describe 'Remove-DcSource and the vault secrets of a source' -Tag 'Integration', 'Vault' {
    BeforeEach {
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $script:Vault = New-Vault -Default
        Set-SecretVaultDefault -Name $script:Vault

        # 'owner' had a literal password, so DataCompass created DataCompass-owner-password for it; 'a' and 'b'
        # reference a secret someone else created.
        $script:OwnedValue = New-Canary 'owned'
        $script:SharedValue = New-Canary 'shared'
        Set-Secret -Name 'shared' -Secret $script:SharedValue -Vault $script:Vault
        Add-PgSource owner $script:OwnedValue
        Add-PgSource a "`${secret:$($script:Vault)/shared}"
        Add-PgSource b "`${secret:$($script:Vault)/shared}"
        Get-SecretNames $script:Vault | Should -Contain 'DataCompass-owner-password'
        Clear-TestVaultCall $script:Vault
    }

    AfterEach {
        Remove-TestVault -Name @($script:TestVaults)
        $script:TestVaults.Clear()
    }

    It 'removes the secret DataCompass created for the source with -RemoveSecret, and only that one' {
        Remove-DcSource -Name owner -RemoveSecret -Confirm:$false -ErrorAction Stop

        Get-SourceNames | Should -Be @('a', 'b')
        Get-SecretNames $script:Vault | Should -Not -Contain 'DataCompass-owner-password'
        Get-SecretNames $script:Vault | Should -Contain 'shared'
        Get-VaultRemovals $script:Vault | Should -Be @('Remove-Secret DataCompass-owner-password')
    }

    It 'counts a secret it created that is already gone from the vault as removed, without an error' {
        # What a rotation or removal stopped between the vault's removal and the catalog's record leaves behind.
        Remove-Secret -Name 'DataCompass-owner-password' -Vault $script:Vault
        Remove-DcSource -Name owner -RemoveSecret -Confirm:$false -ErrorAction Stop -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        Get-SourceNames | Should -Be @('a', 'b')
    }

    It 'never removes a referenced shared secret: ${secret:V/shared} used by two sources stays' {
        Remove-DcSource -Name a -RemoveSecret -Confirm:$false -ErrorAction Stop

        Get-SourceNames | Should -Be @('b', 'owner')
        Get-Secret -Name 'shared' -Vault $script:Vault -AsPlainText | Should -BeExactly $script:SharedValue
        Get-VaultRemovals $script:Vault | Should -BeNullOrEmpty
        (Get-DcSourceConnection -Name b -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $script:SharedValue

        Remove-DcSource -Name b -RemoveSecret -Confirm:$false -ErrorAction Stop
        Get-Secret -Name 'shared' -Vault $script:Vault -AsPlainText | Should -BeExactly $script:SharedValue -Because 'DataCompass did not create it'
    }

    It 'keeps a secret it created while another source still references it' {
        # 'reuser' points at the secret DataCompass made for 'owner': removing 'owner' with -RemoveSecret must not
        # leave 'reuser' pointing at nothing (it is now a shared secret).
        Add-PgSource reuser "`${secret:$($script:Vault)/DataCompass-owner-password}"

        Remove-DcSource -Name owner -RemoveSecret -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        Get-SourceNames | Should -Not -Contain 'owner'
        Get-SecretNames $script:Vault | Should -Contain 'DataCompass-owner-password'
        (Get-DcSourceConnection -Name reuser -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $script:OwnedValue
    }

    It 'removes every secret it created for a source with several literal secrets' {
        Add-DcSource -Name dbx -Type databricks -ErrorAction Stop -Connection @{
            host = 'adb-1.azuredatabricks.net'; http_path = '/p'; catalog = 'main'; auth_method = 'service_principal'
            client_id = 'app'; tenant_id = 'tenant'; access_token = (New-Canary 'tok'); client_secret = (New-Canary 'cs')
        }
        $before = Get-SecretNames $script:Vault
        $created = @($before | Where-Object { $_ -like 'DataCompass-dbx-*' })
        $created.Count | Should -Be 2

        Remove-DcSource -Name dbx -RemoveSecret -Confirm:$false -ErrorAction Stop
        $after = Get-SecretNames $script:Vault
        foreach ($name in $created) { $after | Should -Not -Contain $name }
        $after | Should -Contain 'DataCompass-owner-password'
        $after | Should -Contain 'shared'
    }

    It 'keeps the vault secret when -RemoveSecret is not given' {
        Remove-DcSource -Name owner -Confirm:$false -ErrorAction Stop

        Get-SourceNames | Should -Not -Contain 'owner'
        Get-Secret -Name 'DataCompass-owner-password' -Vault $script:Vault -AsPlainText | Should -BeExactly $script:OwnedValue
        Get-VaultRemovals $script:Vault | Should -BeNullOrEmpty
    }

    It 'removes neither the source nor its secret with -WhatIf' {
        Remove-DcSource -Name owner, a -RemoveSecret -WhatIf -ErrorAction Stop

        Get-SourceNames | Should -Be @('a', 'b', 'owner')
        Get-Secret -Name 'DataCompass-owner-password' -Vault $script:Vault -AsPlainText | Should -BeExactly $script:OwnedValue
        Get-Secret -Name 'shared' -Vault $script:Vault -AsPlainText | Should -BeExactly $script:SharedValue
        Get-VaultRemovals $script:Vault | Should -BeNullOrEmpty
    }

    It 'removes the secret from the vault it was written to, not from the default vault' {
        $other = New-Vault
        $value = New-Canary 'other'
        Add-PgSource elsewhere $value -Vault $other
        Set-SecretVaultDefault -Name $script:Vault

        Remove-DcSource -Name elsewhere -RemoveSecret -Confirm:$false -ErrorAction Stop
        Get-SecretNames $other | Should -Not -Contain 'DataCompass-elsewhere-password'
        Get-VaultRemovals $script:Vault | Should -BeNullOrEmpty
    }

    It 'still removes the source when the vault cannot remove the secret, and reports the secret left behind' {
        $failing = New-Vault -Behaviour @{ Fail = 'Remove' }
        $value = New-Canary 'stuck'
        Add-PgSource stuck $value -Vault $failing

        Remove-DcSource -Name stuck -RemoveSecret -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors
        Get-SourceNames | Should -Not -Contain 'stuck'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultFailed' 'Remove-DcSource')
        $errors[0].Exception.Message | Should -Match "'stuck'"
        $errors[0].Exception.Message | Should -Match 'DataCompass-stuck-password'
        $errors[0].Exception.Message | Should -Match ([regex]::Escape($failing))
        (($errors[0] | Out-String -Width 4096) + $errors[0].Exception.ToString()).Contains($value) | Should -BeFalse
    }
}

#Requires -Version 7.4
# Convert-DcSourceSecret and encrypted values: an enc:v1 secret moves into the vault as its decrypted value and the row
# then holds ${secret:Vault/Name}; a value whose key the ring lacks is reported (DcEncryptionKeyMissing) and left as it
# is while the other fields are converted. Setup and assertions use only SecretManagement's public cmdlets.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    $script:TestVaults = [System.Collections.Generic.List[string]]::new()

    function Add-EncryptedPg([string] $Name, [string] $Password) {
        Add-DcSource -Name $Name -Type postgresql -Encrypt -ErrorAction Stop -Connection @{
            host = 'h'; database = 'sales'; username = 'app'; password = $Password
        }
    }
}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault -Name @($script:TestVaults)
}

Describe 'Convert-DcSourceSecret with encrypted values' -Tag 'Integration', 'Vault', 'Encryption' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $script:Database = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
        $script:KeyA = New-FernetKeyText
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:KeyA
        $script:Vault = New-TestVault
        $script:TestVaults.Add($script:Vault)
    }

    AfterEach {
        Remove-TestVault -Name @($script:TestVaults)
        $script:TestVaults.Clear()
    }

    It 'moves an encrypted value into the vault as its decrypted value, and the row holds the reference' {
        $canary = New-Canary 'conv"pw'
        Add-EncryptedPg prod $canary
        $oldToken = (Read-EncryptedValue (Get-StoredField $script:Database prod password)).Token

        $results = @(Convert-DcSourceSecret -Vault $script:Vault -Confirm:$false -ErrorAction Stop)
        $result = $results | Where-Object { $_.Source -eq 'prod' -and $_.Field -eq 'password' }
        $result.Status | Should -Be 'Converted'
        $reference = "`${secret:$($script:Vault)/DataCompass-prod-password}"
        $result.Reference | Should -BeExactly $reference

        Get-StoredField $script:Database prod password | Should -BeExactly $reference
        "$(((Get-DcSource -Name prod).Fields | Where-Object Name -EQ 'password').Provenance)" | Should -Be 'Vault'
        Get-Secret -Vault $script:Vault -Name 'DataCompass-prod-password' -AsPlainText | Should -BeExactly $canary
        (Get-DcSourceConnection -Name prod -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
        Get-DcEncryptionStatus | Where-Object Values -GT 0 | Should -BeNullOrEmpty -Because 'no encrypted value is left'
        # The catalog is scrubbed afterwards: neither the value nor the old token is left in its files.
        $files = @(Get-CatalogFile $script:Database)
        Test-AnyContains -Path $files -Text $reference | Should -BeTrue
        Test-AnyContains -Path $files -Text ($canary -split '-')[-1] | Should -BeFalse
        Test-AnyContains -Path $files -Text $oldToken.Substring(16, 40) | Should -BeFalse
    }

    It 'reports a value whose key is missing as DcEncryptionKeyMissing, leaves it as it is, and converts the others' {
        $good = New-Canary 'good'
        Add-EncryptedPg good $good
        $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
        $lostId = Get-FernetKeyId $env:DATACOMPASS_ENCRYPTION_KEY
        Add-EncryptedPg lost (New-Canary 'lost')
        $kept = Get-StoredField $script:Database lost password
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:KeyA

        $results = @(Convert-DcSourceSecret -Vault $script:Vault -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyMissing' 'Convert-DcSourceSecret')
        "$($errors[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
        $errors[0].Exception.Message | Should -BeLike "*'lost'*'password'*$lostId*"
        ($results | Where-Object Source -EQ 'lost').Status | Should -Be 'Failed'
        ($results | Where-Object Source -EQ 'good').Status | Should -Be 'Converted'

        Get-StoredField $script:Database lost password | Should -BeExactly $kept
        Get-SecretInfo -Vault $script:Vault | ForEach-Object Name | Should -Be @('DataCompass-good-password')
        Get-Secret -Vault $script:Vault -Name 'DataCompass-good-password' -AsPlainText | Should -BeExactly $good
    }

    It 'plans an encrypted value with -WhatIf and changes nothing' {
        Add-EncryptedPg prod (New-Canary 'whatif')
        $kept = Get-StoredField $script:Database prod password
        $result = Convert-DcSourceSecret -Name prod -Vault $script:Vault -WhatIf
        $result.Status | Should -Be 'Planned'
        Get-StoredField $script:Database prod password | Should -BeExactly $kept
        @(Get-SecretInfo -Vault $script:Vault) | Should -BeNullOrEmpty
    }
}

#Requires -Version 7.4
# Set-DcSourceSecret: rotates one credential. A field that already points at a vault secret gets the new value
# written there and the row stays; any other field (an environment placeholder, a plaintext value) gets a
# DataCompass-owned vault secret first and then the reference. Failures leave the source resolving as before, and
# the SecureString value never reaches a stream.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    function Get-SetErrorId([string] $Id) { Get-DcErrorId $Id 'Set-DcSourceSecret' }

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DCT_PASSWORD', 'DCT_TOKEN', 'DCT_USER', 'DATACOMPASS_ENCRYPTION_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Add-PgSource {
        param(
            [Parameter(Mandatory)] [string] $Name,
            [hashtable] $Fields = @{},
            [switch] $AllowPlaintext
        )
        $connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = '${DCT_PASSWORD}' }
        foreach ($key in $Fields.Keys) { $connection[$key] = $Fields[$key] }
        Add-DcSource -Name $Name -Type postgresql -Connection $connection -AllowPlaintext:$AllowPlaintext -ErrorAction Stop -WarningAction SilentlyContinue
    }

    function Add-DatabricksSource([string] $Name) {
        $path = Join-Path $TestDrive ("{0}.yaml" -f [guid]::NewGuid().ToString('n'))
        Set-Content -LiteralPath $path -Encoding utf8NoBOM -Value @'
host: adb-1234.azuredatabricks.net
http_path: /sql/1.0/warehouses/abc
catalog: main
access_token: ${DCT_TOKEN}
'@
        Add-DcSource -Name $Name -Type databricks -Path $path -ErrorAction Stop
    }

    function ConvertTo-Secure([string] $Text) { ConvertTo-SecureString -String $Text -AsPlainText -Force }

    function Get-FieldValue([string] $Source, [string] $Field) {
        ((Get-DcSource -Name $Source -ErrorAction Stop).Fields | Where-Object Name -EQ $Field).Value
    }

    function Get-FieldSnapshot([string] $Source) {
        # Every field's shown value and provenance plus updated_at: equal snapshots mean the row was not touched.
        $item = Get-DcSource -Name $Source -ErrorAction Stop
        (@($item.Fields | ForEach-Object { '{0}={1} ({2})' -f $_.Name, ($_.Value -join ','), $_.Provenance }) + "updated=$($item.UpdatedAt.ToString('o'))") -join "`n"
    }

    function Get-PlainPassword([string] $Source) {
        (Get-DcSourceConnection -Name $Source -AsPlainText -ErrorAction Stop).Settings.password
    }

    function Get-VaultText([string] $Vault, [string] $Name) {
        Get-Secret -Vault $Vault -Name $Name -AsPlainText -ErrorAction Stop
    }

}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'Set-DcSourceSecret' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DCT_PASSWORD' $null
        Set-TestVariable 'DCT_TOKEN' $null
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        Remove-TestVault
        $script:Vault = New-TestVault -Default
    }

    AfterEach {
        Remove-TestVault
        Restore-TestEnvironment
    }

    Context 'a field that already refers to a vault secret' {
        It 'writes the new value to that secret and leaves the row as it was' {
            $old = New-Canary 'Old'
            $new = New-Canary 'New'
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret $old
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/pg-pass}" }
            $before = Get-FieldSnapshot 'prod'
            Get-PlainPassword 'prod' | Should -BeExactly $old

            Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure $new) -ErrorAction Stop

            Get-VaultText $script:Vault 'pg-pass' | Should -BeExactly $new
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
            Get-FieldValue 'prod' 'password' | Should -BeExactly "`${secret:$($script:Vault)/pg-pass}"
            Get-PlainPassword 'prod' | Should -BeExactly $new
            (Get-DcSourceConnection -Name 'prod').Credential.GetNetworkCredential().Password | Should -BeExactly $new
        }

        It 'rotates a secret that Add-DcSource moved to the vault, in place' {
            $first = New-Canary 'First'
            $second = New-Canary 'Second'
            Add-PgSource -Name 'prod' -Fields @{ password = $first }
            $reference = Get-FieldValue 'prod' 'password'
            $reference | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password}"

            Set-DcSourceSecret 'prod' 'password' (ConvertTo-Secure $second) -ErrorAction Stop
            Get-FieldValue 'prod' 'password' | Should -BeExactly $reference
            Get-VaultText $script:Vault 'DataCompass-prod-password' | Should -BeExactly $second
            Get-PlainPassword 'prod' | Should -BeExactly $second
        }

        It 'with -Vault naming another vault, writes a DataCompass-owned secret there and points the field at it' {
            $other = New-TestVault
            $old = New-Canary 'Old'
            $new = New-Canary 'New'
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret $old
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/pg-pass}" }

            Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure $new) -Vault $other -ErrorAction Stop

            Get-FieldValue 'prod' 'password' | Should -BeExactly "`${secret:$other/DataCompass-prod-password}"
            Get-VaultText $other 'DataCompass-prod-password' | Should -BeExactly $new
            Get-VaultText $script:Vault 'pg-pass' | Should -BeExactly $old
            Get-PlainPassword 'prod' | Should -BeExactly $new
        }
    }

    Context 'a field that holds an environment placeholder or plaintext' {
        It 'writes DataCompass-{source}-{field} to the default vault and makes the field refer to it' {
            $new = New-Canary 'New'
            Add-PgSource -Name 'prod'
            Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure $new) -ErrorAction Stop

            Get-VaultText $script:Vault 'DataCompass-prod-password' | Should -BeExactly $new
            $field = (Get-DcSource -Name 'prod').Fields | Where-Object Name -EQ 'password'
            $field.Value | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password}"
            $field.Provenance | Should -Be 'Vault'
            Get-PlainPassword 'prod' | Should -BeExactly $new
        }

        It 'writes to the vault named by -Vault rather than the default' {
            $chosen = New-TestVault
            $new = New-Canary 'New'
            Add-PgSource -Name 'prod'
            Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure $new) -Vault $chosen -ErrorAction Stop

            Get-FieldValue 'prod' 'password' | Should -BeExactly "`${secret:$chosen/DataCompass-prod-password}"
            Get-VaultText $chosen 'DataCompass-prod-password' | Should -BeExactly $new
            @(Get-SecretInfo -Vault $script:Vault -Name 'DataCompass-prod-password').Count | Should -Be 0
        }

        It 'writes to the config secrets_backend vault, under the config secret name template' {
            $configured = New-TestVault
            Set-DcConfig -SecretVault $configured -SecretNameTemplate 'dc-{field}-of-{source}' -ErrorAction Stop
            $new = New-Canary 'New'
            Add-PgSource -Name 'prod'
            Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure $new) -ErrorAction Stop

            Get-FieldValue 'prod' 'password' | Should -BeExactly "`${secret:$configured/dc-password-of-prod}"
            Get-VaultText $configured 'dc-password-of-prod' | Should -BeExactly $new
            @(Get-SecretInfo -Vault $script:Vault).Count | Should -Be 0
        }

        It 'moves a plaintext secret (an -AllowPlaintext source) into the vault: no plaintext afterwards' {
            Remove-TestVault
            if (@(Get-SecretVault).Count -gt 0) {
                Set-ItResult -Skipped -Because 'a vault other than the test vaults is registered, so Add-DcSource would not store plaintext'
                return
            }
            $old = New-Canary 'Plain'
            $new = New-Canary 'New'
            Add-PgSource -Name 'legacy' -Fields @{ password = $old } -AllowPlaintext
            (Get-DcSource -Name 'legacy').HasPlaintextSecret | Should -BeTrue

            $vault = New-TestVault -Default
            Set-DcSourceSecret -Name 'legacy' -Field 'password' -Secret (ConvertTo-Secure $new) -ErrorAction Stop

            $source = Get-DcSource -Name 'legacy'
            $source.HasPlaintextSecret | Should -BeFalse
            ($source.Fields | Where-Object Name -EQ 'password').Value | Should -BeExactly "`${secret:$vault/DataCompass-legacy-password}"
            Get-VaultText $vault 'DataCompass-legacy-password' | Should -BeExactly $new
            Get-PlainPassword 'legacy' | Should -BeExactly $new
        }

        It 'leaves no byte of the old plaintext value in the catalog files once it is moved to the vault' {
            # Moving a plaintext secret into the vault is a conversion: as for Convert-DcSourceSecret, the old value
            # must not survive in the database's free pages or its -wal.
            Remove-TestVault
            if (@(Get-SecretVault).Count -gt 0) {
                Set-ItResult -Skipped -Because 'a vault other than the test vaults is registered, so Add-DcSource would not store plaintext'
                return
            }
            $old = New-Canary 'Plain'
            Add-PgSource -Name 'legacy' -Fields @{ password = $old } -AllowPlaintext
            $null = New-TestVault -Default
            Set-DcSourceSecret -Name 'legacy' -Field 'password' -Secret (ConvertTo-Secure (New-Canary)) -ErrorAction Stop

            $files = @(Get-ChildItem -LiteralPath $env:DATACOMPASS_DATA_DIR -File -Force | Where-Object Name -Like 'datacompass.db*')
            $files.Count | Should -BeGreaterThan 0
            $files | Where-Object { Test-BytesContain $_.FullName $old } | ForEach-Object Name | Should -BeNullOrEmpty
        }

        It 'records the new secret as owned by the source: Remove-DcSource -RemoveSecret removes it' {
            Add-PgSource -Name 'prod'
            Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure 'x') -ErrorAction Stop
            @(Get-SecretInfo -Vault $script:Vault -Name 'DataCompass-prod-password').Count | Should -Be 1
            Remove-DcSource -Name 'prod' -RemoveSecret -Confirm:$false -ErrorAction Stop
            @(Get-SecretInfo -Vault $script:Vault -Name 'DataCompass-prod-password').Count | Should -Be 0
        }

        It 'refuses with DcSecretNameConflict when the generated name is already held by a foreign secret' {
            $foreign = New-Canary 'Foreign'
            Set-Secret -Vault $script:Vault -Name 'DataCompass-prod-password' -Secret $foreign
            Add-PgSource -Name 'prod'
            $before = Get-FieldSnapshot 'prod'

            $err = { Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure (New-Canary)) -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcSecretNameConflict') -PassThru
            $err.CategoryInfo.Category | Should -Be 'ResourceExists'
            $err.Exception.Message | Should -BeLike "*'prod'*"
            $err.Exception.Message | Should -BeLike "*'password'*"
            $err.Exception.Message | Should -BeLike '*DataCompass-prod-password*'
            $err.Exception.Message | Should -Not -BeLike "*$foreign*"
            Get-VaultText $script:Vault 'DataCompass-prod-password' | Should -BeExactly $foreign
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
        }

        It 'fails with DcNoVaultAvailable when there is no vault to keep the new value in' {
            Remove-TestVault
            if (@(Get-SecretVault).Count -gt 0) {
                Set-ItResult -Skipped -Because 'a vault other than the test vaults is registered'
                return
            }
            Add-PgSource -Name 'prod'
            $before = Get-FieldSnapshot 'prod'
            $err = { Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure 'x') -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcNoVaultAvailable') -PassThru
            $err.Exception.Message | Should -BeLike "*'prod'*"
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
        }
    }

    Context '-Credential' {
        It 'updates the user name and rotates the password of a postgresql source' {
            $old = New-Canary 'Old'
            $new = New-Canary 'New'
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret $old
            Add-PgSource -Name 'prod' -Fields @{ username = 'olduser'; password = "`${secret:$($script:Vault)/pg-pass}" }

            $credential = [pscredential]::new('newuser', (ConvertTo-Secure $new))
            Set-DcSourceSecret -Name 'prod' -Credential $credential -ErrorAction Stop

            # The pair changes in one row update, so the password goes to a DataCompass-owned secret; the
            # user's own secret is not DataCompass's to overwrite or remove.
            Get-FieldValue 'prod' 'username' | Should -BeExactly 'newuser'
            Get-FieldValue 'prod' 'password' | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password}"
            Get-VaultText $script:Vault 'pg-pass' | Should -BeExactly $old
            $connection = Get-DcSourceConnection -Name 'prod'
            $connection.Credential.UserName | Should -BeExactly 'newuser'
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $new
        }

        It 'never overwrites the password in place when the user name changes: it alternates two owned names and removes the old one' {
            Add-PgSource -Name 'prod' -Fields @{ username = 'u1'; password = (New-Canary 'P1') }
            Get-FieldValue 'prod' 'password' | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password}"

            $second = New-Canary 'P2'
            Set-DcSourceSecret -Name 'prod' -Credential ([pscredential]::new('u2', (ConvertTo-Secure $second))) -ErrorAction Stop
            Get-FieldValue 'prod' 'password' | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password-2}"
            @(Get-SecretInfo -Vault $script:Vault | ForEach-Object Name) | Should -Be @('DataCompass-prod-password-2')

            $third = New-Canary 'P3'
            Set-DcSourceSecret -Name 'prod' -Credential ([pscredential]::new('u3', (ConvertTo-Secure $third))) -ErrorAction Stop
            Get-FieldValue 'prod' 'password' | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password}"
            @(Get-SecretInfo -Vault $script:Vault | ForEach-Object Name) | Should -Be @('DataCompass-prod-password')
            $connection = Get-DcSourceConnection -Name 'prod'
            $connection.Credential.UserName | Should -BeExactly 'u3'
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $third

            Remove-DcSource -Name 'prod' -RemoveSecret -Confirm:$false -ErrorAction Stop
            @(Get-SecretInfo -Vault $script:Vault) | Should -BeNullOrEmpty -Because 'the secret in use is recorded as owned'
        }

        It 'run again after a kill between the vault write and the row update, uses the secret already written' {
            Add-PgSource -Name 'prod' -Fields @{ username = 'u1'; password = (New-Canary 'P1') }
            $second = New-Canary 'P2'
            # What the killed run left: the new password under the other name, the row untouched.
            Set-Secret -Vault $script:Vault -Name 'DataCompass-prod-password-2' -Secret $second
            Clear-TestVaultCall $script:Vault

            Set-DcSourceSecret -Name 'prod' -Credential ([pscredential]::new('u2', (ConvertTo-Secure $second))) -ErrorAction Stop

            @(Get-TestVaultCall $script:Vault | Where-Object { $_ -like 'Set-Secret *' }) | Should -BeNullOrEmpty
            $connection = Get-DcSourceConnection -Name 'prod'
            $connection.Credential.UserName | Should -BeExactly 'u2'
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $second
            @(Get-SecretInfo -Vault $script:Vault | ForEach-Object Name) | Should -Be @('DataCompass-prod-password-2')
        }

        It 'refuses (DcSecretNameConflict) a secret under the other name that holds another value, and changes nothing' {
            Add-PgSource -Name 'prod' -Fields @{ username = 'u1'; password = (New-Canary 'P1') }
            $before = Get-FieldSnapshot 'prod'
            $foreign = New-Canary 'Foreign'
            Set-Secret -Vault $script:Vault -Name 'DataCompass-prod-password-2' -Secret $foreign

            $err = { Set-DcSourceSecret -Name 'prod' -Credential ([pscredential]::new('u2', (ConvertTo-Secure (New-Canary 'P2')))) -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcSecretNameConflict') -PassThru
            Assert-NoValue $err $foreign
            Get-VaultText $script:Vault 'DataCompass-prod-password-2' | Should -BeExactly $foreign
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
        }

        It 'moves an environment placeholder password to a DataCompass-owned secret and sets the user name' {
            $new = New-Canary 'New'
            Add-PgSource -Name 'prod'
            Set-DcSourceSecret -Name 'prod' -Credential ([pscredential]::new('svc', (ConvertTo-Secure $new))) -ErrorAction Stop
            Get-FieldValue 'prod' 'username' | Should -BeExactly 'svc'
            Get-FieldValue 'prod' 'password' | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password}"
            (Get-DcSourceConnection -Name 'prod').Credential.GetNetworkCredential().Password | Should -BeExactly $new
        }

        It 'refuses a credential for databricks (no user name and password pair) with DcFieldNotSecret' {
            Add-DatabricksSource 'dbx'
            $before = Get-FieldSnapshot 'dbx'
            $err = { Set-DcSourceSecret -Name 'dbx' -Credential ([pscredential]::new('u', (ConvertTo-Secure 'x'))) -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcFieldNotSecret') -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -BeLike "*'dbx'*"
            Get-FieldSnapshot 'dbx' | Should -BeExactly $before
            @(Get-TestVaultCall $script:Vault | Where-Object { $_ -like 'Set-Secret *' }).Count | Should -Be 0
        }
    }

    Context 'refusals' {
        It 'refuses a non-secret field with DcFieldNotSecret naming the secret fields' {
            Add-PgSource -Name 'prod'
            $before = Get-FieldSnapshot 'prod'
            $err = { Set-DcSourceSecret -Name 'prod' -Field 'host' -Secret (ConvertTo-Secure 'x') -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcFieldNotSecret') -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -BeLike "*'prod'*"
            $err.Exception.Message | Should -BeLike "*'host'*"
            $err.Exception.Message | Should -BeLike '*password*'
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
        }

        It 'names every secret field of the adapter (databricks: access_token, client_secret)' {
            Add-DatabricksSource 'dbx'
            $err = { Set-DcSourceSecret -Name 'dbx' -Field 'http_path' -Secret (ConvertTo-Secure 'x') -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcFieldNotSecret') -PassThru
            $err.Exception.Message | Should -BeLike '*access_token*'
            $err.Exception.Message | Should -BeLike '*client_secret*'
            $err.Exception.Message | Should -BeLike "*'http_path'*"
        }

        It 'refuses an unknown field the same way' {
            Add-PgSource -Name 'prod'
            { Set-DcSourceSecret -Name 'prod' -Field 'pasword' -Secret (ConvertTo-Secure 'x') -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcFieldNotSecret')
        }

        It 'writes a DcSourceNotFound error for an unknown source' {
            Add-PgSource -Name 'prod'
            $err = { Set-DcSourceSecret -Name 'nope' -Field 'password' -Secret (ConvertTo-Secure 'x') -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcSourceNotFound') -PassThru
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.Exception.Message | Should -BeLike "*'nope'*"
            $err.TargetObject | Should -BeExactly 'nope'
            @(Get-TestVaultCall $script:Vault | Where-Object { $_ -like 'Set-Secret *' }).Count | Should -Be 0
        }

        It 'reports DcSourceNotFound as a non-terminating error' {
            Add-PgSource -Name 'prod'
            Set-DcSourceSecret -Name 'nope' -Field 'password' -Secret (ConvertTo-Secure 'x') -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly (Get-SetErrorId 'DcSourceNotFound')
        }

        It 'reports DcCatalogNotFound, and creates nothing, when there is no catalog' {
            Set-DcSourceSecret -Name 'nope' -Field 'password' -Secret (ConvertTo-Secure 'x') -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems[0].FullyQualifiedErrorId | Should -BeExactly (Get-SetErrorId 'DcCatalogNotFound')
            Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR | Should -BeFalse
        }
    }

    Context 'a failing vault' {
        It 'reports the failed write and keeps the source resolving to the old value (field refers to the vault)' {
            $failing = New-TestVault -Behaviour @{ FailAfter = 1 }
            $old = New-Canary 'Old'
            $new = New-Canary 'New'
            Set-Secret -Vault $failing -Name 'pg-pass' -Secret $old   # the one write that succeeds
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$failing/pg-pass}" }
            $before = Get-FieldSnapshot 'prod'

            $err = { Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure $new) -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcVaultFailed') -PassThru
            $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $err.Exception.Message | Should -BeLike "*$failing*"
            $err.Exception.Message | Should -BeLike '*pg-pass*'
            $err.Exception.Message | Should -Not -BeLike "*$new*"
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
            Get-VaultText $failing 'pg-pass' | Should -BeExactly $old
            Get-PlainPassword 'prod' | Should -BeExactly $old
        }

        It 'reports the failed write and keeps the environment placeholder (Fail = Set)' {
            Remove-TestVault
            $failing = New-TestVault -Default -Behaviour @{ Fail = 'Set' }
            $old = New-Canary 'Old'
            Add-PgSource -Name 'prod'
            $env:DCT_PASSWORD = $old
            $before = Get-FieldSnapshot 'prod'

            $err = { Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure (New-Canary)) -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcVaultFailed') -PassThru
            $err.Exception.Message | Should -BeLike "*$failing*"
            $err.Exception.Message | Should -BeLike '*DataCompass-prod-password*'
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
            Get-FieldValue 'prod' 'password' | Should -BeExactly '${DCT_PASSWORD}'
            Get-PlainPassword 'prod' | Should -BeExactly $old
            @(Get-SecretInfo -Vault $failing).Count | Should -Be 0
        }

        It 'reports a locked vault as DcVaultLocked and changes nothing' {
            $locked = New-TestVault -Behaviour @{ Locked = $true; Password = 'pw' }
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$locked/pg-pass}" }
            $before = Get-FieldSnapshot 'prod'
            $err = { Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure 'x') -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetErrorId 'DcVaultLocked') -PassThru
            $err.Exception.Message | Should -BeLike '*Unlock-SecretVault*'
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
        }
    }

    Context '-WhatIf and -PassThru' {
        It '-WhatIf writes neither the vault nor the row (vault reference)' {
            $old = New-Canary 'Old'
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret $old
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/pg-pass}" }
            $before = Get-FieldSnapshot 'prod'
            Clear-TestVaultCall $script:Vault

            $output = Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure (New-Canary)) -WhatIf -PassThru
            $output | Should -BeNullOrEmpty
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
            Get-VaultText $script:Vault 'pg-pass' | Should -BeExactly $old
            @(Get-TestVaultCall $script:Vault | Where-Object { $_ -like 'Set-Secret *' -or $_ -like 'Remove-Secret *' }).Count | Should -Be 0
        }

        It '-WhatIf writes neither the vault nor the row (environment placeholder)' {
            Add-PgSource -Name 'prod'
            $before = Get-FieldSnapshot 'prod'
            Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure (New-Canary)) -WhatIf
            Get-FieldSnapshot 'prod' | Should -BeExactly $before
            @(Get-SecretInfo -Vault $script:Vault).Count | Should -Be 0
        }

        It 'returns nothing by default and the updated DcSource with -PassThru' {
            Add-PgSource -Name 'prod'
            $quiet = Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret (ConvertTo-Secure 'x') -ErrorAction Stop
            $quiet | Should -BeNullOrEmpty

            Add-PgSource -Name 'dev'
            $result = Set-DcSourceSecret -Name 'dev' -Field 'password' -Secret (ConvertTo-Secure 'y') -PassThru -ErrorAction Stop
            @($result).Count | Should -Be 1
            $result | Should -BeOfType ([DataCompass.DcSource])
            $result.Name | Should -BeExactly 'dev'
            ($result.Fields | Where-Object Name -EQ 'password').Value | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-dev-password}"
        }

        It 'accepts a DcSource from the pipeline' {
            Add-PgSource -Name 'prod'
            $new = New-Canary 'New'
            Get-DcSource -Name 'prod' | Set-DcSourceSecret -Field 'password' -Secret (ConvertTo-Secure $new) -ErrorAction Stop
            Get-PlainPassword 'prod' | Should -BeExactly $new
        }
    }

    Context 'never revealing the value' {
        It 'shows the SecureString value in no stream, formatted output or $Error, on success or failure' {
            $canary = New-Canary 'Rotated'
            $secure = ConvertTo-Secure $canary
            $failing = New-TestVault -Behaviour @{ Fail = 'Set' }
            Set-Secret -Vault $script:Vault -Name 'DataCompass-taken-password' -Secret 'foreign'
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'viaref' -Fields @{ password = "`${secret:$failing/pg-pass}" }
            Add-PgSource -Name 'taken'

            $text = Get-StreamText {
                Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret $secure -PassThru -Verbose -Debug -InformationAction Continue
                Set-DcSourceSecret -Name 'prod' -Field 'password' -Secret $secure -WhatIf -Verbose
                Set-DcSourceSecret -Name 'viaref' -Field 'password' -Secret $secure -Verbose -ErrorAction Continue
                Set-DcSourceSecret -Name 'taken' -Field 'password' -Secret $secure -Verbose -ErrorAction Continue
                Set-DcSourceSecret -Name 'prod' -Field 'host' -Secret $secure -ErrorAction Continue
                Set-DcSourceSecret -Name 'prod' -Credential ([pscredential]::new('u', $secure)) -PassThru -Verbose
            }
            $text | Should -BeLike '*DataCompass-prod-password*'   # the capture did see the output
            $text | Should -Not -BeLike "*$canary*"
            Get-PlainPassword 'prod' | Should -BeExactly $canary
        }
    }
}

Describe 'Set-DcSourceSecret -Credential killed at a random moment' -Tag 'Integration', 'Vault', 'Chaos' {
    # Each round kills a rotating pwsh (SIGKILL, whole process tree) after a random delay. Right after the kill the
    # source must resolve to the old user name and password or to the new ones, never to a mix; the same command
    # run again must then converge on the new pair, with one secret in the vault.
    BeforeAll {
        Restore-TestEnvironment
        # Each vault write pauses after it has stored the secret: a kill then often lands between it and the row update.
        $script:Vault = New-TestVault -Behaviour @{ PauseAfterSetMs = 700 }
        $script:Db = Join-Path $TestDrive "chaos-$(New-Guid)/datacompass.db"

        function Get-Pair {
            $connection = Get-DcSourceConnection -Database $script:Db -Name 'prod' -ErrorAction Stop
            '{0}|{1}' -f $connection.Credential.UserName, $connection.Credential.GetNetworkCredential().Password
        }
    }

    AfterAll {
        Remove-TestVault -Name $script:Vault
        Restore-TestEnvironment
    }

    It 'leaves the old pair or the new one, never a mix, and converges when run again' {
        $user = 'user0'
        $password = New-Canary 'Pass0'
        Add-DcSource -Database $script:Db -Vault $script:Vault -Name 'prod' -Type postgresql -ErrorAction Stop `
            -Connection @{ host = 'h'; database = 'd'; username = $user; password = $password }
        # The credential reaches the child through its environment, never its command line.
        $childScript = Join-Path $TestDrive "rotate-$(New-Guid).ps1"
        Set-Content -Path $childScript -Value ("Import-Module '{0}'; `$null = Get-SecretVault; `$credential = [pscredential]::new(`$env:DCT_USER, (ConvertTo-SecureString `$env:DCT_PASSWORD -AsPlainText -Force)); 'START'; Set-DcSourceSecret -Database '{1}' -Name prod -Credential `$credential; 'DONE'" -f
            $script:DcModulePath, $script:Db)
        $rounds = if ($env:DATACOMPASS_CHAOS_ROUNDS) { [int]$env:DATACOMPASS_CHAOS_ROUNDS } else { 8 }
        foreach ($round in 1..$rounds) {
            $old = "$user|$password"
            $user = "user$round"
            $password = New-Canary "Pass$round"
            Set-TestVariable 'DCT_USER' $user
            Set-TestVariable 'DCT_PASSWORD' $password
            $run = Stop-ChildAtRandom -ScriptPath $childScript -MinimumDelay 300 -MaximumDelay 1800
            Restore-TestEnvironment

            $afterKill = Get-Pair
            $state = if ($afterKill -eq $old) { 'old pair' } elseif ($afterKill -eq "$user|$password") { 'new pair' } else { 'MIXED' }
            Write-Host ("    round {0}: {1} ms, {2}; {3}, {4} secrets in the vault" -f $round, $run.Delay, $(if ($run.Killed) { 'killed' } else { 'had finished' }), $state, @(Get-SecretInfo -Vault $script:Vault).Count)
            $afterKill | Should -BeIn @($old, "$user|$password") -Because "round $round must leave the old pair or the new one"

            Set-DcSourceSecret -Database $script:Db -Name 'prod' -Credential ([pscredential]::new($user, (ConvertTo-Secure $password))) -ErrorAction Stop
            Get-Pair | Should -BeExactly "$user|$password" -Because "round $round converges"
            @(Get-SecretInfo -Vault $script:Vault).Count | Should -Be 1 -Because 'the field uses one secret and the replaced one is gone'
        }

        Remove-DcSource -Database $script:Db -Name 'prod' -RemoveSecret -Confirm:$false -ErrorAction Stop
        @(Get-SecretInfo -Vault $script:Vault) | Should -BeNullOrEmpty -Because 'what is left is owned by the source'
    }
}

Describe 'Set-DcSourceSecret on a value stored encrypted' {
    BeforeAll {
        . $PSScriptRoot/EncryptionHelpers.ps1
    }

    BeforeEach {
        Restore-TestEnvironment
        Remove-TestVault
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' (New-FernetKeyText)
        $script:Old = New-Canary 'OldEnc'
        Add-PgSource -Name 'enc' -Fields @{ password = $script:Old }
        Get-FieldValue 'enc' 'password' | Should -BeLike 'enc:v1:*'
    }

    AfterEach {
        Restore-TestEnvironment
        Remove-TestVault
    }

    It 'keeps it encrypted, under the primary key, even when a vault is available' {
        $vault = New-TestVault -Default
        $new = New-Canary 'NewEnc'
        $rotatedKey = New-FernetKeyText
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' "$rotatedKey,$env:DATACOMPASS_ENCRYPTION_KEY"
        Set-DcSourceSecret -Name 'enc' -Field 'password' -Secret (ConvertTo-Secure $new) -ErrorAction Stop
        (Get-DcSource enc).Fields | Where-Object Name -EQ 'password' | ForEach-Object Provenance | Should -Be 'Encrypted'
        (Get-DcEncryptionStatus | Where-Object Role -EQ 'Primary').Fields | Should -Be @('enc.password')
        Get-PlainPassword 'enc' | Should -BeExactly $new
        @(Get-SecretInfo -Vault $vault) | Should -BeNullOrEmpty
        foreach ($file in Get-ChildItem $env:DATACOMPASS_DATA_DIR -File) {
            Test-BytesContain -Path $file.FullName -Text $new | Should -BeFalse
            Test-BytesContain -Path $file.FullName -Text $script:Old | Should -BeFalse
        }
    }

    It 'moves it to the vault named with -Vault' {
        $vault = New-TestVault
        $new = New-Canary 'ToVault'
        Set-DcSourceSecret -Name 'enc' -Field 'password' -Secret (ConvertTo-Secure $new) -Vault $vault -ErrorAction Stop
        Get-FieldValue 'enc' 'password' | Should -BeExactly "`${secret:$vault/DataCompass-enc-password}"
        Get-VaultText $vault 'DataCompass-enc-password' | Should -BeExactly $new
    }

    It 'encrypts a rotated plaintext or environment field when no vault is available but a key is' {
        Add-PgSource -Name 'viaenv'
        $new = New-Canary 'EnvToEnc'
        Set-DcSourceSecret -Name 'viaenv' -Field 'password' -Secret (ConvertTo-Secure $new) -WhatIf
        Get-FieldValue 'viaenv' 'password' | Should -BeExactly '${DCT_PASSWORD}'
        Set-DcSourceSecret -Name 'viaenv' -Field 'password' -Secret (ConvertTo-Secure $new) -ErrorAction Stop
        Get-FieldValue 'viaenv' 'password' | Should -BeLike 'enc:v1:*'
        Get-PlainPassword 'viaenv' | Should -BeExactly $new
    }
}

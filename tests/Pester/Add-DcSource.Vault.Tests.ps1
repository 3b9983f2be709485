#Requires -Version 7.4
# Add-DcSource with SecretManagement vaults (DESIGN.md, "Where a secret value ends up"): a literal secret goes to a
# vault under a portable name and the catalog keeps only its vault-qualified reference; which vault (-Vault, then
# config secrets_backend, then SecretManagement's default); refusals that write nothing anywhere; compensation when a
# vault write fails half way. Setup and assertions use only SecretManagement's public cmdlets, so this file runs
# unchanged against the stand-in and against the real Microsoft.PowerShell.SecretManagement.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:SavedDataDir = $env:DATACOMPASS_DATA_DIR
    $script:SavedVariable = $env:DCT_ADD_PASSWORD
    $script:TestVaults = [System.Collections.Generic.List[string]]::new()

    function New-Vault {
        param([hashtable] $Behaviour = @{}, [switch] $Default)
        $name = New-TestVault -Behaviour $Behaviour -Default:$Default
        $script:TestVaults.Add($name)
        return $name
    }

    function Use-FreshDataDir {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $dir
        return $dir
    }

    function New-PgConnection($Password) {
        # Untyped: a SecureString must reach Add-DcSource as a SecureString.
        @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password }
    }

    function Get-Field([string] $Source, [string] $Field) {
        (Get-DcSource -Name $Source -ErrorAction Stop).Fields | Where-Object Name -EQ $Field
    }

    function Get-PlainSecret([string] $Vault, [string] $Name) {
        Get-Secret -Name $Name -Vault $Vault -AsPlainText -ErrorAction Stop
    }

    function Get-SecretNames([string] $Vault) {
        @(Get-SecretInfo -Vault $Vault | ForEach-Object Name)
    }

    function Get-VaultWrites([string] $Vault) {
        @(Get-TestVaultCall -Name $Vault | Where-Object { $_ -like 'Set-Secret *' })
    }

    function Get-CatalogFiles {
        if (-not (Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR)) { return @() }
        @(Get-ChildItem -LiteralPath $env:DATACOMPASS_DATA_DIR -File -Force | ForEach-Object FullName)
    }

    function Test-CatalogContains([string] $Text) {
        foreach ($file in Get-CatalogFiles) { if (Test-BytesContain -Path $file -Text $Text) { return $true } }
        return $false
    }

    # Everything PowerShell would show about an error record: a secret value must be in none of it.

}

AfterAll {
    Set-TestVariable 'DATACOMPASS_DATA_DIR' $script:SavedDataDir
    Set-TestVariable 'DCT_ADD_PASSWORD' $script:SavedVariable
    Remove-TestVault -Name @($script:TestVaults)
}

Describe 'Add-DcSource moves literal secrets into a vault' -Tag 'Integration', 'Vault' {
    BeforeEach {
        Use-FreshDataDir | Out-Null
        # Every test gets its own default vault, set explicitly (the registry is shared by the whole run).
        $script:Vault = New-Vault -Default
    }

    AfterEach {
        Remove-TestVault -Name @($script:TestVaults)
        $script:TestVaults.Clear()
    }

    Context 'where the value goes' {
        It 'writes a literal password to the default vault as DataCompass-<source>-<field> and stores only the reference' {
            $canary = New-Canary 'pw'
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction Stop

            Get-PlainSecret $script:Vault 'DataCompass-prod-password' | Should -BeExactly $canary
            $field = Get-Field prod password
            $field.Value | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password}"
            "$($field.Provenance)" | Should -Be 'Vault'
            $field.IsSecret | Should -BeTrue
            (Get-DcSource -Name prod).HasPlaintextSecret | Should -BeFalse

            # Positive control first (this is the catalog that was written), then the value itself is absent.
            Test-CatalogContains "`${secret:$($script:Vault)/DataCompass-prod-password}" | Should -BeTrue
            Test-CatalogContains $canary | Should -BeFalse
            Test-CatalogContains ($canary -split '-')[-1] | Should -BeFalse
        }

        It 'reads a literal from a YAML file the same way and keeps non-secret fields as written' {
            $canary = New-Canary 'yaml'
            $path = Join-Path $TestDrive "$([guid]::NewGuid().ToString('n')).yaml"
            Set-Content -LiteralPath $path -Value "host: `${DCT_ADD_HOST:-db.example.com}`ndatabase: sales`nusername: app`npassword: '$canary'`n"
            Add-DcSource -Name yamlsrc -Type postgresql -Path $path -ErrorAction Stop

            Get-PlainSecret $script:Vault 'DataCompass-yamlsrc-password' | Should -BeExactly $canary
            (Get-Field yamlsrc host).Value | Should -BeExactly '${DCT_ADD_HOST:-db.example.com}'
            Test-CatalogContains $canary | Should -BeFalse
        }

        It 'writes a SecureString literal from -Connection to the vault too' {
            $canary = New-Canary 'secure'
            $connection = New-PgConnection (ConvertTo-SecureString $canary -AsPlainText -Force)
            Add-DcSource -Name securesrc -Type postgresql -Connection $connection -ErrorAction Stop

            Get-PlainSecret $script:Vault 'DataCompass-securesrc-password' | Should -BeExactly $canary
            "$((Get-Field securesrc password).Provenance)" | Should -Be 'Vault'
        }

        It 'writes each literal secret of a databricks service principal to its own secret' {
            $token = New-Canary 'tok'
            $secret = New-Canary 'cs'
            Add-DcSource -Name dbx -Type databricks -ErrorAction Stop -Connection @{
                host = 'adb-1.azuredatabricks.net'; http_path = '/sql/1.0/warehouses/a'; catalog = 'main'
                auth_method = 'service_principal'; client_id = 'app-id'; tenant_id = 'tenant-id'
                access_token = $token; client_secret = $secret
            }

            $tokenRef = (Get-Field dbx access_token).Value
            $secretRef = (Get-Field dbx client_secret).Value
            $tokenRef | Should -Match "^\`$\{secret:$([regex]::Escape($script:Vault))/[A-Za-z0-9-]+\}$"
            $secretRef | Should -Match "^\`$\{secret:$([regex]::Escape($script:Vault))/[A-Za-z0-9-]+\}$"
            $tokenRef | Should -Not -Be $secretRef
            $tokenName = $tokenRef -replace '^\$\{secret:[^/]+/(.+)\}$', '$1'
            $secretName = $secretRef -replace '^\$\{secret:[^/]+/(.+)\}$', '$1'
            Get-PlainSecret $script:Vault $tokenName | Should -BeExactly $token
            Get-PlainSecret $script:Vault $secretName | Should -BeExactly $secret
            (Get-Field dbx client_id).Value | Should -BeExactly 'app-id'
        }
    }

    Context 'which vault' {
        BeforeEach {
            $script:ConfigVault = New-Vault
            $script:ExplicitVault = New-Vault
            Set-SecretVaultDefault -Name $script:Vault
        }

        It '-Vault beats Set-DcConfig -SecretVault, which beats the default vault' {
            Set-DcConfig -SecretVault $script:ConfigVault -ErrorAction Stop
            $canary = New-Canary 'explicit'
            Add-DcSource -Name s1 -Type postgresql -Connection (New-PgConnection $canary) -Vault $script:ExplicitVault -ErrorAction Stop

            (Get-Field s1 password).Value | Should -BeExactly "`${secret:$($script:ExplicitVault)/DataCompass-s1-password}"
            Get-PlainSecret $script:ExplicitVault 'DataCompass-s1-password' | Should -BeExactly $canary
            Get-SecretNames $script:ConfigVault | Should -Not -Contain 'DataCompass-s1-password'
            Get-SecretNames $script:Vault | Should -Not -Contain 'DataCompass-s1-password'
        }

        It 'uses the config secrets_backend over the default vault when there is no -Vault' {
            Set-DcConfig -SecretVault $script:ConfigVault -ErrorAction Stop
            $canary = New-Canary 'config'
            Add-DcSource -Name s2 -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction Stop

            (Get-Field s2 password).Value | Should -BeExactly "`${secret:$($script:ConfigVault)/DataCompass-s2-password}"
            Get-PlainSecret $script:ConfigVault 'DataCompass-s2-password' | Should -BeExactly $canary
            Get-SecretNames $script:Vault | Should -Not -Contain 'DataCompass-s2-password'
        }

        It 'falls back to SecretManagement''s default vault when neither is given, and follows a changed default' {
            Add-DcSource -Name s3 -Type postgresql -Connection (New-PgConnection (New-Canary 'default')) -ErrorAction Stop
            (Get-Field s3 password).Value | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-s3-password}"

            Set-SecretVaultDefault -Name $script:ExplicitVault
            Add-DcSource -Name s4 -Type postgresql -Connection (New-PgConnection (New-Canary 'default2')) -ErrorAction Stop
            (Get-Field s4 password).Value | Should -BeExactly "`${secret:$($script:ExplicitVault)/DataCompass-s4-password}"
            Get-SecretNames $script:Vault | Should -Not -Contain 'DataCompass-s4-password'
        }

        It 'stores the vault name as registered when -Vault is given in another case' {
            Add-DcSource -Name s5 -Type postgresql -Connection (New-PgConnection (New-Canary 'case')) -Vault $script:ExplicitVault.ToUpperInvariant() -ErrorAction Stop
            (Get-Field s5 password).Value | Should -BeExactly "`${secret:$($script:ExplicitVault)/DataCompass-s5-password}"
        }
    }

    Context 'references' {
        It 'stores an unqualified ${secret:pg} qualified with the chosen vault, and writes nothing to the vault' {
            $other = New-Vault
            Set-SecretVaultDefault -Name $script:Vault
            Clear-TestVaultCall $script:Vault
            Add-DcSource -Name unq -Type postgresql -Connection (New-PgConnection '${secret:pg}') -ErrorAction Stop
            Add-DcSource -Name unq2 -Type postgresql -Connection (New-PgConnection '${secret:pg/with/slash}') -Vault $other -ErrorAction Stop

            (Get-Field unq password).Value | Should -BeExactly "`${secret:$($script:Vault)/pg}"
            # The text before the first '/' is the vault: an unqualified name holding '/' would be read as vault 'pg'.
            (Get-Field unq2 password).Value | Should -BeExactly '${secret:pg/with/slash}'
            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
            Get-VaultWrites $other | Should -BeNullOrEmpty
        }

        It 'stores an unqualified reference with the -Vault vault' {
            $other = New-Vault
            Set-SecretVaultDefault -Name $script:Vault
            Add-DcSource -Name unq3 -Type postgresql -Connection (New-PgConnection '${secret:pg}') -Vault $other -ErrorAction Stop
            (Get-Field unq3 password).Value | Should -BeExactly "`${secret:$other/pg}"
        }

        It 'never calls a vault for a source whose secrets are ${VAR} references' {
            Set-SecretVaultDefault -Name $script:Vault
            Clear-TestVaultCall $script:Vault
            Add-DcSource -Name envsrc -Type postgresql -Connection (New-PgConnection '${DCT_ADD_PASSWORD}') -ErrorAction Stop
            Add-DcSource -Name envsrc2 -Type databricks -ErrorAction Stop -Connection @{
                host = '${DCT_ADD_HOST:-adb.example.net}'; http_path = '/p'; catalog = 'main'; access_token = '${DCT_ADD_TOKEN:-}'
            }

            @(Get-TestVaultCall -Name $script:Vault) | Should -BeNullOrEmpty
            (Get-Field envsrc password).Value | Should -BeExactly '${DCT_ADD_PASSWORD}'
            "$((Get-Field envsrc password).Provenance)" | Should -Be 'Env'
        }

        It 'accepts secret_ref: vault://Vault/Name and stores it as written, without writing to the vault' {
            Set-SecretVaultDefault -Name $script:Vault
            Clear-TestVaultCall $script:Vault
            $uri = "vault://$($script:Vault)/pg-creds"
            Add-DcSource -Name refsrc -Type postgresql -ErrorAction Stop -Connection @{
                host = 'db.example.com'; database = 'sales'; username = 'app'; secret_ref = $uri
            }

            $field = Get-Field refsrc secret_ref
            $field.Value | Should -BeExactly $uri
            "$($field.Provenance)" | Should -Be 'Vault'
            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
            Test-CatalogContains $uri | Should -BeTrue
        }
    }

    Context 'secret names' {
        It 'gives names with characters other than letters, digits and ''-'' a portable, hashed, distinct name' {
            Set-SecretVaultDefault -Name $script:Vault
            $values = [ordered]@{ 'prod-eu' = (New-Canary 'dash'); 'prod_eu' = (New-Canary 'under'); 'prod.eu' = (New-Canary 'dot') }
            foreach ($name in $values.Keys) {
                Add-DcSource -Name $name -Type postgresql -Connection (New-PgConnection $values[$name]) -ErrorAction Stop
            }

            $secretNames = foreach ($name in $values.Keys) {
                $reference = (Get-Field $name password).Value
                $reference | Should -Match "^\`$\{secret:$([regex]::Escape($script:Vault))/(.+)\}$"
                $secretName = $reference -replace '^\$\{secret:[^/]+/(.+)\}$', '$1'
                $secretName | Should -Match '^[A-Za-z0-9-]{1,127}$'
                Get-PlainSecret $script:Vault $secretName | Should -BeExactly $values[$name] -Because "source '$name' has its own secret"
                $secretName
            }
            $secretNames[0] | Should -BeExactly 'DataCompass-prod-eu-password'
            $secretNames[1] | Should -Match '^DataCompass-prod-eu-password-[0-9a-f]{6,}$'
            $secretNames[2] | Should -Match '^DataCompass-prod-eu-password-[0-9a-f]{6,}$'
            @($secretNames | Sort-Object -Unique).Count | Should -Be 3
        }

        It 'keeps a name within 127 characters, and distinct, when a long template and long source names need truncation' {
            Set-SecretVaultDefault -Name $script:Vault
            Set-DcConfig -SecretNameTemplate (('x' * 80) + '-{source}-{field}') -ErrorAction Stop
            $first = 'a' * 63 + 'b'
            $second = 'a' * 63 + 'c'
            Add-DcSource -Name $first -Type postgresql -Connection (New-PgConnection (New-Canary 'long1')) -ErrorAction Stop
            Add-DcSource -Name $second -Type postgresql -Connection (New-PgConnection (New-Canary 'long2')) -ErrorAction Stop

            $names = foreach ($name in $first, $second) { (Get-Field $name password).Value -replace '^\$\{secret:[^/]+/(.+)\}$', '$1' }
            foreach ($name in $names) { $name | Should -Match '^[A-Za-z0-9-]{1,127}$' }
            $names[0] | Should -Not -Be $names[1]
            Get-SecretNames $script:Vault | Should -Contain $names[0]
            Get-SecretNames $script:Vault | Should -Contain $names[1]
        }

        It 'names the secret after Set-DcConfig -SecretNameTemplate' {
            Set-SecretVaultDefault -Name $script:Vault
            Set-DcConfig -SecretNameTemplate 'dc-{source}-{field}' -ErrorAction Stop
            $canary = New-Canary 'tmpl'
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction Stop

            (Get-Field prod password).Value | Should -BeExactly "`${secret:$($script:Vault)/dc-prod-password}"
            Get-PlainSecret $script:Vault 'dc-prod-password' | Should -BeExactly $canary
            Get-SecretNames $script:Vault | Should -Not -Contain 'DataCompass-prod-password'
        }
    }

    Context 'refusals write nothing' {
        It 'reports an unknown -Vault as DcVaultNotFound and writes nothing' {
            Set-SecretVaultDefault -Name $script:Vault
            Add-DcSource -Name before -Type postgresql -Connection (New-PgConnection '${DCT_ADD_PASSWORD}') -ErrorAction Stop
            $snapshot = Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR
            Clear-TestVaultCall $script:Vault
            $canary = New-Canary 'novault'

            Add-DcSource -Name nv -Type postgresql -Connection (New-PgConnection $canary) -Vault 'DcNoSuchVault' -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultNotFound' 'Add-DcSource')
            "$($errors[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
            $errors[0].Exception.Message | Should -Match 'DcNoSuchVault'
            Assert-NoValue $errors[0] $canary

            Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR | Should -Be $snapshot
            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
            @(Get-DcSource | ForEach-Object Name) | Should -Be @('before')
        }

        It 'reports a config secrets_backend naming an unregistered vault as DcVaultNotFound that points at the config' {
            Set-SecretVaultDefault -Name $script:Vault
            Set-DcConfig -SecretVault 'DcNoSuchConfigVault' -WarningAction SilentlyContinue -ErrorAction Stop
            Clear-TestVaultCall $script:Vault
            $canary = New-Canary 'cfgvault'

            Add-DcSource -Name nv -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultNotFound' 'Add-DcSource')
            $errors[0].Exception.Message | Should -Match 'DcNoSuchConfigVault'
            $errors[0].Exception.Message | Should -Match 'secrets_backend'
            Assert-NoValue $errors[0] $canary
            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
            Get-CatalogSource | Should -BeNullOrEmpty
        }

        It 'refuses to overwrite an existing vault secret with the generated name (DcSecretNameConflict) and leaves it untouched' {
            Set-SecretVaultDefault -Name $script:Vault
            $existing = New-Canary 'existing'
            Set-Secret -Name 'DataCompass-prod-password' -Secret $existing -Vault $script:Vault
            Clear-TestVaultCall $script:Vault
            $canary = New-Canary 'new'

            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSecretNameConflict' 'Add-DcSource')
            "$($errors[0].CategoryInfo.Category)" | Should -Be 'ResourceExists'
            $errors[0].Exception.Message | Should -Match ([regex]::Escape("'prod'"))
            $errors[0].Exception.Message | Should -Match 'password'
            $errors[0].Exception.Message | Should -Match 'DataCompass-prod-password'
            $errors[0].Exception.Message | Should -Match ([regex]::Escape($script:Vault))
            Assert-NoValue $errors[0] @($canary, $existing)

            Get-PlainSecret $script:Vault 'DataCompass-prod-password' | Should -BeExactly $existing
            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
            Get-CatalogSource | Should -BeNullOrEmpty
        }

        It 'treats a secret whose name differs only in case as a conflict too (vault names are case-insensitive)' {
            Set-SecretVaultDefault -Name $script:Vault
            $existing = New-Canary 'existingcase'
            Set-Secret -Name 'datacompass-prod-password' -Secret $existing -Vault $script:Vault

            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection (New-Canary 'x')) -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSecretNameConflict' 'Add-DcSource')
            Get-PlainSecret $script:Vault 'datacompass-prod-password' | Should -BeExactly $existing
            Get-CatalogSource | Should -BeNullOrEmpty
        }

        It 'removes the secret it already wrote and adds no source when the second vault write fails' {
            $failing = New-Vault -Behaviour @{ FailAfter = 1 }
            Set-SecretVaultDefault -Name $script:Vault
            $token = New-Canary 'tok'
            $secret = New-Canary 'cs'

            Add-DcSource -Name dbx -Type databricks -Vault $failing -ErrorAction SilentlyContinue -ErrorVariable errors -Connection @{
                host = 'adb-1.azuredatabricks.net'; http_path = '/sql/1.0/warehouses/a'; catalog = 'main'
                auth_method = 'service_principal'; client_id = 'app-id'; tenant_id = 'tenant-id'
                access_token = $token; client_secret = $secret
            }

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultFailed' 'Add-DcSource')
            $errors[0].Exception.Message | Should -Match ([regex]::Escape($failing))
            Assert-NoValue $errors[0] @($token, $secret)

            $calls = @(Get-TestVaultCall -Name $failing)
            @($calls | Where-Object { $_ -like 'Set-Secret *' }).Count | Should -Be 2 -Because 'the first write succeeded and the second failed'
            $firstWritten = ($calls | Where-Object { $_ -like 'Set-Secret *' } | Select-Object -First 1).Substring('Set-Secret '.Length)
            $calls | Should -Contain "Remove-Secret $firstWritten"
            Get-SecretInfo -Vault $failing | Should -BeNullOrEmpty
            Get-CatalogSource | Should -BeNullOrEmpty
            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
        }

        It 'reports a locked target vault as DcVaultLocked naming Unlock-SecretVault, and writes nothing' {
            $locked = New-Vault -Behaviour @{ Locked = $true; Password = 'pw' }
            Set-SecretVaultDefault -Name $script:Vault
            $canary = New-Canary 'locked'

            Add-DcSource -Name lk -Type postgresql -Connection (New-PgConnection $canary) -Vault $locked -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultLocked' 'Add-DcSource')
            "$($errors[0].CategoryInfo.Category)" | Should -Be 'SecurityError'
            $errors[0].Exception.Message | Should -Match ([regex]::Escape($locked))
            $errors[0].Exception.Message | Should -Match 'Unlock-SecretVault'
            Assert-NoValue $errors[0] $canary
            Get-VaultWrites $locked | Should -BeNullOrEmpty
            Get-CatalogSource | Should -BeNullOrEmpty
        }

        It 'refuses an existing source name (DcSourceExists) before writing any secret' {
            Set-SecretVaultDefault -Name $script:Vault
            Add-DcSource -Name dup -Type postgresql -Connection (New-PgConnection '${DCT_ADD_PASSWORD}') -ErrorAction Stop
            Clear-TestVaultCall $script:Vault

            Add-DcSource -Name dup -Type postgresql -Connection (New-PgConnection (New-Canary 'dup')) -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceExists' 'Add-DcSource')
            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
            Get-SecretNames $script:Vault | Should -BeNullOrEmpty
            (Get-Field dup password).Value | Should -BeExactly '${DCT_ADD_PASSWORD}'
        }

        It 'names the source in every vault error at add time (unknown vault, locked vault, failed write), and the field of a failed write' {
            # Add-DcSource takes sources from the pipeline (Import-Csv | Add-DcSource): an error that names only the
            # vault does not say which source was refused (DESIGN: messages name the source, field or reference).
            $locked = New-Vault -Behaviour @{ Locked = $true; Password = 'pw' }
            $failing = New-Vault -Behaviour @{ FailAfter = 0 }
            Set-SecretVaultDefault -Name $script:Vault

            Add-DcSource -Name src-unknown -Type postgresql -Connection (New-PgConnection (New-Canary 'a')) -Vault 'DcNoSuchVault' -ErrorAction SilentlyContinue -ErrorVariable unknownErrors
            Add-DcSource -Name src-locked -Type postgresql -Connection (New-PgConnection (New-Canary 'b')) -Vault $locked -ErrorAction SilentlyContinue -ErrorVariable lockedErrors
            Add-DcSource -Name src-failed -Type postgresql -Connection (New-PgConnection (New-Canary 'c')) -Vault $failing -ErrorAction SilentlyContinue -ErrorVariable failedErrors

            $unknownErrors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultNotFound' 'Add-DcSource')
            $lockedErrors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultLocked' 'Add-DcSource')
            $failedErrors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultFailed' 'Add-DcSource')
            $unknownErrors[0].Exception.Message | Should -Match "'src-unknown'"
            $lockedErrors[0].Exception.Message | Should -Match "'src-locked'"
            $failedErrors[0].Exception.Message | Should -Match "'src-failed'"
            $failedErrors[0].Exception.Message | Should -Match "'password'"
        }

        It 'writes nothing to the vault or the catalog with -WhatIf' {
            Set-SecretVaultDefault -Name $script:Vault
            Clear-TestVaultCall $script:Vault
            $canary = New-Canary 'whatif'
            Add-DcSource -Name wi -Type postgresql -Connection (New-PgConnection $canary) -WhatIf -ErrorAction Stop

            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
            Get-SecretNames $script:Vault | Should -BeNullOrEmpty
            Get-CatalogSource | Should -BeNullOrEmpty
            Test-CatalogContains $canary | Should -BeFalse
        }

        It 'refuses a secret field that mixes literal text with a reference (DcPlaintextSecretRefused), even with a vault' {
            Set-SecretVaultDefault -Name $script:Vault
            Clear-TestVaultCall $script:Vault
            $canary = New-Canary 'pre'

            # Non-terminating: one bad source does not stop Import-Csv | Add-DcSource.
            $null = Add-DcSource -Name mixed -Type postgresql -Connection (New-PgConnection "$canary`${DCT_ADD_PASSWORD}") -ErrorAction SilentlyContinue -ErrorVariable mixedErrors
            @($mixedErrors) | Should -HaveCount 1
            $record = { Add-DcSource -Name mixed -Type postgresql -Connection (New-PgConnection "$canary`${DCT_ADD_PASSWORD}") -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource') -PassThru
            "$($record.CategoryInfo.Category)" | Should -Be 'SecurityError'
            $record.Exception.Message | Should -Match "'mixed'"
            $record.Exception.Message | Should -Match "'password'"
            Assert-NoValue $record $canary

            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
            Get-CatalogSource | Should -BeNullOrEmpty
            Test-CatalogContains $canary | Should -BeFalse
        }
    }

    Context 'after an add killed between the vault write and the row insert' {
        It 'uses the secret the killed add left, without writing it again, and records it as the source''s own' {
            $canary = New-Canary 'left'
            Set-Secret -Name 'DataCompass-prod-password' -Secret $canary -Vault $script:Vault
            Clear-TestVaultCall $script:Vault

            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction Stop

            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty -Because 'the value is already there'
            (Get-Field prod password).Value | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password}"
            (Get-DcSourceConnection -Name prod -AsPlainText).Settings['password'] | Should -BeExactly $canary
            Remove-DcSource -Name prod -RemoveSecret -Confirm:$false -ErrorAction Stop
            Get-SecretNames $script:Vault | Should -BeNullOrEmpty -Because 'the secret is recorded as owned, so it goes with the source'
        }

        It 'still refuses (DcSecretNameConflict) a same-name secret with the same value that another source refers to' {
            $canary = New-Canary 'shared'
            Set-Secret -Name 'DataCompass-prod-password' -Secret $canary -Vault $script:Vault
            Add-DcSource -Name other -Type postgresql -Connection (New-PgConnection "`${secret:$($script:Vault)/DataCompass-prod-password}") -ErrorAction Stop

            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSecretNameConflict' 'Add-DcSource')
            Assert-NoValue $errors[0] $canary
            @(Get-DcSource | ForEach-Object Name) | Should -Be @('other')
        }

        It 'converges when killed at a random moment and run again, round <_>' -ForEach (1..3) {
            $canary = New-Canary 'killed'
            # The vault pauses after storing a secret: a kill then often lands between the vault write and the row insert.
            $vault = New-Vault -Behaviour @{ PauseAfterSetMs = 700 }
            $db = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
            $childScript = Join-Path $TestDrive "add-$(New-Guid).ps1"
            # The value reaches the child through its environment, never its command line.
            Set-Content -Path $childScript -Value ("Import-Module '{0}'; `$null = Get-SecretVault; 'START'; Add-DcSource -Database '{1}' -Vault '{2}' -Name prod -Type postgresql -Connection @{{ host = 'h'; database = 'd'; username = 'u'; password = `$env:DCT_ADD_PASSWORD }} | Out-Null; 'DONE'" -f
                $script:DcModulePath, $db, $vault)
            Set-TestVariable 'DCT_ADD_PASSWORD' $canary
            try {
                $run = Stop-ChildAtRandom -ScriptPath $childScript -MinimumDelay 200 -MaximumDelay 1200
            }
            finally {
                Set-TestVariable 'DCT_ADD_PASSWORD' $script:SavedVariable
            }
            $added = @(Get-CatalogSource -Database $db).Count
            Write-Host ("    {0} ms into the add: {1}; source added: {2}, secrets in the vault: {3}" -f $run.Delay, $(if ($run.Killed) { 'killed' } else { 'had finished' }), $added, @(Get-SecretNames $vault).Count)

            # The same command again: it adds the source (reusing a secret left behind) or finds it already added.
            Add-DcSource -Database $db -Vault $vault -Name prod -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $canary } -ErrorAction SilentlyContinue -ErrorVariable errors
            @($errors | Where-Object FullyQualifiedErrorId -ne (Get-DcErrorId 'DcSourceExists' 'Add-DcSource')) | Should -BeNullOrEmpty
            (Get-DcSourceConnection -Database $db -Name prod -AsPlainText).Settings['password'] | Should -BeExactly $canary
            Get-SecretNames $vault | Should -Be @('DataCompass-prod-password')
            Remove-DcSource -Database $db -Name prod -RemoveSecret -Confirm:$false -ErrorAction Stop
            Get-SecretNames $vault | Should -BeNullOrEmpty -Because 'the secret is recorded as the source''s own'
        }
    }

    Context 'with no vault to write to' {
        It 'refuses a literal secret with a terminating DcPlaintextSecretRefused when no vault is registered' {
            Remove-TestVault -Name @($script:TestVaults)
            $script:TestVaults.Clear()
            @(Get-SecretVault) | Should -BeNullOrEmpty -Because 'this test needs a registry without vaults'
            $canary = New-Canary 'novault'

            $record = { Add-DcSource -Name lit -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction SilentlyContinue } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource') -PassThru
            "$($record.CategoryInfo.Category)" | Should -Be 'SecurityError'
            $record.Exception.Message | Should -Match "'lit'"
            $record.Exception.Message | Should -Match "'password'"
            $record.Exception.Message | Should -Match 'Register'
            $record.Exception.Message | Should -Match '-AllowPlaintext'
            Assert-NoValue $record $canary
            Get-CatalogSource | Should -BeNullOrEmpty
            Test-CatalogContains $canary | Should -BeFalse
        }

        It 'stops a pipeline of sources at the first refused literal (a precondition, not a per-item error)' {
            Remove-TestVault -Name @($script:TestVaults)
            $script:TestVaults.Clear()
            $rows = @(
                [pscustomobject]@{ Name = 'first'; Type = 'postgresql'; Connection = (New-PgConnection (New-Canary 'p1')) }
                [pscustomobject]@{ Name = 'second'; Type = 'postgresql'; Connection = (New-PgConnection '${DCT_ADD_PASSWORD}') }
            )
            { $rows | Add-DcSource -ErrorAction SilentlyContinue } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource')
            Get-CatalogSource | Should -BeNullOrEmpty
        }

        It 'refuses a literal secret when vaults are registered but none is named and there is no default' {
            Set-SecretVaultDefault -ClearDefault
            $canary = New-Canary 'nodefault'

            $record = { Add-DcSource -Name lit -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction SilentlyContinue } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource') -PassThru
            $record.Exception.Message | Should -Match 'default'
            Assert-NoValue $record $canary
            Get-VaultWrites $script:Vault | Should -BeNullOrEmpty
            Get-CatalogSource | Should -BeNullOrEmpty
        }

        It 'stores plaintext with -AllowPlaintext, with a warning that names the field and never the value' {
            Remove-TestVault -Name @($script:TestVaults)
            $script:TestVaults.Clear()
            $canary = New-Canary 'plain'

            Add-DcSource -Name lit -Type postgresql -Connection (New-PgConnection $canary) -AllowPlaintext -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
            $warnings.Count | Should -BeGreaterThan 0
            $text = ($warnings | ForEach-Object Message) -join "`n"
            $text | Should -Match "'lit'"
            $text | Should -Match "'password'"
            $text | Should -Match 'plaintext'
            $text.Contains($canary) | Should -BeFalse

            $field = Get-Field lit password
            "$($field.Provenance)" | Should -Be 'Plaintext'
            "$($field.Value)".Contains($canary) | Should -BeFalse
            (Get-DcSource -Name lit).HasPlaintextSecret | Should -BeTrue
            Test-CatalogContains $canary | Should -BeTrue -Because 'plaintext was asked for, so the value is in the catalog'
            (Get-DcSourceConnection -Name lit -AsPlainText).Settings['password'] | Should -BeExactly $canary
        }
    }
}

Describe 'Add-DcSource refuses PowerShell mistakes in secret fields' -Tag 'Integration', 'Vault' {
    BeforeAll {
        $script:MistakeDir = Use-FreshDataDir
        $script:MistakeVault = New-Vault -Default
        Add-DcSource -Name existing -Type postgresql -Connection (New-PgConnection '${DCT_ADD_PASSWORD}') -ErrorAction Stop
    }
    BeforeEach { $env:DATACOMPASS_DATA_DIR = $script:MistakeDir }

    It '<Case> gives <ErrorId>, writes nothing to the vault and leaves the database byte-identical' -TestCases @(
        # In double quotes PowerShell expands ${DcTestNeverSetVariable} itself, to nothing: the classic mistake.
        @{ Case = 'a double-quoted "${VAR}"'; ErrorId = 'DcSecretValueEmpty'; Category = 'InvalidArgument'; Password = "${DcTestNeverSetVariable}" }
        @{ Case = 'only whitespace'; ErrorId = 'DcSecretValueEmpty'; Category = 'InvalidArgument'; Password = "  `t" }
        @{ Case = "'`${DB_PASSWORD' (no closing brace)"; ErrorId = 'DcPlaceholderMalformed'; Category = 'InvalidData'; Password = '${DB_PASSWORD' }
        @{ Case = "'`$DB_PASSWORD'"; ErrorId = 'DcPlaceholderMalformed'; Category = 'InvalidData'; Password = '$DB_PASSWORD' }
        @{ Case = "'{DB_PASSWORD}'"; ErrorId = 'DcPlaceholderMalformed'; Category = 'InvalidData'; Password = '{DB_PASSWORD}' }
        @{ Case = "'`${secret:}'"; ErrorId = 'DcReferenceInvalid'; Category = 'InvalidData'; Password = '${secret:}' }
        @{ Case = 'a literal longer than a SecureString holds'; ErrorId = 'DcSecretTooLong'; Category = 'InvalidData'; Password = 'x' * 70000 }
        @{ Case = 'a SecureString of a broken placeholder'; ErrorId = 'DcPlaceholderMalformed'; Category = 'InvalidData'
            Password = (ConvertTo-SecureString '$DB_PASSWORD' -AsPlainText -Force) }
    ) {
        $before = Get-FolderSnapshot $script:MistakeDir
        $err = { Add-DcSource -Name mistake -Type postgresql -Connection (New-PgConnection $Password) -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-DcErrorId $ErrorId 'Add-DcSource') -PassThru
        $err.CategoryInfo.Category | Should -Be $Category
        $err.Exception.Message | Should -BeLike "*source 'mistake', field 'password'*"
        if ($ErrorId -ne 'DcReferenceInvalid') { Assert-NoValue $err 'DB_PASSWORD' }
        if ($ErrorId -eq 'DcSecretValueEmpty') { $err.Exception.Message | Should -BeLike "*password = '`${PASSWORD}'*" }
        Get-SecretNames $script:MistakeVault | Should -BeNullOrEmpty
        Get-VaultWrites $script:MistakeVault | Should -BeNullOrEmpty
        Get-FolderSnapshot $script:MistakeDir | Should -Be $before
    }

    It 'refuses <Case> in a YAML file the same way' -TestCases @(
        @{ Case = 'an empty password'; ErrorId = 'DcSecretValueEmpty'; Line = 'password: ""' }
        @{ Case = 'a shell-style $VAR'; ErrorId = 'DcPlaceholderMalformed'; Line = 'password: $DB_PASSWORD' }
        @{ Case = 'an unclosed ${VAR'; ErrorId = 'DcPlaceholderMalformed'; Line = "password: '`${DB_PASSWORD'" }
    ) {
        $path = Join-Path $TestDrive "$([guid]::NewGuid().ToString('n')).yaml"
        Set-Content -LiteralPath $path -Value "host: h`ndatabase: d`nusername: u`n$Line`n"
        $before = Get-FolderSnapshot $script:MistakeDir
        { Add-DcSource -Name mistake -Type postgresql -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-DcErrorId $ErrorId 'Add-DcSource')
        Get-SecretNames $script:MistakeVault | Should -BeNullOrEmpty
        Get-FolderSnapshot $script:MistakeDir | Should -Be $before
    }

    It 'still takes a real password that starts with $ or holds braces' {
        Add-DcSource -Name dollar -Type postgresql -Connection (New-PgConnection '$3cr3t {x}$') -ErrorAction Stop 2>$null
        $names = Get-SecretNames $script:MistakeVault
        $names | Should -Contain 'DataCompass-dollar-password'
    }
}

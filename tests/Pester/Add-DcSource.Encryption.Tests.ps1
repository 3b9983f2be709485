#Requires -Version 7.4
# Add-DcSource and encryption at rest (DESIGN.md, "Where a secret value ends up", step 3, and "Encryption at rest"): a
# literal secret goes to a vault when there is one; with no vault but a key it is stored as enc:v1:<keyId>:<Fernet
# token>; -Encrypt chooses encryption over a vault; with neither vault nor key it is refused and nothing is written. The
# key ring comes from $env:DATACOMPASS_ENCRYPTION_KEY, else config encryption_key_ref, else the key file. -ResolveNow
# resolves ${VAR} placeholders at add time, and resolved secrets follow the same policy. Stored tokens are opened with
# an independent Fernet implementation (EncryptionHelpers.ps1).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY', 'DCT_ENC_HOST', 'DCT_ENC_DOMAIN', 'DCT_ENC_PORT',
        'DCT_ENC_PASSWORD', 'DCT_ENC_UNSET', 'DCT_ENC_BRACE')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    $script:TestVaults = [System.Collections.Generic.List[string]]::new()

    function New-PgConnection($Password) {
        @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password }
    }

    function Get-Field([string] $Source, [string] $Field) {
        (Get-DcSource -Name $Source -ErrorAction Stop).Fields | Where-Object Name -EQ $Field
    }

    function Get-Stored([string] $Source, [string] $Field) {
        Get-StoredField -Database $script:Database -Source $Source -Field $Field
    }

    function Test-CatalogContains([string] $Text) {
        Test-AnyContains -Path @(Get-CatalogFile $script:Database) -Text $Text
    }

    function Get-ErrorRecord([scriptblock] $Script) {
        try { & $Script; $null } catch { $_ }
    }

    function New-Vault([switch] $Default) {
        $name = New-TestVault -Default:$Default
        $script:TestVaults.Add($name)
        return $name
    }

    function Skip-WhenDefaultVault {
        # Sets the test skipped (and returns $true) when some default vault would take the literal secret.
        if (Get-DefaultVaultName) { Set-ItResult -Skipped -Because 'a default vault is registered, so "no vault" cannot be set up'; return $true }
        return $false
    }
}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault -Name @($script:TestVaults)
}

Describe 'Add-DcSource with encryption at rest' -Tag 'Integration', 'Encryption' {
    BeforeEach {
        Restore-TestEnvironment
        foreach ($name in $script:EnvNames) { if ($name -ne 'DATACOMPASS_DATA_DIR') { Set-TestVariable $name $null } }
        $script:DataDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $script:DataDir
        $script:Database = Join-Path $script:DataDir 'datacompass.db'
    }

    AfterEach {
        Remove-TestVault -Name @($script:TestVaults)
        $script:TestVaults.Clear()
    }

    Context 'no vault, but a key: the literal is stored encrypted' {
        It 'stores enc:v1:(key id):(Fernet token) that opens with the key file''s key, and never the literal' {
            if (Skip-WhenDefaultVault) { return }
            $info = New-DcEncryptionKey -ErrorAction Stop
            $key = (Get-Content -LiteralPath (Join-Path $script:DataDir 'key') -Raw).Trim()
            $canary = New-Canary 'enc"pw/ö+'
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -WarningVariable warnings -ErrorAction Stop

            $stored = Get-Stored prod password
            $parsed = Read-EncryptedValue $stored
            $parsed.KeyId | Should -BeExactly $info.KeyId
            Read-FernetToken -Key $key -Token $parsed.Token | Should -BeExactly $canary -Because 'any Fernet implementation with the key opens the token'
            @($warnings) | Should -BeNullOrEmpty -Because 'an encrypted value is not plaintext'

            Test-CatalogContains "enc:v1:$($info.KeyId):" | Should -BeTrue -Because 'positive control: this is the catalog that was written'
            Test-CatalogContains $canary | Should -BeFalse
            Test-CatalogContains ($canary -split '-')[-1] | Should -BeFalse
        }

        It 'shows the field as Encrypted, enc:v1:(key id):********, and no plaintext secret' {
            if (Skip-WhenDefaultVault) { return }
            $info = New-DcEncryptionKey -ErrorAction Stop
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection (New-Canary 'shown')) -ErrorAction Stop

            $field = Get-Field prod password
            "$($field.Provenance)" | Should -Be 'Encrypted'
            $field.Value | Should -BeExactly "enc:v1:$($info.KeyId):********"
            $field.IsSecret | Should -BeTrue
            (Get-DcSource -Name prod).HasPlaintextSecret | Should -BeFalse
        }

        It 'encrypts each literal secret of a databricks service principal on its own, and a SecureString literal' {
            if (Skip-WhenDefaultVault) { return }
            $null = New-DcEncryptionKey -ErrorAction Stop
            $token = New-Canary 'tok'
            $secret = New-Canary 'cs'
            $secure = New-Canary 'secure'
            Add-DcSource -Name dbx -Type databricks -ErrorAction Stop -Connection @{
                host = 'adb-1.azuredatabricks.net'; http_path = '/sql/1.0/warehouses/a'; catalog = 'main'
                auth_method = 'service_principal'; client_id = 'app-id'; tenant_id = 'tenant-id'
                access_token = $token; client_secret = $secret
            }
            Add-DcSource -Name sec -Type postgresql -Connection (New-PgConnection (ConvertTo-SecureString $secure -AsPlainText -Force)) -ErrorAction Stop

            (Get-Stored dbx access_token) | Should -Match '^enc:v1:[0-9a-f]{8}:'
            (Get-Stored dbx client_secret) | Should -Match '^enc:v1:[0-9a-f]{8}:'
            (Get-Stored dbx access_token) | Should -Not -Be (Get-Stored dbx client_secret)
            (Get-Stored dbx client_id) | Should -BeExactly 'app-id' -Because 'only secret fields are encrypted'
            $settings = (Get-DcSourceConnection -Name dbx -AsPlainText -ErrorAction Stop).Settings
            $settings['access_token'] | Should -BeExactly $token
            $settings['client_secret'] | Should -BeExactly $secret
            (Get-DcSourceConnection -Name sec -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $secure
            foreach ($value in $token, $secret, $secure) { Test-CatalogContains ($value -split '-')[-1] | Should -BeFalse }
        }

        It 'encrypts rather than storing plaintext when -AllowPlaintext is given too, without a plaintext warning' {
            if (Skip-WhenDefaultVault) { return }
            $null = New-DcEncryptionKey -ErrorAction Stop
            $canary = New-Canary 'allow'
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -AllowPlaintext -WarningVariable warnings -ErrorAction Stop

            "$((Get-Field prod password).Provenance)" | Should -Be 'Encrypted'
            @($warnings) | Should -BeNullOrEmpty
            Test-CatalogContains $canary | Should -BeFalse
        }

        It 'writes nothing with -WhatIf' {
            if (Skip-WhenDefaultVault) { return }
            $null = New-DcEncryptionKey -ErrorAction Stop
            $before = Get-FolderSnapshot $script:DataDir
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection (New-Canary 'whatif')) -WhatIf -ErrorAction Stop
            Get-FolderSnapshot $script:DataDir | Should -Be $before
        }
    }

    Context 'a vault and a key' -Tag 'Vault' {
        BeforeEach {
            $script:Vault = New-Vault -Default
            $null = New-DcEncryptionKey -ErrorAction Stop
        }

        It 'writes the literal to the vault, not encrypted, without -Encrypt' {
            $canary = New-Canary 'tovault'
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction Stop

            (Get-Stored prod password) | Should -BeExactly "`${secret:$($script:Vault)/DataCompass-prod-password}"
            Get-Secret -Vault $script:Vault -Name 'DataCompass-prod-password' -AsPlainText | Should -BeExactly $canary
        }

        It 'encrypts with -Encrypt and writes nothing to the vault' {
            Clear-TestVaultCall $script:Vault
            $canary = New-Canary 'forced'
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -Encrypt -ErrorAction Stop

            (Get-Stored prod password) | Should -Match '^enc:v1:[0-9a-f]{8}:'
            "$((Get-Field prod password).Provenance)" | Should -Be 'Encrypted'
            @(Get-TestVaultCall -Name $script:Vault | Where-Object { $_ -like 'Set-Secret *' }) | Should -BeNullOrEmpty
            @(Get-SecretInfo -Vault $script:Vault) | Should -BeNullOrEmpty
            (Get-DcSourceConnection -Name prod -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
        }

        It 'keeps references as they are under -Encrypt: a ${VAR} stays, an unqualified ${secret:Name} gets the vault' {
            Add-DcSource -Name refs -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -Encrypt -ErrorAction Stop
            Add-DcSource -Name refs2 -Type postgresql -Connection (New-PgConnection '${secret:pg}') -Encrypt -ErrorAction Stop
            (Get-Stored refs password) | Should -BeExactly '${DCT_ENC_PASSWORD}'
            (Get-Stored refs2 password) | Should -BeExactly "`${secret:$($script:Vault)/pg}"
        }
    }

    Context 'refusals write nothing' {
        It 'stops with DcEncryptionKeyMissing under -Encrypt when no key is configured, even with a vault, and writes nothing' -Tag 'Vault' {
            $vault = New-Vault -Default
            Add-DcSource -Name before -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -ErrorAction Stop
            $snapshot = Get-FolderSnapshot $script:DataDir
            Clear-TestVaultCall $vault
            $canary = New-Canary 'nokey'

            $record = Get-ErrorRecord { Add-DcSource -Name enc -Type postgresql -Connection (New-PgConnection $canary) -Encrypt -ErrorAction SilentlyContinue }
            $record | Should -Not -BeNullOrEmpty -Because 'the error is terminating'
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyMissing' 'Add-DcSource')
            "$($record.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
            $record.Exception.Message | Should -BeLike "*'enc'*"
            $record.Exception.Message | Should -BeLike '*-Encrypt*'
            $record.Exception.Message | Should -BeLike '*New-DcEncryptionKey*'
            $record.Exception.Message | Should -BeLike '*DATACOMPASS_ENCRYPTION_KEY*'
            Assert-NoValue $record $canary

            Get-FolderSnapshot $script:DataDir | Should -Be $snapshot
            @(Get-TestVaultCall -Name $vault | Where-Object { $_ -like 'Set-Secret *' }) | Should -BeNullOrEmpty
            @(Get-DcSource | ForEach-Object Name) | Should -Be @('before')
        }

        It 'stops the pipeline at a source that -Encrypt cannot encrypt: the sources after it are not added' {
            $sources = @(
                [pscustomobject]@{ Name = 'first'; Type = 'postgresql'; Connection = (New-PgConnection (New-Canary 'p1')) }
                [pscustomobject]@{ Name = 'second'; Type = 'postgresql'; Connection = (New-PgConnection '${DCT_ENC_PASSWORD}') }
            )
            $record = Get-ErrorRecord { $sources | Add-DcSource -Encrypt -ErrorAction SilentlyContinue }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyMissing' 'Add-DcSource')
            $script:Database | Should -Not -Exist
        }

        It 'stops with DcPlaintextSecretRefused when there is neither vault nor key, naming the ways out, and writes nothing' {
            if (Skip-WhenDefaultVault) { return }
            Add-DcSource -Name before -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -ErrorAction Stop
            $snapshot = Get-FolderSnapshot $script:DataDir
            $canary = New-Canary 'refused'

            $record = Get-ErrorRecord { Add-DcSource -Name lit -Type postgresql -Connection (New-PgConnection $canary) -ErrorAction SilentlyContinue }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource')
            "$($record.CategoryInfo.Category)" | Should -Be 'SecurityError'
            $record.Exception.Message | Should -BeLike "*'lit'*"
            $record.Exception.Message | Should -BeLike "*'password'*"
            $record.Exception.Message | Should -BeLike '*New-DcEncryptionKey*'
            $record.Exception.Message | Should -BeLike '*-AllowPlaintext*'
            Assert-NoValue $record $canary
            Get-FolderSnapshot $script:DataDir | Should -Be $snapshot
        }

        It 'never hides a plaintext secret that looks like an encrypted value: -AllowPlaintext refuses it, or Get-DcSource flags it as plaintext' {
            # DESIGN.md: provenance exists "so a plaintext secret is visible in an audit". A literal password that happens to
            # start with enc:v1: is stored in the clear (Add-DcSource warns so); it must not then be reported as Encrypted.
            if (Skip-WhenDefaultVault) { return }
            $literal = 'enc:v1:' + (New-Canary 'lookalike')
            $record = Get-ErrorRecord {
                Add-DcSource -Name lookalike -Type postgresql -Connection (New-PgConnection $literal) -AllowPlaintext -WarningAction SilentlyContinue -ErrorAction SilentlyContinue -ErrorVariable errors
                if ($errors) { $errors[0] }
            }
            $added = @(Get-CatalogSource | Where-Object Name -EQ 'lookalike')
            if ($record -or -not $added) {
                $added | Should -BeNullOrEmpty -Because 'a refusal writes nothing'
                return
            }
            "$((Get-Field lookalike password).Provenance)" | Should -Be 'Plaintext' -Because 'the value is stored in the clear'
            (Get-DcSource -Name lookalike).HasPlaintextSecret | Should -BeTrue
        }

        It 'refuses a key file others can read (DcEncryptionKeyFileUnprotected) and writes nothing' -Skip:$IsWindows {
            if (Skip-WhenDefaultVault) { return }
            $null = New-DcEncryptionKey -ErrorAction Stop
            Add-DcSource -Name before -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -ErrorAction Stop
            chmod 644 (Join-Path $script:DataDir 'key')
            $snapshot = Get-FolderSnapshot $script:DataDir

            $record = Get-ErrorRecord { Add-DcSource -Name lit -Type postgresql -Connection (New-PgConnection (New-Canary 'open')) -ErrorAction SilentlyContinue }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyFileUnprotected' 'Add-DcSource')
            "$($record.CategoryInfo.Category)" | Should -Be 'SecurityError'
            Get-FolderSnapshot $script:DataDir | Should -Be $snapshot
        }

        It 'refuses a malformed $env:DATACOMPASS_ENCRYPTION_KEY (DcEncryptionKeyInvalid) without repeating it, and writes nothing' {
            $bad = New-Canary 'badkey'
            $env:DATACOMPASS_ENCRYPTION_KEY = $bad
            $canary = New-Canary 'lit'
            $record = Get-ErrorRecord { Add-DcSource -Name lit -Type postgresql -Connection (New-PgConnection $canary) -Encrypt -ErrorAction SilentlyContinue }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyInvalid' 'Add-DcSource')
            $record.Exception.Message | Should -BeLike '*DATACOMPASS_ENCRYPTION_KEY*'
            Assert-NoValue $record @($bad, $canary)
            $script:DataDir | Should -Not -Exist
        }
    }

    Context 'which key ring' {
        It '$env:DATACOMPASS_ENCRYPTION_KEY beats the key file, and its first key is the primary' {
            $fileKey = New-DcEncryptionKey -ErrorAction Stop
            $primary = New-FernetKeyText
            $secondary = New-FernetKeyText
            $env:DATACOMPASS_ENCRYPTION_KEY = "$primary,$secondary"
            $canary = New-Canary 'envring'
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -Encrypt -ErrorAction Stop

            $parsed = Read-EncryptedValue (Get-Stored prod password)
            $parsed.KeyId | Should -BeExactly (Get-FernetKeyId $primary)
            $parsed.KeyId | Should -Not -Be $fileKey.KeyId
            Read-FernetToken -Key $primary -Token $parsed.Token | Should -BeExactly $canary
        }

        It 'config encryption_key_ref (a vault secret) beats the key file, and the environment beats both' -Tag 'Vault' {
            $fileKey = New-DcEncryptionKey -ErrorAction Stop
            $vault = New-Vault
            $vaultKey = New-FernetKeyText
            Set-Secret -Vault $vault -Name 'ring' -Secret $vaultKey
            Set-DcConfig -EncryptionKeyRef "$vault/ring" -ErrorAction Stop
            Add-DcSource -Name fromvault -Type postgresql -Connection (New-PgConnection (New-Canary 'v')) -Encrypt -ErrorAction Stop
            $envKey = New-FernetKeyText
            $env:DATACOMPASS_ENCRYPTION_KEY = $envKey
            Add-DcSource -Name fromenv -Type postgresql -Connection (New-PgConnection (New-Canary 'e')) -Encrypt -ErrorAction Stop

            (Read-EncryptedValue (Get-Stored fromvault password)).KeyId | Should -BeExactly (Get-FernetKeyId $vaultKey)
            (Read-EncryptedValue (Get-Stored fromenv password)).KeyId | Should -BeExactly (Get-FernetKeyId $envKey)
            @((Get-FernetKeyId $vaultKey), (Get-FernetKeyId $envKey)) | Should -Not -Contain $fileKey.KeyId
        }

        It 'stops with DcEncryptionKeyMissing when encryption_key_ref names a secret that does not exist' -Tag 'Vault' {
            $null = New-DcEncryptionKey -ErrorAction Stop
            $vault = New-Vault
            Set-DcConfig -EncryptionKeyRef "$vault/no-such-ring" -ErrorAction Stop
            $record = Get-ErrorRecord { Add-DcSource -Name lit -Type postgresql -Connection (New-PgConnection (New-Canary 'x')) -Encrypt -ErrorAction SilentlyContinue }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyMissing' 'Add-DcSource')
            $record.Exception.Message | Should -BeLike '*no-such-ring*'
            $script:Database | Should -Not -Exist
        }
    }

    Context '-ResolveNow' {
        BeforeEach {
            $env:DCT_ENC_HOST = 'pg01'
            $env:DCT_ENC_PORT = '6543'
        }

        It 'stores the values of ${VAR} placeholders in non-secret fields (defaults and integers included); without it they stay' {
            Add-DcSource -Name now -Type postgresql -ResolveNow -ErrorAction Stop -Connection @{
                host = '${DCT_ENC_HOST}.${DCT_ENC_DOMAIN:-example.com}'; port = '${DCT_ENC_PORT}'; database = 'sales'; username = 'app'; password = '${secret:Corp/pg}'
            }
            Add-DcSource -Name later -Type postgresql -ErrorAction Stop -Connection @{
                host = '${DCT_ENC_HOST}'; database = 'sales'; username = 'app'; password = '${DCT_ENC_PASSWORD}'
            }

            (Get-Stored now host) | Should -BeExactly 'pg01.example.com'
            (Get-Stored now port) | Should -Be 6543
            (Get-Stored now port) | Should -BeOfType [long] -Because 'a resolved port is stored as the integer the Python tool stores'
            (Get-Stored now password) | Should -BeExactly '${secret:Corp/pg}' -Because 'vault references stay references'
            "$((Get-Field now host).Provenance)" | Should -Be 'Literal'
            (Get-Stored later host) | Should -BeExactly '${DCT_ENC_HOST}'
            (Get-Stored later password) | Should -BeExactly '${DCT_ENC_PASSWORD}'
        }

        It 'stores a resolved secret encrypted when there is no vault but a key' {
            if (Skip-WhenDefaultVault) { return }
            $info = New-DcEncryptionKey -ErrorAction Stop
            $canary = New-Canary 'resolved'
            $env:DCT_ENC_PASSWORD = $canary
            Add-DcSource -Name now -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -ResolveNow -ErrorAction Stop

            (Read-EncryptedValue (Get-Stored now password)).KeyId | Should -BeExactly $info.KeyId
            "$((Get-Field now password).Provenance)" | Should -Be 'Encrypted'
            Set-TestVariable 'DCT_ENC_PASSWORD' $null
            (Get-DcSourceConnection -Name now -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary -Because 'the source no longer needs the variable'
            Test-CatalogContains ($canary -split '-')[-1] | Should -BeFalse
        }

        It 'writes a resolved secret to the vault when there is one, and encrypts it with -Encrypt' -Tag 'Vault' {
            $vault = New-Vault -Default
            $null = New-DcEncryptionKey -ErrorAction Stop
            $canary = New-Canary 'resolvedvault'
            $env:DCT_ENC_PASSWORD = $canary
            Add-DcSource -Name tovault -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -ResolveNow -ErrorAction Stop
            Add-DcSource -Name encrypted -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -ResolveNow -Encrypt -ErrorAction Stop

            (Get-Stored tovault password) | Should -BeExactly "`${secret:$vault/DataCompass-tovault-password}"
            Get-Secret -Vault $vault -Name 'DataCompass-tovault-password' -AsPlainText | Should -BeExactly $canary
            (Get-Stored encrypted password) | Should -Match '^enc:v1:[0-9a-f]{8}:'
            Test-CatalogContains ($canary -split '-')[-1] | Should -BeFalse
        }

        It 'refuses a resolved secret with neither vault nor key (DcPlaintextSecretRefused) and writes nothing' {
            if (Skip-WhenDefaultVault) { return }
            $canary = New-Canary 'resolvedrefused'
            $env:DCT_ENC_PASSWORD = $canary
            $record = Get-ErrorRecord { Add-DcSource -Name now -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -ResolveNow -ErrorAction SilentlyContinue }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource')
            Assert-NoValue $record $canary
            $script:DataDir | Should -Not -Exist
        }

        It 'stores a resolved secret in the clear only with -AllowPlaintext, with a warning' {
            if (Skip-WhenDefaultVault) { return }
            $canary = New-Canary 'resolvedplain'
            $env:DCT_ENC_PASSWORD = $canary
            Add-DcSource -Name now -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -ResolveNow -AllowPlaintext -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop

            "$((Get-Field now password).Provenance)" | Should -Be 'Plaintext'
            (Get-DcSource -Name now).HasPlaintextSecret | Should -BeTrue
            "$($warnings[0])" | Should -BeLike "*'password'*plaintext*"
            "$($warnings[0])".Contains($canary) | Should -BeFalse
        }

        It 'reports a variable that is not set as DcEnvironmentVariableNotSet naming it, writes nothing, and goes on with the next source' {
            Add-DcSource -Name before -Type postgresql -Connection (New-PgConnection '${DCT_ENC_PASSWORD}') -ErrorAction Stop
            $snapshot = Get-FolderSnapshot $script:DataDir
            $sources = @(
                [pscustomobject]@{ Name = 'unset'; Type = 'postgresql'; Connection = @{ host = '${DCT_ENC_HOST}'; database = 'd'; username = '${DCT_ENC_UNSET}'; password = '${secret:Corp/pg}' } }
                [pscustomobject]@{ Name = 'fine'; Type = 'postgresql'; Connection = @{ host = '${DCT_ENC_HOST}'; database = 'd'; username = 'u'; password = '${secret:Corp/pg}' } }
            )
            $sources[0] | Add-DcSource -ResolveNow -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEnvironmentVariableNotSet' 'Add-DcSource')
            "$($errors[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
            $errors[0].Exception.Message | Should -BeLike "*'unset'*"
            $errors[0].Exception.Message | Should -BeLike '*DCT_ENC_UNSET*'
            $errors[0].Exception.Message | Should -BeLike "*'username'*"
            Get-FolderSnapshot $script:DataDir | Should -Be $snapshot

            $sources | Add-DcSource -ResolveNow -ErrorAction SilentlyContinue
            @(Get-DcSource | ForEach-Object Name | Sort-Object) | Should -Be @('before', 'fine')
        }

        It 'refuses a variable whose value holds ''${'' (it would read as a placeholder once stored), naming it' {
            $env:DCT_ENC_BRACE = 'a${B}'
            Add-DcSource -Name brace -Type postgresql -ResolveNow -ErrorAction SilentlyContinue -ErrorVariable errors -Connection @{
                host = '${DCT_ENC_BRACE}'; database = 'd'; username = 'u'; password = '${secret:Corp/pg}'
            }
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceInvalid' 'Add-DcSource')
            $errors[0].Exception.Message | Should -BeLike '*DCT_ENC_BRACE*'
            $script:Database | Should -Not -Exist
        }
    }
}

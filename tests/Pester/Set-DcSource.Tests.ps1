#Requires -Version 7.4
# Set-DcSource: edits a source in place. Only what is given changes; the row, its id, created_at and the Python
# tool's catalog_objects rows stay. Given fields are validated as on add and secret values placed as on add (a
# literal to a vault, -Encrypt); a masked display is never stored. Every refusal leaves the catalog file
# byte-identical; every change is one set event; -WhatIf writes nothing; a canary password reaches only the vault.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    Import-Module $script:DcModulePath -Force

    function Get-SetErrorId([string] $Id) { Get-DcErrorId $Id 'Set-DcSource' }

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY', 'DCS_PASSWORD', 'DCS_UNSET')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Add-Pg([string] $Name, [string] $Password = '${DCS_PASSWORD}') {
        Add-DcSource -Name $Name -Type postgresql -DisplayName 'Sales' -ErrorAction Stop -Connection @{
            host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password; schema_filter = 'public'
        }
    }

    function Get-Row([string] $Name) {
        $row = Invoke-RawSql -Database $script:Db -ReadOnly -Sql 'SELECT * FROM data_sources WHERE name = $name' -Parameters @{ '$name' = $Name }
        $row | Add-Member -NotePropertyName Info -NotePropertyValue ($row.connection_info | ConvertFrom-Json -AsHashtable) -PassThru
    }

    function Get-SetEvents {
        foreach ($row in @(Invoke-RawSql -Database $script:Db -ReadOnly -Sql "SELECT * FROM dc_audit_events WHERE action = 'set' ORDER BY id")) {
            $row | Add-Member -NotePropertyName Fields -NotePropertyValue ($row.fields | ConvertFrom-Json -AsHashtable) -Force -PassThru
        }
    }

    function New-Yaml([string] $Text) {
        $path = Join-Path $TestDrive ('{0}.yaml' -f [guid]::NewGuid().ToString('n'))
        [IO.File]::WriteAllText($path, $Text, [Text.UTF8Encoding]::new($false))
        $path
    }
}

AfterAll {
    Remove-TestVault
    Restore-TestEnvironment
}

Describe 'Set-DcSource' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        Set-TestVariable 'DCS_UNSET' $null
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $script:Db = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
        Add-Pg 'prod'
        $script:Before = Get-Row 'prod'
    }

    AfterEach {
        Remove-TestVault
    }

    It 'changes the display name and the active flag, keeping id, created_at and the other fields' {
        Start-Sleep -Milliseconds 20
        $result = Set-DcSource -Name prod -DisplayName 'Sales EU' -Active $false -PassThru -ErrorAction Stop
        $result.DisplayName | Should -Be 'Sales EU'
        $result.IsActive | Should -BeFalse
        $row = Get-Row 'prod'
        $row.id | Should -Be $script:Before.id
        $row.created_at | Should -Be $script:Before.created_at
        $row.updated_at | Should -Not -Be $script:Before.updated_at
        $row.connection_info | Should -Be $script:Before.connection_info
        $row.is_active | Should -Be 0
        $fields = (Get-SetEvents).Fields
        $fields.display_name.old | Should -Be 'Sales'
        $fields.display_name.new | Should -Be 'Sales EU'
        $fields.is_active.new | Should -Be 'false'
    }

    It 'changes a field given with -Connection and one given in a -Path YAML file' {
        Set-DcSource -Name prod -Connection @{ host = 'db2.example.com' } -ErrorAction Stop
        Set-DcSource -Name prod -Path (New-Yaml "port: 6432`nquery_timeout: 600`n") -ErrorAction Stop
        $info = (Get-Row 'prod').Info
        $info.host | Should -Be 'db2.example.com'
        $info.port | Should -Be 6432
        $info.query_timeout | Should -Be 600
        $info.database | Should -Be 'sales'
        $info.password | Should -Be '${DCS_PASSWORD}'
        @(Get-SetEvents).Count | Should -Be 2
    }

    It 'clears an optional field given as $null or YAML null, to its default' {
        Set-DcSource -Name prod -Connection @{ schema_filter = $null; port = 6432 } -ErrorAction Stop
        Set-DcSource -Name prod -Path (New-Yaml "port: null`n") -ErrorAction Stop
        $info = (Get-Row 'prod').Info
        $info.Contains('schema_filter') | Should -BeTrue
        $info.schema_filter | Should -BeNullOrEmpty
        $info.port | Should -Be 5432
    }

    It 'refuses <Case>, naming the field, and leaves the catalog byte-identical' -ForEach @(
        @{ Case = 'clearing a required field'; Connection = @{ host = $null }; ErrorId = 'DcSourceInvalid'; Names = 'host' }
        @{ Case = 'an unknown field'; Connection = @{ pasword = '${X}' }; ErrorId = 'DcSourceInvalid'; Names = 'pasword' }
        @{ Case = 'a wrong type'; Connection = @{ port = 'fast' }; ErrorId = 'DcSourceInvalid'; Names = 'port' }
        @{ Case = 'the mask ********'; Connection = @{ password = '********' }; ErrorId = 'DcSecretValueMasked'; Names = 'password' }
        @{ Case = 'the legacy mask'; Connection = @{ password = '**********' }; ErrorId = 'DcSecretValueMasked'; Names = 'password' }
        @{ Case = 'a masked default'; Connection = @{ password = '${DCS_PASSWORD:-********}' }; ErrorId = 'DcSecretValueMasked'; Names = 'password' }
        @{ Case = 'a masked encrypted value'; Connection = @{ password = 'enc:v1:0a1b2c3d:********' }; ErrorId = 'DcSecretValueMasked'; Names = 'password' }
        @{ Case = 'a double-quoted "${VAR}"'; Connection = @{ password = "${DCS_UNSET}" }; ErrorId = 'DcSecretValueEmpty'; Names = 'password' }
        @{ Case = 'an unclosed ${'; Connection = @{ password = '${DCS_PASSWORD' }; ErrorId = 'DcPlaceholderMalformed'; Names = 'password' }
    ) {
        $snapshot = Get-ContentSnapshot $env:DATACOMPASS_DATA_DIR
        { Set-DcSource -Name prod -Connection $Connection -DisplayName 'changed too' -ErrorAction Stop } | Should -Throw -ErrorId (Get-SetErrorId $ErrorId)
        $Error[0].Exception.Message | Should -BeLike "*'prod'*'$Names'*"
        Get-ContentSnapshot $env:DATACOMPASS_DATA_DIR | Should -Be $snapshot
    }

    It 'says a masked value looks like a masked display and to pass the real value or a reference' {
        { Set-DcSource -Name prod -Path (New-Yaml "password: '********'`n") -ErrorAction Stop } | Should -Throw -ErrorId (Get-SetErrorId 'DcSecretValueMasked')
        $Error[0].Exception.Message | Should -BeLike '*looks like a masked display*real value*reference*'
    }

    It 'stores a literal password in the vault and keeps only its reference' {
        $vault = New-TestVault
        Set-DcSource -Name prod -Connection @{ password = 'literal-set-password' } -Vault $vault -ErrorAction Stop
        $reference = "`${secret:$vault/DataCompass-prod-password}"
        (Get-Row 'prod').Info.password | Should -Be $reference
        Get-Secret -Vault $vault -Name DataCompass-prod-password -AsPlainText | Should -Be 'literal-set-password'
        $change = (Get-SetEvents).Fields.password
        $change.old | Should -Be '${DCS_PASSWORD}'
        $change.new | Should -Be $reference
        (Get-DcSourceConnection -Name prod -AsPlainText -ErrorAction Stop).Settings.password | Should -Be 'literal-set-password'
    }

    It 'writes a second literal to the twin name and removes the secret it replaced' {
        $vault = New-TestVault
        Set-DcSource -Name prod -Connection @{ password = 'first-set-password' } -Vault $vault -ErrorAction Stop
        Set-DcSource -Name prod -Connection @{ password = 'second-set-password' } -Vault $vault -ErrorAction Stop
        (Get-Row 'prod').Info.password | Should -Be "`${secret:$vault/DataCompass-prod-password-2}"
        Get-SecretInfo -Vault $vault -Name DataCompass-prod-password | Should -BeNullOrEmpty
        Get-Secret -Vault $vault -Name DataCompass-prod-password-2 -AsPlainText | Should -Be 'second-set-password'
    }

    It 'encrypts a literal password with -Encrypt' {
        $key = New-FernetKeyText
        $env:DATACOMPASS_ENCRYPTION_KEY = $key
        $vault = New-TestVault -Default
        Set-DcSource -Name prod -Connection @{ password = 'encrypted-set-password' } -Encrypt -ErrorAction Stop
        (Get-Row 'prod').Info.password | Should -BeLike "enc:v1:$(Get-FernetKeyId $key):*"
        (Get-SetEvents).Fields.password.new | Should -Be "encrypted:$(Get-FernetKeyId $key)"
        Get-SecretInfo -Vault $vault | Should -BeNullOrEmpty
        (Get-DcSourceConnection -Name prod -AsPlainText -ErrorAction Stop).Settings.password | Should -Be 'encrypted-set-password'
    }

    It 'keeps the Python tool''s catalog_objects rows of the source' {
        $null = Invoke-RawSql -Database $script:Db -Sql ('CREATE TABLE catalog_objects (id INTEGER NOT NULL, source_id INTEGER NOT NULL, object_name VARCHAR(255) NOT NULL, ' +
            'PRIMARY KEY (id), FOREIGN KEY(source_id) REFERENCES data_sources (id) ON DELETE CASCADE)')
        $null = Invoke-RawSql -Database $script:Db -Sql "INSERT INTO catalog_objects (id, source_id, object_name) VALUES (1, $($script:Before.id), 'orders')"
        Set-DcSource -Name prod -Connection @{ host = 'db3' } -DisplayName 'Moved' -ErrorAction Stop
        @(Invoke-RawSql -Database $script:Db -ReadOnly -Sql 'SELECT source_id, object_name FROM catalog_objects' | ForEach-Object { "$($_.source_id)|$($_.object_name)" }) |
            Should -Be @("$($script:Before.id)|orders")
    }

    It 'records one set event with the old and new references' {
        Set-DcSource -Name prod -Connection @{ password = '${secret:Corp/pg-prod}'; host = 'db4' } -ErrorAction Stop
        $events = @(Get-SetEvents)
        $events.Count | Should -Be 1
        $events[0].source_id | Should -Be $script:Before.id
        ($events[0].context | ConvertFrom-Json).command | Should -Be 'Set-DcSource'
        $events[0].Fields.password.old | Should -Be '${DCS_PASSWORD}'
        $events[0].Fields.password.new | Should -Be '${secret:Corp/pg-prod}'
        $events[0].Fields.host.new | Should -Be 'literal'
        @($events[0].Fields.Keys | Sort-Object) | Should -Be @('host', 'password')
    }

    It 'writes nothing and records nothing when every value equals the stored one' {
        $snapshot = Get-ContentSnapshot $env:DATACOMPASS_DATA_DIR
        $verbose = Set-DcSource -Name prod -Connection @{ host = 'db.example.com'; password = '${DCS_PASSWORD}' } -DisplayName 'Sales' -Active $true -Verbose -ErrorAction Stop 4>&1
        "$verbose" | Should -BeLike '*nothing was changed*'
        Get-ContentSnapshot $env:DATACOMPASS_DATA_DIR | Should -Be $snapshot
    }

    It '-WhatIf shows the plan field by field, without values, and writes nothing' {
        $vault = New-TestVault
        $snapshot = Get-ContentSnapshot $env:DATACOMPASS_DATA_DIR
        $transcript = Join-Path $TestDrive "whatif-$([guid]::NewGuid().ToString('n')).txt"
        $null = Start-Transcript -Path $transcript
        try { Set-DcSource -Name prod -Connection @{ password = 'whatif-password'; host = 'db-whatif' } -Vault $vault -WhatIf -ErrorAction Stop }
        finally { $null = Stop-Transcript }
        Get-ContentSnapshot $env:DATACOMPASS_DATA_DIR | Should -Be $snapshot
        Get-SecretInfo -Vault $vault | Should -BeNullOrEmpty
        $text = Get-Content -Raw -LiteralPath $transcript
        $text | Should -BeLike "*What if:*host: literal -> literal*password: `${DCS_PASSWORD} -> `${secret:$vault/DataCompass-prod-password}*"
        $text | Should -Not -BeLike '*whatif-password*'
        $text | Should -Not -BeLike '*db-whatif*'
    }

    It 'takes sources piped from Get-DcSource, each in the catalog it came from' {
        Add-Pg 'prod-eu'
        Add-Pg 'dev'
        $db = $script:Db
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive 'elsewhere'
        Get-DcSource -Database $db -Name 'prod*' | Set-DcSource -Active $false -ErrorAction Stop
        $env:DATACOMPASS_DATA_DIR = Split-Path $db
        @(Get-DcSource | Where-Object { -not $_.IsActive } | ForEach-Object Name | Sort-Object) | Should -Be @('prod', 'prod-eu')
        Test-Path (Join-Path $TestDrive 'elsewhere') | Should -BeFalse
    }

    It 'names a missing source with DcSourceNotFound and a missing catalog with DcCatalogNotFound' {
        { Set-DcSource -Name nope -DisplayName x -ErrorAction Stop } | Should -Throw -ErrorId (Get-SetErrorId 'DcSourceNotFound')
        $Error[0].Exception.Message | Should -BeLike "*'nope'*"
        $missing = Join-Path $TestDrive 'no/such/c.db'
        { Set-DcSource -Name prod -DisplayName x -Database $missing -ErrorAction Stop } | Should -Throw -ErrorId (Get-SetErrorId 'DcCatalogNotFound')
        Test-Path (Join-Path $TestDrive 'no') | Should -BeFalse
    }

    It 'lets a canary password reach only the vault: no stream, no catalog file, no audit row, no $Error' {
        $vault = New-TestVault
        $canary = New-Canary 'set"pw'
        $refused = New-Canary 'set-refused'
        $text = Get-StreamText {
            Set-DcSource -Name prod -Connection @{ password = $refused } -Vault DcNoSuchVault
            Set-DcSource -Name prod -Connection @{ password = "$refused`${DCS_PASSWORD}" } -Vault $vault
            Set-DcSource -Name prod -Connection @{ password = $canary } -Vault $vault -WhatIf -Verbose
            Set-DcSource -Name prod -Connection @{ password = (ConvertTo-SecureString $canary -AsPlainText -Force) } -Vault $vault -Verbose -PassThru
            Get-DcSource -Name prod
            Get-DcAuditEvent -Source prod
        }
        foreach ($value in $canary, $refused) {
            $text.Contains(($value -split '-')[-1]) | Should -BeFalse -Because 'no stream may show a secret value'
        }
        $files = @(Get-ChildItem -LiteralPath $env:DATACOMPASS_DATA_DIR -File | ForEach-Object FullName)
        @(Find-Canary -Path $files -Canaries @{ Moved = $canary; Refused = $refused }) | Should -BeNullOrEmpty
        @(Get-SetEvents).Count | Should -Be 1
        $rows = @(Invoke-RawSql -Database $script:Db -ReadOnly -Sql 'SELECT * FROM dc_audit_events' | ForEach-Object { $_ | ConvertTo-Json -Compress })
        foreach ($value in $canary, $refused) { "$rows".Contains(($value -split '-')[-1]) | Should -BeFalse -Because 'no audit row holds a value' }
        # Positive controls: the canary did reach the vault, and the catalog refers to it.
        Get-Secret -Vault $vault -Name DataCompass-prod-password -AsPlainText | Should -Be $canary
        (Get-Row 'prod').Info.password | Should -Be "`${secret:$vault/DataCompass-prod-password}"
    }
}

# Converting a catalog written the Python tool's way: plaintext secrets in connection_info, moved into a vault.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    Import-Module $script:DcModulePath

    $script:PythonDdl = 'CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), ' +
        'source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, ' +
        'last_scan_at DATETIME, last_scan_status VARCHAR(50), last_scan_message TEXT, ' +
        'created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id)); ' +
        'CREATE UNIQUE INDEX ix_data_sources_name ON data_sources (name);'

    function New-PythonCatalog {
        # Plaintext secrets in all three adapters, the legacy mask, and a reference that must stay as it is.
        param([string] $Database, [hashtable] $Secrets)
        Invoke-RawSql -Database $Database -Sql $script:PythonDdl | Out-Null
        $rows = @(
            @{ id = 1; name = 'pg'; type = 'postgresql'; info = '{"host": "db", "port": 5432, "database": "sales", "username": "app", "password": "' + $Secrets.pg + '", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": ["pg_catalog", "information_schema", "pg_toast"], "connect_timeout": 10, "query_timeout": 300}' }
            @{ id = 2; name = 'sf'; type = 'snowflake'; info = '{"account": "acme", "warehouse": "wh", "database": "db", "username": "svc", "password": "' + $Secrets.sf + '", "role": null, "schema_filter": null, "exclude_schemas": ["INFORMATION_SCHEMA"], "connect_timeout": 30, "query_timeout": 300}' }
            @{ id = 3; name = 'dbx'; type = 'databricks'; info = '{"host": "adb", "http_path": "/sql", "catalog": "main", "auth_method": "service_principal", "access_token": null, "client_id": "app", "client_secret": "' + $Secrets.dbx + '", "tenant_id": "t", "schema_filter": null, "timeout_seconds": 300, "max_retries": 3}' }
            @{ id = 4; name = 'legacy'; type = 'postgresql'; info = '{"host": "old", "port": 5432, "database": "d", "username": "u", "password": "**********", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": [], "connect_timeout": 10, "query_timeout": 300}' }
            @{ id = 5; name = 'env'; type = 'postgresql'; info = '{"host": "h", "port": 5432, "database": "d", "username": "u", "password": "${PG_PASSWORD}", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": [], "connect_timeout": 10, "query_timeout": 300}' }
        )
        foreach ($row in $rows) {
            Invoke-RawSql -Database $Database -Sql 'INSERT INTO data_sources VALUES ($id, $name, NULL, $type, $info, ''null'', 1, NULL, NULL, NULL, ''2024-01-02 03:04:05.123456'', ''2024-01-02 03:04:05'')' `
                -Parameters @{ '$id' = $row.id; '$name' = $row.name; '$type' = $row.type; '$info' = $row.info } | Out-Null
        }
    }

    function Get-CatalogFiles([string] $Database) {
        Get-ChildItem -Path (Split-Path $Database) -File | Where-Object Name -like "$(Split-Path -Leaf $Database)*" | ForEach-Object FullName
    }
}

Describe 'Convert-DcSourceSecret' -Tag 'Integration', 'Vault' {
    BeforeEach {
        $script:Vault = New-TestVault -Default
        $script:Secrets = @{ pg = New-Canary 'pg'; sf = New-Canary 'sf'; dbx = New-Canary 'dbx' }
        $script:Db = Join-Path $TestDrive "python-$(New-Guid).db"
        New-PythonCatalog -Database $script:Db -Secrets $script:Secrets
    }

    AfterEach {
        Remove-TestVault -Name $script:Vault
    }

    It 'moves every plaintext secret to the vault, one result per field, and every source resolves to its old value' {
        $results = @(Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $byField = @{}
        foreach ($result in $results) { $byField["$($result.Source).$($result.Field)"] = $result.Status }
        $byField['pg.password'] | Should -Be 'Converted'
        $byField['sf.password'] | Should -Be 'Converted'
        $byField['dbx.client_secret'] | Should -Be 'Converted'
        $byField['dbx.access_token'] | Should -Be 'AlreadySafe'
        $byField['legacy.password'] | Should -Be 'Broken'
        $byField['env.password'] | Should -Be 'AlreadySafe'
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "*legacy*Set-DcSourceSecret*"

        (Get-DcSource -Database $script:Db | Where-Object HasPlaintextSecret).Name | Should -Be @('legacy')
        (Get-DcSource pg -Database $script:Db).Fields.Where({ $_.Name -eq 'password' }).Value | Should -Be "`${secret:$($script:Vault)/DataCompass-pg-password}"
        (Get-DcSourceConnection pg -Database $script:Db -AsPlainText).Settings['password'] | Should -BeExactly $script:Secrets.pg
        (Get-DcSourceConnection sf -Database $script:Db -AsPlainText).Settings['password'] | Should -BeExactly $script:Secrets.sf
        (Get-DcSourceConnection dbx -Database $script:Db -AsPlainText).Settings['client_secret'] | Should -BeExactly $script:Secrets.dbx
    }

    It 'leaves no byte of any converted value in the database file or its -wal' {
        $null = Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue
        foreach ($file in Get-CatalogFiles $script:Db) {
            foreach ($secret in $script:Secrets.Values) {
                Test-BytesContain -Path $file -Text $secret | Should -BeFalse -Because "$file must not hold a converted value"
            }
        }
        # Positive control: the references are there.
        Test-AnyContains -Path (Get-CatalogFiles $script:Db) -Text 'DataCompass-pg-password' | Should -BeTrue
    }

    It 'converges when run again: nothing to do, no duplicate secret' {
        $null = Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue
        $again = @(Convert-DcSourceSecret -Database $script:Db -Confirm:$false -WarningAction SilentlyContinue)
        @($again | Where-Object Status -eq 'Converted') | Should -BeNullOrEmpty
        @(Get-SecretInfo -Vault $script:Vault | Where-Object Name -like 'DataCompass-*').Count | Should -Be 3
    }

    It 'picks up a secret an interrupted run wrote before it died' {
        Set-Secret -Name DataCompass-pg-password -Vault $script:Vault -Secret $script:Secrets.pg
        $result = Convert-DcSourceSecret -Name pg -Database $script:Db -Confirm:$false
        $result.Status | Should -Be 'Converted'
        (Get-DcSourceConnection pg -Database $script:Db -AsPlainText).Settings['password'] | Should -BeExactly $script:Secrets.pg
    }

    It 'lists source, field and target with -WhatIf and changes nothing' {
        $before = Get-FolderSnapshot (Split-Path $script:Db)
        $results = @(Convert-DcSourceSecret -Database $script:Db -WhatIf -WarningAction SilentlyContinue)
        ($results | Where-Object { $_.Source -eq 'pg' }).Status | Should -Be 'Planned'
        ($results | Where-Object { $_.Source -eq 'pg' }).Reference | Should -Be "`${secret:$($script:Vault)/DataCompass-pg-password}"
        @(Get-SecretInfo -Vault $script:Vault).Count | Should -Be 0
        (Get-DcSource -Database $script:Db | Where-Object HasPlaintextSecret).Count | Should -Be 4
        Get-FolderSnapshot (Split-Path $script:Db) | Where-Object { $_ -notlike '*-shm *' -and $_ -notlike '*-wal *' } |
            Should -Be ($before | Where-Object { $_ -notlike '*-shm *' -and $_ -notlike '*-wal *' })
    }

    It 'stops at a failing vault, says how far it got, and leaves the rest untouched' {
        $failing = New-TestVault -Behaviour @{ FailAfter = 1 }
        try {
            { Convert-DcSourceSecret -Database $script:Db -Vault $failing -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcVaultFailed' 'Convert-DcSourceSecret')
            $Error[0].Exception.Message | Should -BeLike '*Converted 1 of 3 fields*'
            @(Get-DcSource -Database $script:Db | Where-Object HasPlaintextSecret).Count | Should -Be 3
            $still = Get-DcSource -Database $script:Db | Where-Object { -not $_.HasPlaintextSecret -and $_.Name -ne 'env' }
            @($still).Count | Should -Be 1
            (Get-DcSourceConnection $still.Name -Database $script:Db -AsPlainText -ErrorAction SilentlyContinue).IsComplete | Should -BeTrue
        }
        finally {
            Remove-TestVault -Name $failing
        }
    }

    It 'refuses without a vault, changing nothing' {
        Remove-TestVault -Name $script:Vault
        $others = @(Get-SecretVault | Where-Object Name -notlike 'DcTest*')
        if ($others) { Set-ItResult -Skipped -Because 'a vault that is not a test vault is registered'; return }
        { Convert-DcSourceSecret -Database $script:Db -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-DcErrorId 'DcNoVaultAvailable' 'Convert-DcSourceSecret')
        @(Get-DcSource -Database $script:Db | Where-Object HasPlaintextSecret).Count | Should -Be 4
    }
}

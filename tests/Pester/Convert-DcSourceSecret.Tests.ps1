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

Describe 'Convert-DcSourceSecret killed at a random moment' -Tag 'Integration', 'Vault', 'Chaos' {
    # Each round kills a converting pwsh (SIGKILL, whole process tree) after a random delay, then finishes the
    # conversion and checks every credential. $env:DATACOMPASS_CHAOS_ROUNDS raises the count (CI runs a few).
    BeforeAll {
        $script:Rounds = if ($env:DATACOMPASS_CHAOS_ROUNDS) { [int]$env:DATACOMPASS_CHAOS_ROUNDS } else { 3 }
        $script:Random = [Random]::new()
        $exe = [Environment]::ProcessPath
        $script:Launcher = @($exe) + @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    }

    It 'loses no credential and converges, round <_>' -ForEach (1..([int]$(if ($env:DATACOMPASS_CHAOS_ROUNDS) { $env:DATACOMPASS_CHAOS_ROUNDS } else { 3 }))) {
        $vault = New-TestVault
        try {
            $db = Join-Path $TestDrive "chaos-$(New-Guid).db"
            Invoke-RawSql -Database $db -Sql $script:PythonDdl | Out-Null
            $values = @{}
            foreach ($i in 1..12) {
                $values["pg$i"] = New-Canary "chaos$i"
                $info = '{"host": "h", "port": 5432, "database": "d", "username": "u", "password": "' + $values["pg$i"] + '", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": [], "connect_timeout": 10, "query_timeout": 300}'
                Invoke-RawSql -Database $db -Sql 'INSERT INTO data_sources VALUES ($id, $name, NULL, ''postgresql'', $info, ''null'', 1, NULL, NULL, NULL, ''2024-01-02 03:04:05'', ''2024-01-02 03:04:05'')' `
                    -Parameters @{ '$id' = $i; '$name' = "pg$i"; '$info' = $info } | Out-Null
            }

            # The child says START once its module and SecretManagement are loaded; the kill then lands at a random
            # moment of the conversion itself (or just after it).
            $script = Join-Path $TestDrive "convert-$(New-Guid).ps1"
            Set-Content -Path $script -Value ("Import-Module '{0}'; `$null = Get-SecretVault; 'START'; Convert-DcSourceSecret -Database '{1}' -Vault '{2}' -Confirm:`$false | Out-Null; 'DONE'" -f $script:DcModulePath, $db, $vault)
            $start = [Diagnostics.ProcessStartInfo]::new($script:Launcher[0])
            foreach ($argument in @($script:Launcher | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script)) { $start.ArgumentList.Add($argument) }
            $start.UseShellExecute = $false
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $child = [Diagnostics.Process]::Start($start)
            while (($line = $child.StandardOutput.ReadLine()) -ne $null -and $line -ne 'START') { }
            $delay = $script:Random.Next(0, 2000)
            Start-Sleep -Milliseconds $delay
            $killed = -not $child.HasExited
            if ($killed) { $child.Kill($true) }
            $child.WaitForExit()
            # Where the kill landed, for the log: before, during or after the conversion.
            $converted = @(Get-DcSource -Database $db -ErrorAction SilentlyContinue | Where-Object { -not $_.HasPlaintextSecret }).Count
            Write-Host ("    {0} ms into the conversion: {1}; {2} of 12 fields converted, {3} secrets in the vault" -f $delay, $(if ($killed) { 'killed' } else { 'had finished' }), $converted, @(Get-SecretInfo -Vault $vault).Count)

            # Whatever the kill left behind, a second run finishes the job.
            $null = Convert-DcSourceSecret -Database $db -Vault $vault -Confirm:$false
            foreach ($name in $values.Keys) {
                (Get-DcSourceConnection $name -Database $db -AsPlainText).Settings['password'] | Should -BeExactly $values[$name] -Because "$name keeps its credential"
            }
            @(Get-DcSource -Database $db | Where-Object HasPlaintextSecret) | Should -BeNullOrEmpty
            @(Get-SecretInfo -Vault $vault).Count | Should -Be 12 -Because 'every field has exactly one secret'
            foreach ($file in Get-CatalogFiles $db) {
                foreach ($value in $values.Values) { Test-BytesContain -Path $file -Text $value | Should -BeFalse -Because "$file must not keep a plaintext value" }
            }
        }
        finally {
            Remove-TestVault -Name $vault
        }
    }
}

#Requires -Version 7.4
# Get-DcSource: selection by name and type, the catalog location, the shape of the objects and, above all,
# that no secret value ever reaches an object, a formatted view, JSON or ToString().

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:ModuleManifest = (Resolve-Path -LiteralPath $script:DcModulePath).Path
    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DB_PASSWORD', 'DB_HOST')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    $script:PostgresFieldOrder = @('host', 'port', 'database', 'username', 'password', 'ssl_mode', 'schema_filter',
        'exclude_schemas', 'connect_timeout', 'query_timeout')

    function New-YamlFile([string] $Text) {
        $path = Join-Path $TestDrive ("{0}.yaml" -f [guid]::NewGuid().ToString('n'))
        Set-Content -LiteralPath $path -Value $Text -Encoding utf8NoBOM
        return $path
    }

    function Add-PgSource {
        param(
            [Parameter(Mandatory)] [string] $Name,
            [string] $Password = '${DB_PASSWORD}',
            [string] $Database,
            [switch] $AllowPlaintext
        )
        $connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password }
        $arguments = @{ Name = $Name; Type = 'postgresql'; Connection = $connection; ErrorAction = 'Stop'; WarningAction = 'SilentlyContinue' }
        if ($Database) { $arguments.Database = $Database }
        if ($AllowPlaintext) { $arguments.AllowPlaintext = $true }
        Add-DcSource @arguments
    }

    function Add-SnowflakeSource([string] $Name) {
        $path = New-YamlFile @'
account: acme-eu1
warehouse: COMPUTE_WH
database: ANALYTICS
username: loader
password: ${SF_PASSWORD}
'@
        Add-DcSource -Name $Name -Type snowflake -Path $path -ErrorAction Stop
    }

    function Add-DatabricksSource([string] $Name) {
        $path = New-YamlFile @'
host: adb-1234.azuredatabricks.net
http_path: /sql/1.0/warehouses/abc
catalog: main
access_token: ${DATABRICKS_TOKEN}
'@
        Add-DcSource -Name $Name -Type databricks -Path $path -ErrorAction Stop
    }

    function Get-AllRenderings($Source) {
        # Every way a user could look at a source: default table, list view, all properties, JSON, ToString.
        @(
            ($Source | Out-String -Width 400)
            ($Source | Format-Table | Out-String -Width 400)
            ($Source | Format-List | Out-String -Width 400)
            ($Source | Format-List -Property * | Out-String -Width 400)
            ($Source | Format-Table -Property * | Out-String -Width 400)
            ($Source | Select-Object -Property * | Out-String -Width 400)
            ($Source.Fields | Out-String -Width 400)
            ($Source.Fields | Format-List -Property * | Out-String -Width 400)
            ($Source | ConvertTo-Json -Depth 5)
            ($Source.Fields | ConvertTo-Json -Depth 5)
            $Source.ToString()
            ($Source.Fields | ForEach-Object { $_.ToString() })
            ($Source.Fields | ForEach-Object { "$($_.Value)" })
            $Source.Secrets
        ) -join [Environment]::NewLine
    }
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Get-DcSource' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive (New-Guid)
        $script:DbPath = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
    }

    AfterEach {
        Restore-TestEnvironment
    }

    Context 'when there is no catalog database' {
        # A mistyped path must never read as an empty, healthy catalog.
        It 'ends with DcCatalogNotFound naming the path and $env:DATACOMPASS_DATA_DIR, and creates no file or folder' {
            { Get-DcSource -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Get-DcSource')
            $Error[0].Exception.Message | Should -BeLike "*'$script:DbPath'*DATACOMPASS_DATA_DIR*"
            Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR | Should -BeFalse
        }

        It 'ends the same way for a wildcard name and a type filter' {
            { Get-DcSource -Name 'p*' -Type '*' } | Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Get-DcSource')
            Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR | Should -BeFalse
        }

        It 'does not create a file given with -Database, and says it came from -Database' {
            $database = Join-Path $TestDrive "missing-$(New-Guid)/catalog.db"
            { Get-DcSource -Database $database } | Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Get-DcSource')
            $Error[0].Exception.Message | Should -BeLike "*'$database'*-Database*"
            Test-Path -LiteralPath (Split-Path $database) | Should -BeFalse
        }
    }

    Context 'in a pipeline' {
        It 'holds no read open while the next command runs: a checkpoint downstream is never kept waiting' {
            . $PSScriptRoot/RawSql.ps1
            foreach ($name in 'p1', 'p2', 'p3') { Add-PgSource -Name $name }
            Invoke-RawSql -Database $script:DbPath -Sql 'CREATE TABLE IF NOT EXISTS scratch (n INTEGER);' | Out-Null
            # Downstream of Get-DcSource, a write and a checkpoint that must not wait: busy = 1 would mean a reader
            # upstream still holds a snapshot (it kept Remove-DcSource's checkpoint waiting 15 s a source).
            $busy = Get-DcSource | ForEach-Object {
                (Invoke-RawSql -Database $script:DbPath -Sql 'PRAGMA busy_timeout = 0; INSERT INTO scratch VALUES (1); PRAGMA wal_checkpoint(TRUNCATE);' | Select-Object -Last 1).busy
            }
            @($busy) | Should -Be @(0, 0, 0)
        }
    }

    Context 'selecting sources by name' {
        BeforeEach {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'preprod'
            Add-SnowflakeSource -Name 'warehouse'
            Add-DatabricksSource -Name 'lake'
        }

        It 'returns every source, sorted by name, without -Name' {
            (Get-DcSource).Name | Should -Be @('lake', 'preprod', 'prod', 'warehouse')
        }

        It 'filters with a wildcard: p*' {
            (Get-DcSource -Name 'p*').Name | Should -Be @('preprod', 'prod')
        }

        It 'returns everything for *' {
            (Get-DcSource -Name '*').Name | Should -Be @('lake', 'preprod', 'prod', 'warehouse')
        }

        It 'returns several exact names, once each' {
            $output = Get-DcSource -Name 'warehouse', 'prod', 'prod', 'pro*'
            $output.Name | Sort-Object | Should -Be @('prod', 'warehouse')
        }

        It 'writes a non-terminating DcSourceNotFound (ObjectNotFound) for an exact name and still returns the others' {
            $output = Get-DcSource -Name 'prod', 'missing', 'lake' -ErrorVariable errors -ErrorAction SilentlyContinue
            $output.Name | Sort-Object | Should -Be @('lake', 'prod')
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceNotFound' 'Get-DcSource')
            $errors[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
            $errors[0].TargetObject | Should -Be 'missing'
            $errors[0].Exception.Message | Should -BeLike "*'missing'*"
        }

        It 'throws DcSourceNotFound under -ErrorAction Stop' {
            { Get-DcSource -Name 'missing' -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcSourceNotFound' 'Get-DcSource')
        }

        It 'returns nothing and no error for a wildcard that matches nothing' {
            $output = Get-DcSource -Name 'zz*' -ErrorVariable errors
            $output | Should -BeNullOrEmpty
            $errors | Should -HaveCount 0
        }

        It 'matches names ignoring case, exact and wildcard' {
            (Get-DcSource -Name 'PROD').Name | Should -Be 'prod'
            (Get-DcSource -Name 'Lake').Name | Should -Be 'lake'
            (Get-DcSource -Name 'P*').Name | Should -Be @('preprod', 'prod')
        }

        It 'takes names from the pipeline' {
            $output = 'prod', 'lake' | Get-DcSource
            $output.Name | Should -Be @('prod', 'lake')
        }

        It 'takes names from the pipeline by property name' {
            $output = [pscustomobject]@{ Name = 'warehouse' } | Get-DcSource
            $output.Name | Should -Be 'warehouse'
        }

        It 'takes a name by position' {
            (Get-DcSource 'prod').Name | Should -Be 'prod'
        }
    }

    Context 'filtering by -Type' {
        BeforeEach {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'preprod'
            Add-SnowflakeSource -Name 'warehouse'
            Add-DatabricksSource -Name 'lake'
        }

        It 'returns only sources of the given type' {
            (Get-DcSource -Type 'snowflake').Name | Should -Be 'warehouse'
        }

        It 'accepts wildcards and ignores case' {
            (Get-DcSource -Type 'post*').Name | Should -Be @('preprod', 'prod')
            (Get-DcSource -Type 'DATABRICKS').Name | Should -Be 'lake'
        }

        It 'accepts several types' {
            (Get-DcSource -Type 'snowflake', 'databricks').Name | Should -Be @('lake', 'warehouse')
        }

        It 'combines with -Name' {
            (Get-DcSource -Name '*e*' -Type 'postgresql').Name | Should -Be @('preprod')
        }

        It 'returns nothing and no error for a type that matches nothing' {
            $output = Get-DcSource -Type 'oracle' -ErrorVariable errors
            $output | Should -BeNullOrEmpty
            $errors | Should -HaveCount 0
        }
    }

    Context 'the objects it returns' {
        It 'declares and returns DataCompass.DcSource' {
            (Get-Command Get-DcSource).OutputType.Name | Should -Contain 'DataCompass.DcSource'
            Add-PgSource -Name 'prod'
            $source = Get-DcSource -Name 'prod'
            $source | Should -BeOfType ([DataCompass.DcSource])
            $source.PSObject.TypeNames[0] | Should -Be 'DataCompass.DcSource'
        }

        It 'carries the source''s properties' {
            $before = [DateTime]::UtcNow.AddMinutes(-5)
            $path = New-YamlFile @'
host: db.example.com
database: sales
username: app
password: ${DB_PASSWORD}
'@
            Add-DcSource -Name 'prod' -Type postgresql -Path $path -DisplayName 'Production' -ErrorAction Stop
            $source = Get-DcSource -Name 'prod'
            $source.Name | Should -Be 'prod'
            $source.DisplayName | Should -Be 'Production'
            $source.Type | Should -Be 'postgresql'
            $source.IsActive | Should -BeTrue
            $source.Id | Should -BeGreaterThan 0
            $source.CreatedAt | Should -BeGreaterThan $before
            $source.UpdatedAt | Should -BeGreaterThan $before
            $source.LastScanAt | Should -BeNullOrEmpty
            $source.Database | Should -Be $script:DbPath
        }

        It 'lists all fields in the adapter''s declaration order, whatever the YAML order' {
            $path = New-YamlFile @'
query_timeout: 120
password: ${DB_PASSWORD}
username: app
database: sales
host: ${DB_HOST}
'@
            Add-DcSource -Name 'prod' -Type postgresql -Path $path -ErrorAction Stop
            $source = Get-DcSource -Name 'prod'
            $source.Fields.Name | Should -Be $script:PostgresFieldOrder
            foreach ($field in $source.Fields) {
                $field | Should -BeOfType ([DataCompass.DcSourceField])
                $field.Source | Should -Be 'prod'
            }
            ($source.Fields | Where-Object Name -EQ 'query_timeout').Value | Should -Be 120
            ($source.Fields | Where-Object Name -EQ 'port').Value | Should -Be 5432
            @(($source.Fields | Where-Object Name -EQ 'exclude_schemas').Value) |
                Should -Be @('pg_catalog', 'information_schema', 'pg_toast')
        }

        It 'lists snowflake and databricks fields in declaration order with their secret flags' {
            Add-SnowflakeSource -Name 'warehouse'
            Add-DatabricksSource -Name 'lake'
            $warehouse = Get-DcSource -Name 'warehouse'
            $warehouse.Fields.Name | Should -Be @('account', 'warehouse', 'database', 'username', 'password', 'role',
                'schema_filter', 'exclude_schemas', 'connect_timeout', 'query_timeout')
            ($warehouse.Fields | Where-Object IsSecret).Name | Should -Be @('password')

            $lake = Get-DcSource -Name 'lake'
            $lake.Fields.Name | Should -Be @('host', 'http_path', 'catalog', 'auth_method', 'access_token', 'client_id',
                'client_secret', 'tenant_id', 'schema_filter', 'timeout_seconds', 'max_retries')
            ($lake.Fields | Where-Object IsSecret).Name | Should -Be @('access_token', 'client_secret')
        }

        It 'shows each field''s provenance: Literal, Env, Vault, Plaintext and None' {
            $path = New-YamlFile @'
host: ${DB_HOST}
database: sales
username: app
password: ${secret:Store/DataCompass-prod-password}
'@
            Add-DcSource -Name 'prod' -Type postgresql -Path $path -ErrorAction Stop
            Add-PgSource -Name 'legacy' -Password (New-Canary) -AllowPlaintext

            $prod = @{}
            (Get-DcSource -Name 'prod').Fields | ForEach-Object { $prod[$_.Name] = $_ }
            $prod['host'].Provenance | Should -Be ([DataCompass.DcProvenance]::Env)
            $prod['host'].Value | Should -Be '${DB_HOST}'
            $prod['host'].IsSecret | Should -BeFalse
            $prod['database'].Provenance | Should -Be ([DataCompass.DcProvenance]::Literal)
            $prod['port'].Provenance | Should -Be ([DataCompass.DcProvenance]::Literal)
            $prod['password'].Provenance | Should -Be ([DataCompass.DcProvenance]::Vault)
            $prod['password'].Value | Should -Be '${secret:Store/DataCompass-prod-password}'
            $prod['password'].IsSecret | Should -BeTrue
            $prod['schema_filter'].Provenance | Should -Be ([DataCompass.DcProvenance]::None)
            $prod['schema_filter'].Value | Should -BeNullOrEmpty

            $legacy = (Get-DcSource -Name 'legacy').Fields | Where-Object Name -EQ 'password'
            $legacy.Provenance | Should -Be ([DataCompass.DcProvenance]::Plaintext)
            $legacy.IsSecret | Should -BeTrue
            $legacy.Value | Should -Be '********'
        }

        It 'shows an environment placeholder in a secret field as Env' {
            Add-PgSource -Name 'prod' -Password '${DB_PASSWORD}'
            $password = (Get-DcSource -Name 'prod').Fields | Where-Object Name -EQ 'password'
            $password.Provenance | Should -Be ([DataCompass.DcProvenance]::Env)
            $password.Value | Should -Be '${DB_PASSWORD}'
            $password.ToString() | Should -Be 'password: ${DB_PASSWORD} (env)'
        }
    }

    Context 'secret values are never shown' {
        BeforeEach {
            $script:Canary = New-Canary 'PgPassword'
            Add-PgSource -Name 'legacy' -Password $script:Canary -AllowPlaintext
            Add-PgSource -Name 'prod' -Password '${DB_PASSWORD}'
        }

        It 'has the canary in the database file (the detector works)' {
            $files = Get-ChildItem -LiteralPath $env:DATACOMPASS_DATA_DIR -File -Force
            @($files | Where-Object { Test-BytesContain $_.FullName $script:Canary }) | Should -Not -BeNullOrEmpty
        }

        It 'keeps the canary out of the object''s property values' {
            $source = Get-DcSource -Name 'legacy'
            foreach ($property in $source.PSObject.Properties) {
                "$($property.Value)" | Should -Not -BeLike "*$script:Canary*"
            }
            foreach ($field in $source.Fields) {
                foreach ($property in $field.PSObject.Properties) {
                    "$($property.Value)" | Should -Not -BeLike "*$script:Canary*"
                }
            }
        }

        It 'keeps the canary out of the table view, the list view, JSON and ToString()' {
            $source = Get-DcSource -Name 'legacy'
            $text = Get-AllRenderings $source
            $text | Should -Not -BeLike "*$script:Canary*"
            # The renderings are real: the source and its masked secret are in them.
            $text | Should -BeLike '*legacy*'
            $text | Should -BeLike '*password=******** (plaintext)*'
        }

        It 'keeps the canary out of every stream of the call' {
            $all = Get-DcSource -Verbose -Debug *>&1 | Out-String -Width 400
            $all | Should -BeLike '*legacy*'
            $all | Should -Not -BeLike "*$script:Canary*"
        }

        It 'flags a plaintext secret with HasPlaintextSecret and in Secrets' {
            $legacy = Get-DcSource -Name 'legacy'
            $legacy.HasPlaintextSecret | Should -BeTrue
            $legacy.Secrets | Should -Be 'password=******** (plaintext)'
            (Get-DcSource -Name 'prod').HasPlaintextSecret | Should -BeFalse
            (Get-DcSource | Where-Object HasPlaintextSecret).Name | Should -Be 'legacy'
        }
    }

    Context 'the Secrets column' {
        It 'shows an environment reference as written: password=${DB_PASSWORD} (env)' {
            Add-PgSource -Name 'prod' -Password '${DB_PASSWORD}'
            $source = Get-DcSource -Name 'prod'
            $source.Secrets | Should -Be 'password=${DB_PASSWORD} (env)'
            $source.HasPlaintextSecret | Should -BeFalse
            $table = $source | Out-String -Width 400
            $table | Should -BeLike '*Secrets*'
            $table | Should -BeLike '*password=${DB_PASSWORD} (env)*'
        }

        It 'shows a vault reference as written' {
            Add-PgSource -Name 'prod' -Password '${secret:Store/DataCompass-prod-password}'
            (Get-DcSource -Name 'prod').Secrets | Should -Be 'password=${secret:Store/DataCompass-prod-password} (vault)'
        }

        It 'masks the literal default of ${DB_PASSWORD:-...} and counts it as plaintext' {
            $canary = New-Canary 'Default'
            Add-PgSource -Name 'mixed' -Password ('${DB_PASSWORD:-' + $canary + '}') -AllowPlaintext
            $source = Get-DcSource -Name 'mixed'
            $password = $source.Fields | Where-Object Name -EQ 'password'
            $password.Value | Should -Be '${DB_PASSWORD:-********}'
            $password.Provenance | Should -Be ([DataCompass.DcProvenance]::Plaintext)
            $source.Secrets | Should -Be 'password=${DB_PASSWORD:-********} (plaintext)'
            $source.HasPlaintextSecret | Should -BeTrue
            Get-AllRenderings $source | Should -Not -BeLike "*$canary*"
        }

        It 'lists only the secret fields that hold something' {
            Add-DatabricksSource -Name 'lake'
            (Get-DcSource -Name 'lake').Secrets | Should -Be 'access_token=${DATABRICKS_TOKEN} (env)'
        }
    }

    Context 'the views at 120 columns' {
        BeforeEach {
            # 32 characters each: the name, the display name, and the default vault name built from the name.
            $script:LongName = 'warehouse-analytics-eu-west-prod'
            $script:LongDisplayName = 'Warehouse Analytics EU West Prod'
            Add-DcSource -Name $script:LongName -DisplayName $script:LongDisplayName -Type postgresql -ErrorAction Stop -Connection @{
                host = 'db.example.com'; database = 'sales'; username = 'app'
                password = '${secret:Store/DataCompass-warehouse-analytics-eu-west-prod-password}' }
            Add-PgSource -Name 'short'
            Add-DatabricksSource -Name 'lake'
        }

        It 'shows every column of the source table and cuts no cell: a long Secrets cell wraps' {
            $text = Get-DcSource | Out-String -Width 120
            $lines = @($text -split '\r?\n' | Where-Object { $_.Trim() })
            $lines[0] | Should -Match '^Name\s+Type\s+Active\s+Secrets$'
            foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
            $text | Should -Not -Match '…|\.\.\.' -Because 'no cell is cut'
            $lines | Should -Contain ('{0} postgresql True   password=${{DB_PASSWORD}} (env)' -f 'short'.PadRight($script:LongName.Length))
            @($lines | Where-Object { $_ -like "$($script:LongName) postgresql True   password=`${secret:Store/*" }).Count | Should -Be 1
            $text | Should -BeLike '*(vault)*'
            $text | Should -BeLike '*access_token=${DATABRICKS_TOKEN} (env)*'
            (Get-DcSource -Name $script:LongName | Format-List | Out-String -Width 120) | Should -BeLike "*DisplayName*: $($script:LongDisplayName)*"
        }

        It 'shows every column of the fields table, Provenance and Secret before the value' {
            $text = (Get-DcSource -Name $script:LongName, 'short').Fields | Out-String -Width 120
            $lines = @($text -split '\r?\n' | Where-Object { $_.Trim() })
            $lines[0] | Should -Match '^Source\s+Field\s+Provenance\s+Secret\s+Value$'
            foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
            $text | Should -Not -Match '…|\.\.\.' -Because 'no cell is cut'
            $lines | Should -Contain "$($script:LongName) port            Literal    False  5432"
            $lines | Should -Contain "$($script:LongName) exclude_schemas Literal    False  pg_catalog, information_schema, pg_toast"
            @($lines | Where-Object { $_ -like "$($script:LongName) password        Vault      True   `${secret:Store/*" }).Count | Should -Be 1
            $lines | Should -Contain ('{0} password        Env        True   ${{DB_PASSWORD}}' -f 'short'.PadRight($script:LongName.Length))
        }
    }

    Context 'where the catalog is' {
        It 'reads the -Database file, not $env:DATACOMPASS_DATA_DIR' {
            $other = Join-Path $TestDrive "other-$(New-Guid).db"
            Add-PgSource -Name 'in-env-dir'
            Add-PgSource -Name 'in-explicit-db' -Database $other
            $fromOther = Get-DcSource -Database $other
            $fromOther.Name | Should -Be 'in-explicit-db'
            $fromOther.Database | Should -Be $other
            (Get-DcSource).Name | Should -Be 'in-env-dir'
        }

        It 'resolves a PowerShell path given to -Database' {
            $leaf = "psdrive-$(New-Guid).db"
            Add-PgSource -Name 'prod' -Database "TestDrive:/$leaf"
            $source = Get-DcSource -Database "TestDrive:/$leaf"
            $source.Name | Should -Be 'prod'
            $source.Database | Should -Be (Join-Path $TestDrive $leaf)
        }

        It 'uses $env:DATACOMPASS_DATA_DIR/datacompass.db' {
            Add-PgSource -Name 'prod'
            Test-Path -LiteralPath $script:DbPath | Should -BeTrue
            (Get-DcSource -Name 'prod').Database | Should -Be $script:DbPath
        }

        It 'prefers $env:DATACOMPASS_DATA_DIR over the home folder' {
            $fakeHome = Join-Path $TestDrive "home-$(New-Guid)"
            $dataDir = Join-Path $TestDrive "data-$(New-Guid)"
            New-Item -ItemType Directory -Path $fakeHome | Out-Null
            $script = @'
$ErrorActionPreference = 'Stop'
Import-Module '__MODULE__'
Add-DcSource -Name 'envsrc' -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DB_PASSWORD}' }
'DB=' + (Get-DcSource -Name 'envsrc').Database
'@ -replace '__MODULE__', $script:ModuleManifest
            $result = Invoke-ChildPwsh -Script $script -Environment @{ HOME = $fakeHome; DATACOMPASS_DATA_DIR = $dataDir }
            $result.ExitCode | Should -Be 0 -Because $result.Text
            $result.Output | Should -Contain ('DB=' + (Join-Path $dataDir 'datacompass.db'))
            Test-Path -LiteralPath (Join-Path $dataDir 'datacompass.db') | Should -BeTrue
            Test-Path -LiteralPath (Join-Path $fakeHome '.datacompass') | Should -BeFalse
        }

        It 'defaults to ~/.datacompass/datacompass.db' {
            $fakeHome = Join-Path $TestDrive "home-$(New-Guid)"
            New-Item -ItemType Directory -Path $fakeHome | Out-Null
            $script = @'
$ErrorActionPreference = 'Stop'
Import-Module '__MODULE__'
'DATADIR_SET=' + (Test-Path env:DATACOMPASS_DATA_DIR)
try { Get-DcSource } catch { 'BEFORE=' + $_.FullyQualifiedErrorId.Split(',')[0] }
Add-DcSource -Name 'homesrc' -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DB_PASSWORD}' }
'DB=' + (Get-DcSource -Name 'homesrc').Database
'@ -replace '__MODULE__', $script:ModuleManifest
            # Unset here (not via -Environment, which would pass '' for $null); the child inherits it unset.
            Set-TestVariable 'DATACOMPASS_DATA_DIR' $null
            $result = Invoke-ChildPwsh -Script $script -Environment @{ HOME = $fakeHome }
            $result.ExitCode | Should -Be 0 -Because $result.Text
            $result.Output | Should -Contain 'DATADIR_SET=False'
            $expected = Join-Path $fakeHome '.datacompass/datacompass.db'
            $result.Output | Should -Contain 'BEFORE=DcCatalogNotFound'
            $result.Output | Should -Contain "DB=$expected"
            Test-Path -LiteralPath $expected | Should -BeTrue
        }
    }
}

Describe 'Get-DcSource with a damaged row' -Tag 'Integration' {
    BeforeAll {
        . $PSScriptRoot/TestHelpers.ps1
        . $PSScriptRoot/RawSql.ps1
        Import-Module $script:DcModulePath
    }

    It 'lists every source, reporting the one whose connection_info cannot be read' {
        $db = Join-Path $TestDrive "damaged-$(New-Guid).db"
        foreach ($name in 'good', 'bad') {
            Add-DcSource -Database $db -Name $name -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${P}' }
        }
        Invoke-RawSql -Database $db -Sql "UPDATE data_sources SET connection_info = '{broken' WHERE name = 'bad'" | Out-Null

        $sources = @(Get-DcSource -Database $db -ErrorVariable damaged -ErrorAction SilentlyContinue)
        $sources.Name | Should -Be @('bad', 'good')
        @($damaged) | Should -HaveCount 1
        $damaged[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcConnectionInfoInvalid' 'Get-DcSource')
        $damaged[0].Exception.Message | Should -BeLike "*'bad'*"
        Remove-DcSource -Database $db -Name bad -Confirm:$false
        (Get-DcSource -Database $db).Name | Should -Be 'good'
    }
}

Describe 'Get-DcSource -Name against PowerShell''s own wildcard matching' -Tag 'Integration' {
    BeforeAll {
        . $PSScriptRoot/TestHelpers.ps1
        . $PSScriptRoot/RawSql.ps1
        Import-Module $script:DcModulePath
        # Names the Python tool may have written: case variants, brackets, escapes, letters beyond ASCII, a Kelvin
        # sign (IgnoreCase matches it to k), a soft hyphen (ignorable to a culture-aware comparison), a tab.
        $script:Names = @(
            'src-001', 'SRC-0010', 'Src-00199', 'src-002', 'prod', 'PROD-eu', 'Prod', 'pro', 'a*b', 'A*B', 'a?b', 'aXb', 'a[c]', 'ac',
            'x`y', '1.2_3 %', 'caf' + [char]0xE9, 'CAF' + [char]0xC9 + '-1', [char]0x212A + 'elvin', 'kelvin', 'a' + [char]0xAD + 'bc',
            'abc', "tab`tname", 's', 'S', 'zeta'
        )
        $script:Db = Join-Path $TestDrive "corpus-$(New-Guid).db"
        Add-DcSource -Database $script:Db -Name seed -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${P}' }
        Invoke-RawSql -Database $script:Db -Sql "DELETE FROM data_sources" | Out-Null
        foreach ($name in $script:Names) {
            Invoke-RawSql -Database $script:Db -Parameters @{ '$name' = $name } -Sql (
                "INSERT INTO data_sources (name, source_type, connection_info, sync_config, is_active, created_at, updated_at) " +
                "VALUES (`$name, 'postgresql', '{""host"": ""h""}', 'null', 1, '2024-01-02 03:04:05', '2024-01-02 03:04:05')") | Out-Null
        }
    }

    It 'returns exactly the names WildcardPattern (IgnoreCase) matches, for <Pattern>' -ForEach @(
        @{ Pattern = 'src-001*' }, @{ Pattern = '*prod*' }, @{ Pattern = 'pro?' }, @{ Pattern = 'a`*b*' }, @{ Pattern = 'a`?b*' },
        @{ Pattern = 'a[bc]*' }, @{ Pattern = 'a`[c`]*' }, @{ Pattern = 'x``y*' }, @{ Pattern = '?`*?' }, @{ Pattern = '1.2_3 %*' }, @{ Pattern = 'caf*' },
        @{ Pattern = 'k*' }, @{ Pattern = 'ab*' }, @{ Pattern = '*' }, @{ Pattern = '?' }, @{ Pattern = '*name' }, @{ Pattern = '[p-s]*' }
    ) {
        $wildcard = [WildcardPattern]::new($Pattern, [System.Management.Automation.WildcardOptions]::IgnoreCase)
        [string[]] $expected = @($script:Names | Where-Object { $wildcard.IsMatch($_) })
        [Array]::Sort($expected, [StringComparer]::Ordinal)
        [string[]] $actual = @(Get-DcSource -Database $script:Db -Name $Pattern | ForEach-Object Name)
        [Array]::Sort($actual, [StringComparer]::Ordinal)
        $actual | Should -Be $expected
    }

    It 'finds a name that differs only in case from two others by its exact name alone' {
        (Get-DcSource -Database $script:Db -Name 'Prod').Name | Should -BeExactly 'Prod'
        (Get-DcSource -Database $script:Db -Name 'prod').Name | Should -BeExactly 'prod'
        Get-DcSource -Database $script:Db -Name 'PROD' -ErrorAction SilentlyContinue -ErrorVariable missing | Should -BeNullOrEmpty
        $missing[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceNotFound' 'Get-DcSource')
        (Get-DcSource -Database $script:Db -Name 'ZETA').Name | Should -BeExactly 'zeta'
    }
}

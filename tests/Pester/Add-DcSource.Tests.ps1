#Requires -Version 7.4
# Add-DcSource: what lands in data_sources.connection_info (byte for byte, as Python's json.dumps writes it),
# validation that names every bad field at once, the plaintext-secret policy, name and type checks, hostile
# input that must leave the catalog byte-identical, pipeline binding, -WhatIf/-PassThru, path resolution and
# the file modes of a new catalog.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:SavedDataDir = $env:DATACOMPASS_DATA_DIR

    function Get-AddErrorId([string] $ErrorId) { Get-DcErrorId $ErrorId 'Add-DcSource' }

    # A fresh, not yet existing data folder under $TestDrive, set as $env:DATACOMPASS_DATA_DIR.
    function Use-FreshDataDir {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $dir
        return $dir
    }

    function New-TestFolder {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Path $dir | Out-Null
        return $dir
    }

    # Writes text as UTF-8 without BOM, exactly as given (no trailing newline added).
    function New-YamlFile([string] $Text, [string] $Folder = $TestDrive, [string] $FileName) {
        if (-not $FileName) { $FileName = '{0}.yaml' -f [guid]::NewGuid().ToString('n') }
        $path = Join-Path $Folder $FileName
        [IO.File]::WriteAllText($path, $Text, [Text.UTF8Encoding]::new($false))
        return $path
    }

    function Get-FieldMap($Source) {
        $map = [ordered]@{}
        foreach ($field in $Source.Fields) { $map[$field.Name] = $field }
        return $map
    }

    # Microsoft.Data.Sqlite and its native library copied side by side, so a child pwsh can load them with
    # Add-Type alone (the module loads them into its private load context, which a child cannot reuse).
    . $PSScriptRoot/RawSql.ps1

    function Get-RawConnectionInfo {
        <#
        .SYNOPSIS
            The connection_info text exactly as stored in data_sources, read with Microsoft.Data.Sqlite (never
            through the module). One object per name: Name, ConnectionInfo ($null: no row).
        #>
        param(
            [Parameter(Mandatory)] [string] $Database,
            [Parameter(Mandatory)] [string[]] $Name
        )
        foreach ($one in $Name) {
            $row = Invoke-RawSql -Database $Database -ReadOnly -Sql 'SELECT connection_info FROM data_sources WHERE name = $name;' -Parameters @{ '$name' = $one }
            [pscustomobject]@{ Name = $one; ConnectionInfo = if ($row) { [string]$row.connection_info } else { $null } }
        }
    }

    $script:PgReferenceYaml = @'
host: db.example.com
database: sales
username: app
password: ${DB_PASSWORD}
'@
}

AfterAll {
    $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir
}

Describe 'Add-DcSource stores what the Python tool would store' -Tag 'Integration' {
    BeforeAll {
        $script:HappyDb = Join-Path $TestDrive 'happy.db'
        $db = $script:HappyDb

        Add-DcSource -Name 'pg-yaml' -Type postgresql -Path (New-YamlFile $script:PgReferenceYaml) -Database $db -ErrorAction Stop

        # Every field, out of declaration order, a quoted port, a non-ASCII list item, CRLF line ends and a BOM.
        $full = "`u{FEFF}" + (@(
                'query_timeout: 600'
                'ssl_mode: verify-full'
                'password: ${secret:Prod/pg-password}'
                'exclude_schemas:'
                '  - audit'
                '  - "tmp_é"'
                'host: pg.internal'
                'port: "6543"'
                'database: Ventes'
                'username: reporter'
                'schema_filter: "public|sales_*"'
                'connect_timeout: 5'
            ) -join "`r`n") + "`r`n"
        Add-DcSource -Name 'pg-full' -Type postgresql -Path (New-YamlFile $full) -DisplayName 'Ventes (prod)' -Database $db -ErrorAction Stop

        # An unordered hashtable, keys in odd case, an int, a one-item array and a type in odd case.
        Add-DcSource -Name 'pg-hash' -Type 'PostgreSQL' -Database $db -ErrorAction Stop -Connection @{
            Host = 'pg-hash.example.com'; PORT = 5433; database = 'inventory'; username = 'etl'
            password = '${PGPASSWORD}'; ssl_mode = 'require'; exclude_schemas = @('staging')
        }

        Add-DcSource -Name 'sf-yaml' -Type snowflake -Database $db -ErrorAction Stop -Path (New-YamlFile @'
account: xy12345.eu-west-1
warehouse: COMPUTE_WH
database: ANALYTICS
username: svc_dc
password: ${SNOWFLAKE_PASSWORD}
role: READER
'@)

        Add-DcSource -Name 'dbx-pat' -Type databricks -Database $db -ErrorAction Stop -Path (New-YamlFile @'
host: adb-123.azuredatabricks.net
http_path: /sql/1.0/warehouses/abc
catalog: main
access_token: ${DATABRICKS_TOKEN}
'@)

        Add-DcSource -Name 'dbx-sp' -Type databricks -Database $db -ErrorAction Stop -Connection ([ordered]@{
                host          = 'adb-9.azuredatabricks.net'
                http_path     = '/sql/1.0/warehouses/sp'
                catalog       = 'finance'
                auth_method   = 'service_principal'
                client_id     = '11111111-2222-3333-4444-555555555555'
                client_secret = '${secret:Prod/dbx-sp-secret}'
                tenant_id     = '${AZURE_TENANT_ID}'
                max_retries   = 5
            })

        Add-DcSource -Name 'dbx-mi' -Type databricks -Database $db -ErrorAction Stop -Connection @{
            catalog = 'ops'; host = 'adb-7.azuredatabricks.net'; auth_method = 'managed_identity'
            http_path = '/sql/1.0/warehouses/mi'; timeout_seconds = 120
        }

        $script:HappyNames = 'pg-yaml', 'pg-full', 'pg-hash', 'sf-yaml', 'dbx-pat', 'dbx-sp', 'dbx-mi'
        # One child process for every row, plus a name that has none.
        $script:Raw = @{}
        foreach ($row in Get-RawConnectionInfo -Database $db -Name ($script:HappyNames + 'no-such-source')) {
            $script:Raw[$row.Name] = $row.ConnectionInfo
        }
    }

    It 'stores <Name> as json.dumps would' -TestCases @(
        @{ Name = 'pg-yaml'; Expected = '{"host": "db.example.com", "port": 5432, "database": "sales", "username": "app", "password": "${DB_PASSWORD}", "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": ["pg_catalog", "information_schema", "pg_toast"], "connect_timeout": 10, "query_timeout": 300}' }
        @{ Name = 'pg-full'; Expected = '{"host": "pg.internal", "port": 6543, "database": "Ventes", "username": "reporter", "password": "${secret:Prod/pg-password}", "ssl_mode": "verify-full", "schema_filter": "public|sales_*", "exclude_schemas": ["audit", "tmp_\u00e9"], "connect_timeout": 5, "query_timeout": 600}' }
        @{ Name = 'pg-hash'; Expected = '{"host": "pg-hash.example.com", "port": 5433, "database": "inventory", "username": "etl", "password": "${PGPASSWORD}", "ssl_mode": "require", "schema_filter": null, "exclude_schemas": ["staging"], "connect_timeout": 10, "query_timeout": 300}' }
        @{ Name = 'sf-yaml'; Expected = '{"account": "xy12345.eu-west-1", "warehouse": "COMPUTE_WH", "database": "ANALYTICS", "username": "svc_dc", "password": "${SNOWFLAKE_PASSWORD}", "role": "READER", "schema_filter": null, "exclude_schemas": ["INFORMATION_SCHEMA"], "connect_timeout": 30, "query_timeout": 300}' }
        @{ Name = 'dbx-pat'; Expected = '{"host": "adb-123.azuredatabricks.net", "http_path": "/sql/1.0/warehouses/abc", "catalog": "main", "auth_method": "personal_token", "access_token": "${DATABRICKS_TOKEN}", "client_id": null, "client_secret": null, "tenant_id": null, "schema_filter": null, "timeout_seconds": 300, "max_retries": 3}' }
        @{ Name = 'dbx-sp'; Expected = '{"host": "adb-9.azuredatabricks.net", "http_path": "/sql/1.0/warehouses/sp", "catalog": "finance", "auth_method": "service_principal", "access_token": null, "client_id": "11111111-2222-3333-4444-555555555555", "client_secret": "${secret:Prod/dbx-sp-secret}", "tenant_id": "${AZURE_TENANT_ID}", "schema_filter": null, "timeout_seconds": 300, "max_retries": 5}' }
        @{ Name = 'dbx-mi'; Expected = '{"host": "adb-7.azuredatabricks.net", "http_path": "/sql/1.0/warehouses/mi", "catalog": "ops", "auth_method": "managed_identity", "access_token": null, "client_id": null, "client_secret": null, "tenant_id": null, "schema_filter": null, "timeout_seconds": 120, "max_retries": 3}' }
    ) {
        $script:Raw[$Name] | Should -BeExactly $Expected
    }

    It 'Get-RawConnectionInfo reports a missing row as $null (the raw reader can tell)' {
        $script:Raw.ContainsKey('no-such-source') | Should -BeTrue
        $script:Raw['no-such-source'] | Should -BeNullOrEmpty
    }

    It 'Get-DcSource lists all sources with their types and display names' {
        $sources = @(Get-DcSource -Database $script:HappyDb)
        $sources.Name | Sort-Object | Should -Be ($script:HappyNames | Sort-Object)
        ($sources | Where-Object Name -EQ 'pg-hash').Type | Should -BeExactly 'postgresql'
        ($sources | Where-Object Name -EQ 'dbx-sp').Type | Should -BeExactly 'databricks'
        ($sources | Where-Object Name -EQ 'sf-yaml').Type | Should -BeExactly 'snowflake'
        ($sources | Where-Object Name -EQ 'pg-full').DisplayName | Should -BeExactly 'Ventes (prod)'
        ($sources | Where-Object Name -EQ 'pg-yaml').DisplayName | Should -BeNullOrEmpty
        $sources | ForEach-Object { $_.IsActive | Should -BeTrue }
    }

    It 'Get-DcSource shows every field in declaration order with its provenance' {
        $source = Get-DcSource -Name 'pg-yaml' -Database $script:HappyDb
        $source.Fields.Name | Should -Be @('host', 'port', 'database', 'username', 'password', 'ssl_mode', 'schema_filter',
            'exclude_schemas', 'connect_timeout', 'query_timeout')
        $fields = Get-FieldMap $source
        $fields.host.Value | Should -BeExactly 'db.example.com'
        $fields.host.Provenance | Should -Be 'Literal'
        $fields.port.Value | Should -Be 5432
        $fields.password.Value | Should -BeExactly '${DB_PASSWORD}'
        $fields.password.Provenance | Should -Be 'Env'
        $fields.password.IsSecret | Should -BeTrue
        $fields.schema_filter.Provenance | Should -Be 'None'
        $source.HasPlaintextSecret | Should -BeFalse
    }

    It 'Get-DcSource shows vault references and conditional databricks fields' {
        $sp = Get-FieldMap (Get-DcSource -Name 'dbx-sp' -Database $script:HappyDb)
        $sp.client_secret.Value | Should -BeExactly '${secret:Prod/dbx-sp-secret}'
        $sp.client_secret.Provenance | Should -Be 'Vault'
        $sp.tenant_id.Provenance | Should -Be 'Env'
        $sp.access_token.Provenance | Should -Be 'None'

        $mi = Get-FieldMap (Get-DcSource -Name 'dbx-mi' -Database $script:HappyDb)
        $mi.auth_method.Value | Should -BeExactly 'managed_identity'
        $mi.access_token.Value | Should -BeNullOrEmpty
        $mi.client_secret.Value | Should -BeNullOrEmpty
    }
}

Describe 'Add-DcSource validation' -Tag 'Unit' {
    BeforeEach { $script:DataDir = Use-FreshDataDir }
    AfterEach { $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir }

    It 'names every bad field at once and never repeats a value' {
        $canary = New-Canary
        $path = New-YamlFile @"
port: 70000
database: sales
username: app
pasword: $canary
ssl_mode: sometimes
"@
        $err = { Add-DcSource -Name 'bad-pg' -Type postgresql -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceInvalid') -ExceptionType ([IO.InvalidDataException]) -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -BeExactly 'bad-pg'
        $message = $err.Exception.Message
        $message | Should -BeLike "*Source 'bad-pg'*"
        $message | Should -BeLike "*unknown field 'pasword' (did you mean 'password'?)*"
        $message | Should -BeLike "*field 'port' must be an integer from 1 to 65535*"
        $message | Should -BeLike "*field 'ssl_mode' must be one of: disable, allow, prefer, require, verify-ca, verify-full*"
        $message | Should -BeLike "*field 'host' is required*"
        $message | Should -BeLike "*field 'password' is required*"
        $message | Should -Not -BeLike "*$canary*"
        $message | Should -Not -BeLike '*70000*'
        $message | Should -Not -BeLike '*sometimes*'
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
    }

    It 'rejects a non-integer in an integer field: <Case>' -TestCases @(
        @{ Case = 'text'; Port = 'abc' }
        @{ Case = 'zero'; Port = '0' }
        @{ Case = 'fraction'; Port = '5432.5' }
    ) {
        $err = { Add-DcSource -Name 'pg' -Type postgresql -ErrorAction Stop -Connection @{
                host = 'h'; port = $Port; database = 'd'; username = 'u'; password = '${P}' } } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceInvalid') -PassThru
        $err.Exception.Message | Should -BeLike "*field 'port' must be an integer from 1 to 65535*"
    }

    It 'requires client_secret and tenant_id for a service_principal databricks source' {
        $err = { Add-DcSource -Name 'dbx' -Type databricks -ErrorAction Stop -Connection @{
                host = 'h'; http_path = '/p'; catalog = 'c'; auth_method = 'service_principal'; client_id = 'id' } } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceInvalid') -PassThru
        $message = $err.Exception.Message
        $message | Should -BeLike "*Source 'dbx' (databricks)*"
        $message | Should -BeLike "*field 'client_secret' is required when auth_method is 'service_principal'*"
        $message | Should -BeLike "*field 'tenant_id' is required when auth_method is 'service_principal'*"
        $message | Should -Not -BeLike "*'client_id' is required*"
        $message | Should -Not -BeLike "*access_token*"
    }

    It 'requires access_token when auth_method is personal_token, explicitly or by default' {
        foreach ($connection in @{ host = 'h'; http_path = '/p'; catalog = 'c' },
            @{ host = 'h'; http_path = '/p'; catalog = 'c'; auth_method = 'personal_token' }) {
            $err = { Add-DcSource -Name 'dbx' -Type databricks -Connection $connection -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-AddErrorId 'DcSourceInvalid') -PassThru
            $err.Exception.Message | Should -BeLike "*field 'access_token' is required when auth_method is 'personal_token'*"
        }
    }

    It 'rejects an unknown auth_method' {
        $err = { Add-DcSource -Name 'dbx' -Type databricks -ErrorAction Stop -Connection @{
                host = 'h'; http_path = '/p'; catalog = 'c'; auth_method = 'oauth' } } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceInvalid') -PassThru
        $err.Exception.Message | Should -BeLike "*field 'auth_method' must be one of: personal_token, service_principal, managed_identity*"
    }

    It 'rejects a key given twice in different case' {
        $path = New-YamlFile "host: a`nHost: b`ndatabase: d`nusername: u`npassword: `${P}`n"
        $err = { Add-DcSource -Name 'pg' -Type postgresql -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceInvalid') -PassThru
        $err.Exception.Message | Should -BeLike "*field 'host' is given more than once*"
    }

    It 'rejects -Connection keys that differ only in case with DcSourceInvalid' {
        # A case-sensitive dictionary can hold both 'host' and 'HOST'.
        $connection = [hashtable]::new([StringComparer]::Ordinal)
        $connection['host'] = 'a'
        $connection['HOST'] = 'b'
        $connection['database'] = 'd'
        $connection['username'] = 'u'
        $connection['password'] = '${P}'
        $err = { Add-DcSource -Name 'pg' -Type postgresql -Connection $connection -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceInvalid') -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -BeLike "*'host'*"
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
    }

    It 'rejects a malformed secret reference in a field with DcReferenceInvalid' {
        $err = { Add-DcSource -Name 'pg' -Type postgresql -ErrorAction Stop -Connection @{
                host = '${secret:}'; database = 'd'; username = 'u'; password = '${P}' } } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcReferenceInvalid') -PassThru
        $err.Exception.Message | Should -BeLike "*source 'pg', field 'host'*"
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
    }

    It 'accepts placeholders in integer and enum fields at add time and keeps them unresolved' {
        $path = New-YamlFile @'
host: ${DB_HOST}
port: ${DB_PORT}
database: sales
username: app
password: ${DB_PASSWORD}
ssl_mode: ${PG_SSLMODE:-require}
connect_timeout: ${PG_TIMEOUT:-10}
'@
        Add-DcSource -Name 'pg-placeholders' -Type postgresql -Path $path -ErrorAction Stop
        $fields = Get-FieldMap (Get-DcSource -Name 'pg-placeholders')
        $fields.port.Value | Should -BeExactly '${DB_PORT}'
        $fields.port.Provenance | Should -Be 'Env'
        $fields.ssl_mode.Value | Should -BeExactly '${PG_SSLMODE:-require}'
        $fields.connect_timeout.Value | Should -BeExactly '${PG_TIMEOUT:-10}'
        $fields.host.Value | Should -BeExactly '${DB_HOST}'
    }

    It 'defers the databricks conditions while auth_method is a placeholder' {
        Add-DcSource -Name 'dbx-auth-env' -Type databricks -ErrorAction Stop -Connection @{
            host = 'h'; http_path = '/p'; catalog = 'c'; auth_method = '${DBX_AUTH}' }
        (Get-FieldMap (Get-DcSource -Name 'dbx-auth-env')).auth_method.Value | Should -BeExactly '${DBX_AUTH}'
    }
}

Describe 'Add-DcSource plaintext secret policy' -Tag 'Integration' {
    BeforeEach { $script:DataDir = Use-FreshDataDir }
    AfterEach { $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir }

    It 'refuses a literal password, names source and field, and creates no database' {
        $canary = New-Canary
        $path = New-YamlFile "host: h`ndatabase: d`nusername: u`npassword: $canary`n"
        $err = { Add-DcSource -Name 'prod-pg' -Type postgresql -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcPlaintextSecretRefused') -ExceptionType ([Security.SecurityException]) -PassThru
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.Exception.Message | Should -BeLike "*Source 'prod-pg'*'password'*"
        $err.Exception.Message | Should -BeLike '*-AllowPlaintext*'
        $err.Exception.Message | Should -BeLike '*${secret:Vault/Name}*'
        (Get-ErrorText @($err)) -join "`n" | Should -Not -BeLike "*$canary*"
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
    }

    It 'refuses a masked value (<Mask>) in a secret field with DcSecretValueMasked, with or without a vault, and writes nothing' -TestCases @(
        @{ Mask = '********'; Extra = @{ AllowPlaintext = $true } }
        @{ Mask = '**********'; Extra = @{ AllowPlaintext = $true } }
        @{ Mask = '${DCT_NOT_SET:-********}'; Extra = @{ AllowPlaintext = $true } }
        @{ Mask = '**********'; Extra = @{ Vault = 'NoSuchVaultIsAsked' } }
    ) {
        $err = { Add-DcSource -Name 'masked' -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $Mask } -ErrorAction Stop @Extra } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSecretValueMasked') -PassThru
        $err.Exception.Message | Should -BeLike "*Source 'masked', field 'password'*masked display*"
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
    }

    It 'refusing a literal password is a terminating error (DESIGN: "a terminating error, nothing written")' {
        $canary = New-Canary
        { Add-DcSource -Name 'prod-pg' -Type postgresql -ErrorAction SilentlyContinue -Connection @{
                host = 'h'; database = 'd'; username = 'u'; password = $canary } } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcPlaintextSecretRefused')
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
    }

    It 'treats <Case> in <Field> as a literal secret' -TestCases @(
        @{ Case = 'an env default'; Type = 'postgresql'; Field = 'password'; Value = '${DB_PASSWORD:-{0}}' }
        @{ Case = 'text around a reference'; Type = 'postgresql'; Field = 'password'; Value = '{0}${DB_PASSWORD}' }
        @{ Case = 'a bare $VAR'; Type = 'postgresql'; Field = 'password'; Value = '$DB_PASSWORD{0}' }
        @{ Case = 'a ${VAR-default} (no colon)'; Type = 'postgresql'; Field = 'password'; Value = '${DB_PASSWORD-{0}}' }
        @{ Case = 'a literal'; Type = 'snowflake'; Field = 'password'; Value = '{0}' }
        @{ Case = 'a literal'; Type = 'databricks'; Field = 'access_token'; Value = '{0}' }
        @{ Case = 'a literal'; Type = 'databricks'; Field = 'client_secret'; Value = '{0}' }
    ) {
        $canary = New-Canary
        $connection = switch ($Type) {
            'postgresql' { @{ host = 'h'; database = 'd'; username = 'u' } }
            'snowflake' { @{ account = 'a'; warehouse = 'w'; database = 'd'; username = 'u' } }
            'databricks' { @{ host = 'h'; http_path = '/p'; catalog = 'c'; auth_method = 'service_principal'; client_id = 'i'; tenant_id = 't'; access_token = '${T}'; client_secret = '${S}' } }
        }
        $connection[$Field] = $Value.Replace('{0}', $canary)
        $err = { Add-DcSource -Name 'lit' -Type $Type -Connection $connection -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcPlaintextSecretRefused') -PassThru
        $err.Exception.Message | Should -BeLike "*'$Field'*"
        (Get-ErrorText @($err)) -join "`n" | Should -Not -BeLike "*$canary*"
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
    }

    It '-AllowPlaintext stores the literal with a warning, and Get-DcSource flags and masks it' {
        $canary = New-Canary
        $out = Add-DcSource -Name 'plain-pg' -Type postgresql -AllowPlaintext -ErrorAction Stop -WarningVariable warnings -WarningAction SilentlyContinue -Connection @{
            host = 'h'; database = 'd'; username = 'u'; password = $canary }
        $out | Should -BeNullOrEmpty
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "*Source 'plain-pg'*'password'*plaintext*"
        "$($warnings[0])" | Should -Not -BeLike "*$canary*"

        $db = Join-Path $script:DataDir 'datacompass.db'
        Test-BytesContain -Path $db -Text $canary | Should -BeTrue

        $source = Get-DcSource -Name 'plain-pg'
        $source.HasPlaintextSecret | Should -BeTrue
        $password = (Get-FieldMap $source).password
        $password.Provenance | Should -Be 'Plaintext'
        $password.Value | Should -BeExactly '********'
        $source.Secrets | Should -BeExactly 'password=******** (plaintext)'
        $shown = @(
            $source | Out-String
            $source | Format-List * | Out-String
            $source.Fields | Out-String
            $source | ConvertTo-Json -Depth 5
            "$source"
        ) -join "`n"
        $shown | Should -Not -BeLike "*$canary*"
    }

    It 'accepts <Value> without -AllowPlaintext, stored as written and without a warning' -TestCases @(
        @{ Value = '${DB_PASSWORD}'; Provenance = 'Env' }
        @{ Value = '${secret:Prod/pg-password}'; Provenance = 'Vault' }
        @{ Value = '${secret:Prod/team/pg/password}'; Provenance = 'Vault' }
    ) {
        Add-DcSource -Name 'ref-pg' -Type postgresql -ErrorAction Stop -WarningVariable warnings -Connection @{
            host = 'h'; database = 'd'; username = 'u'; password = $Value }
        $warnings | Should -BeNullOrEmpty
        $password = (Get-FieldMap (Get-DcSource -Name 'ref-pg')).password
        $password.Value | Should -BeExactly $Value
        $password.Provenance | Should -Be $Provenance
        Test-BytesContain -Path (Join-Path $script:DataDir 'datacompass.db') -Text ('"password": "{0}"' -f $Value) | Should -BeTrue
    }

    It '-AllowPlaintext gives no warning when every secret is a reference' {
        Add-DcSource -Name 'ref-pg' -Type postgresql -AllowPlaintext -ErrorAction Stop -WarningVariable warnings -Connection @{
            host = 'h'; database = 'd'; username = 'u'; password = '${DB_PASSWORD}' }
        $warnings | Should -BeNullOrEmpty
        (Get-DcSource -Name 'ref-pg').HasPlaintextSecret | Should -BeFalse
    }
}

Describe 'Add-DcSource names, types and duplicates' -Tag 'Integration' {
    BeforeEach {
        $script:DataDir = Use-FreshDataDir
        $script:PgPath = New-YamlFile $script:PgReferenceYaml
        Add-DcSource -Name 'prod' -Type postgresql -Path $script:PgPath -ErrorAction Stop
        $script:Before = Get-FolderSnapshot $script:DataDir
        if (-not $script:Before) { throw 'The catalog was not created, so a snapshot comparison would prove nothing.' }
    }
    AfterEach { $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir }

    It 'refuses a duplicate name <Name> with DcSourceExists and leaves the database as it was' -TestCases @(
        @{ Name = 'prod' }
        @{ Name = 'PROD' }
        @{ Name = 'Prod' }
    ) {
        $err = { Add-DcSource -Name $Name -Type postgresql -Path $script:PgPath -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceExists') -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.Exception.Message | Should -BeLike "*'prod' already exists*"
        Get-FolderSnapshot $script:DataDir | Should -Be $script:Before
    }

    It 'refuses an unknown -Type with DcSourceTypeUnknown' {
        $err = { Add-DcSource -Name 'my' -Type mysql -Path $script:PgPath -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceTypeUnknown') -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*'mysql'*postgresql, databricks, snowflake*"
        Get-FolderSnapshot $script:DataDir | Should -Be $script:Before
    }

    It 'refuses the name <Case> with DcSourceNameInvalid' -TestCases @(
        @{ Case = 'with a single quote'; Name = "o'brien"; Shown = $true }
        @{ Case = 'with a double quote'; Name = 'say"hi'; Shown = $true }
        @{ Case = 'with SQL in it'; Name = "'; DROP TABLE data_sources; --"; Shown = $true }
        @{ Case = 'with a space'; Name = 'my source'; Shown = $true }
        @{ Case = 'starting with a dot'; Name = '.hidden'; Shown = $true }
        @{ Case = 'with a path separator'; Name = '../etc'; Shown = $true }
        @{ Case = 'of 65 characters'; Name = ('a' * 65); Shown = $false }
        @{ Case = 'with a newline'; Name = "a`nb"; Shown = $false }
    ) {
        $err = { Add-DcSource -Name $Name -Type postgresql -Path $script:PgPath -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceNameInvalid') -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        if ($Shown) { $err.Exception.Message | Should -BeLike "*'$([WildcardPattern]::Escape($Name))'*" }
        $err.Exception.Message | Should -BeLike '*1 to 64 letters, digits*'
        Get-FolderSnapshot $script:DataDir | Should -Be $script:Before
        (Get-DcSource).Name | Should -Be 'prod'
    }

    It 'refuses an empty name with DcSourceNameInvalid' {
        $err = { Add-DcSource -Name '' -Type postgresql -Path $script:PgPath -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceNameInvalid') -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-FolderSnapshot $script:DataDir | Should -Be $script:Before
    }

    It 'accepts a name of 64 characters and one with dots, dashes and underscores' {
        $long = 'b' * 64
        Add-DcSource -Name $long -Type postgresql -Path $script:PgPath -ErrorAction Stop
        Add-DcSource -Name 'prod.eu-west_1' -Type postgresql -Path $script:PgPath -ErrorAction Stop
        (Get-DcSource).Name | Sort-Object | Should -Be (@($long, 'prod', 'prod.eu-west_1') | Sort-Object)
    }
}

Describe 'Add-DcSource leaves the database byte-identical on bad input' -Tag 'Integration' {
    BeforeAll {
        $script:BadDataDir = Join-Path $TestDrive 'bad-input-data'
        $script:Inputs = Join-Path $TestDrive 'bad-inputs'
        New-Item -ItemType Directory -Path $script:Inputs | Out-Null
        $env:DATACOMPASS_DATA_DIR = $script:BadDataDir
        Add-DcSource -Name 'good' -Type postgresql -Path (New-YamlFile $script:PgReferenceYaml) -ErrorAction Stop
    }
    BeforeEach { $env:DATACOMPASS_DATA_DIR = $script:BadDataDir }
    AfterEach { $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir }
    AfterAll { $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir }

    It '<Case> gives <ErrorId> and changes nothing' -TestCases @(
        @{ Case = 'malformed YAML'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile "host: h`n  database: [d`nusername: : u`n" $f } }
        @{ Case = 'an empty file'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile '' $f } }
        @{ Case = 'a file of comments only'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile "# host: h`n# password: x`n" $f } }
        @{ Case = 'a missing file'; ErrorId = 'DcSourceFileNotFound'; Category = 'ObjectNotFound'
            Make = { param($f) Join-Path $f 'does-not-exist.yaml' } }
        @{ Case = 'a directory'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) $d = Join-Path $f ([guid]::NewGuid().ToString('n')); New-Item -ItemType Directory $d | Out-Null; $d } }
        @{ Case = 'binary junk with NUL bytes'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) $p = Join-Path $f 'junk.bin'; $b = [byte[]]::new(4096); [Random]::new(7).NextBytes($b); $b[0] = 0; $b[100] = 0; [IO.File]::WriteAllBytes($p, $b); $p } }
        @{ Case = 'invalid UTF-8'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) $p = Join-Path $f 'latin1.yaml'; [IO.File]::WriteAllBytes($p, [byte[]](0x68, 0x6f, 0x73, 0x74, 0x3a, 0x20, 0xe9, 0xc0, 0x0a)); $p } }
        @{ Case = 'a YAML alias bomb'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile (@(
                        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
                        'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]'
                        'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]'
                        'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]'
                        'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]'
                        'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]'
                        'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]'
                        'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]'
                        'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]'
                        'host: *i'
                    ) -join "`n") $f } }
        @{ Case = 'a merge key'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile "base: &b {host: h}`n<<: *b`n" $f } }
        @{ Case = 'a 50 MB file'; ErrorId = 'DcSourceFileTooLarge'; Category = 'InvalidData'
            Make = { param($f)
                $p = Join-Path $f 'huge.yaml'
                $stream = [IO.FileStream]::new($p, [IO.FileMode]::Create)
                try { $stream.SetLength(50MB); $bytes = [Text.Encoding]::ASCII.GetBytes("host: h`n"); $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
                $p } }
        @{ Case = '10,000-deep flow nesting'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile ('host: ' + ('[' * 10000) + (']' * 10000) + "`n") $f } }
        @{ Case = '10,000-deep mapping nesting'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile ('host: ' + ('{a: ' * 10000) + ('}' * 10000) + "`n") $f } }
        @{ Case = 'a top-level list'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile "- host: h`n- database: d`n" $f } }
        @{ Case = 'a top-level scalar'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile "just text`n" $f } }
        @{ Case = 'duplicate keys'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile "host: a`nhost: b`ndatabase: d`nusername: u`npassword: `${P}`n" $f } }
        @{ Case = 'two YAML documents'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile "host: a`n---`nhost: b`n" $f } }
        @{ Case = 'a language-specific tag'; ErrorId = 'DcSourceFileInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile "host: !!python/object/apply:os.system ['id']`n" $f } }
        @{ Case = 'a field of the wrong shape'; ErrorId = 'DcSourceInvalid'; Category = 'InvalidData'
            Make = { param($f) New-YamlFile "host: {a: b}`nport: [1]`ndatabase: d`nusername: u`npassword: `${P}`n" $f } }
    ) {
        $path = & $Make $script:Inputs
        $before = Get-FolderSnapshot $script:BadDataDir
        $before | Should -Not -BeNullOrEmpty
        $err = { Add-DcSource -Name 'incoming' -Type postgresql -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId $ErrorId) -PassThru
        $err.CategoryInfo.Category | Should -Be $Category
        if ($ErrorId -like 'DcSourceFile*') {
            $err.Exception.Message | Should -BeLike "*'$([WildcardPattern]::Escape($path))'*"
            $err.TargetObject | Should -BeExactly $path
        }
        else {
            $err.Exception.Message | Should -BeLike "*Source 'incoming'*"
        }
        Get-FolderSnapshot $script:BadDataDir | Should -Be $before
    }

    It 'a -Connection value that is <Case> gives <ErrorId>, and pwsh survives' -TestCases @(
        @{ Case = 'a hashtable that contains itself'; ErrorId = 'DcConnectionTooDeep'
            Make = '$c = @{ host = "h"; database = "d"; username = "u"; password = ''${P}'' }; $c.schema_filter = $c; $c' }
        @{ Case = 'an ArrayList that contains itself'; ErrorId = 'DcConnectionTooDeep'
            Make = '$l = [Collections.ArrayList]::new(); [void]$l.Add($l); @{ host = "h"; database = "d"; username = "u"; password = ''${P}''; exclude_schemas = $l }' }
        @{ Case = '100,000 levels deep'; ErrorId = 'DcConnectionTooDeep'
            Make = '$c = @{ host = "h" }; $n = $c; foreach ($i in 1..100000) { $m = @{}; $n.schema_filter = $m; $n = $m }; $c' }
        @{ Case = 'a list of 10,001 items'; ErrorId = 'DcConnectionTooLarge'
            Make = '@{ host = "h"; database = "d"; username = "u"; password = ''${P}''; exclude_schemas = [string[]]::new(10001) }' }
        @{ Case = 'a 2 MiB string'; ErrorId = 'DcConnectionTooLarge'
            Make = '@{ host = "h"; database = "d"; username = "u"; password = ''${P}''; schema_filter = [string]::new([char]"x", 2MB) }' }
    ) {
        # In a child pwsh: before the limits, such a value ended the whole process with a stack overflow.
        $before = Get-FolderSnapshot $script:BadDataDir
        $child = Invoke-ChildPwsh -Environment @{ DATACOMPASS_DATA_DIR = $script:BadDataDir } -Script (@(
                "Import-Module '$($script:DcModulePath)'"
                "`$connection = & { $Make }"
                'Add-DcSource -Name incoming -Type postgresql -Connection $connection -ErrorAction SilentlyContinue -ErrorVariable failed'
                '"id=$($failed[0].FullyQualifiedErrorId)"; "category=$($failed[0].CategoryInfo.Category)"; "message=$($failed[0].Exception.Message)"'
                '"alive"'
            ) -join [Environment]::NewLine)
        $child.ExitCode | Should -Be 0 -Because $child.Text
        $child.Output | Should -Contain "id=$(Get-AddErrorId $ErrorId)"
        $child.Output | Should -Contain 'category=InvalidArgument'
        $child.Text | Should -BeLike "*message=Source 'incoming': the -Connection value *"
        $child.Output[-1] | Should -Be 'alive'
        Get-FolderSnapshot $script:BadDataDir | Should -Be $before
    }

    It 'a FIFO as -Path is refused at once, without waiting for a writer' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'mkfifo and FIFOs in the file system do not exist on Windows'; return }
        $fifo = Join-Path $script:Inputs 'pipe.yaml'
        & mkfifo $fifo
        $LASTEXITCODE | Should -Be 0
        $before = Get-FolderSnapshot $script:BadDataDir
        # In a child pwsh with a timeout: before the check, opening the FIFO blocked for ever.
        $run = Invoke-Runbook -TimeoutSeconds 60 -Environment @{ DATACOMPASS_DATA_DIR = $script:BadDataDir } -Script (@(
                "Import-Module '$($script:DcModulePath)'"
                "Add-DcSource -Name incoming -Type postgresql -Path '$fifo' -ErrorAction SilentlyContinue -ErrorVariable failed"
                '"id=$($failed[0].FullyQualifiedErrorId)"; "category=$($failed[0].CategoryInfo.Category)"; "message=$($failed[0].Exception.Message)"'
            ) -join [Environment]::NewLine)
        $run.TimedOut | Should -BeFalse -Because 'reading a FIFO must not block'
        $run.Text | Should -BeLike "*id=$(Get-AddErrorId 'DcSourceFileInvalid')*"
        $run.Text | Should -BeLike '*category=InvalidData*'
        $run.Text | Should -BeLike "*message=Source 'incoming': Source file '$fifo' is a FIFO (named pipe), not a regular file*"
        Get-FolderSnapshot $script:BadDataDir | Should -Be $before
    }

    It 'an empty -Path (<Case>) is a DataCompass error, not a binding error, and changes nothing' -TestCases @(
        @{ Case = 'empty string'; Value = '' }
        @{ Case = 'blanks'; Value = '   ' }
        @{ Case = 'null'; Value = $null }
    ) {
        $before = Get-FolderSnapshot $script:BadDataDir
        $err = { Add-DcSource -Name 'incoming' -Type postgresql -Path $Value -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceFileNotFound') -PassThru
        $err.Exception.Message | Should -BeLike "*'incoming'*-Path is empty*"
        Get-FolderSnapshot $script:BadDataDir | Should -Be $before
    }

    It 'a name with SQL in it is refused before anything is written' {
        $before = Get-FolderSnapshot $script:BadDataDir
        { Add-DcSource -Name "x'); DELETE FROM data_sources; --" -Type postgresql -Path (New-YamlFile $script:PgReferenceYaml $script:Inputs) -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceNameInvalid')
        Get-FolderSnapshot $script:BadDataDir | Should -Be $before
    }

    It 'a secret in malformed YAML (<Case>) reaches no error message, $Error or error variable' -TestCases @(
        @{ Case = 'unterminated quote'; Template = "host: h`npassword: `"{0}`nport: [`n" }
        @{ Case = 'bad indentation'; Template = "host: h`n  password: {0}`n bad: : :`n" }
        @{ Case = 'a tab indent'; Template = "host: h`n`tpassword: {0}`n" }
        @{ Case = 'a stray colon'; Template = "password: {0}: x: y`n" }
        @{ Case = 'duplicate secret keys'; Template = "password: {0}`npassword: {0}`n" }
        @{ Case = 'a secret in a bad tag'; Template = "password: !!binary {0}`n" }
        @{ Case = 'an unclosed flow mapping'; Template = "{{host: h, password: {0}`n" }
    ) {
        $canary = New-Canary
        $path = New-YamlFile ($Template -f $canary) $script:Inputs
        $before = Get-FolderSnapshot $script:BadDataDir
        Add-DcSource -Name 'leaky' -Type postgresql -Path $path -ErrorAction SilentlyContinue -ErrorVariable ev
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Be (Get-AddErrorId 'DcSourceFileInvalid')
        { Add-DcSource -Name 'leaky' -Type postgresql -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceFileInvalid')
        # The newest entries of $Error are this test's two failures (and whatever Pester recorded around them).
        $text = (Get-ErrorText (@($ev) + @($Error | Select-Object -First 5))) -join "`n"
        $text | Should -BeLike "*$([WildcardPattern]::Escape($path))*"
        $text | Should -Not -BeLike "*$canary*"
        Get-FolderSnapshot $script:BadDataDir | Should -Be $before
    }
}

Describe 'Add-DcSource from the pipeline' -Tag 'Integration' {
    BeforeEach {
        $script:DataDir = Use-FreshDataDir
        $script:Work = New-TestFolder
        Push-Location -LiteralPath $script:Work
    }
    AfterEach {
        Pop-Location
        $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir
    }

    It 'binds Import-Csv rows by property name; a bad row is a non-terminating error and the others are added' {
        New-Item -ItemType Directory -Path 'configs' | Out-Null
        New-YamlFile $script:PgReferenceYaml (Join-Path $script:Work 'configs') 'pg.yaml' | Out-Null
        New-YamlFile @'
account: acme-eu1
warehouse: COMPUTE_WH
database: ANALYTICS
username: loader
password: ${SF_PASSWORD}
'@ $script:Work 'sf.yaml' | Out-Null
        @(
            'Name,Type,Path,DisplayName'
            'csv-pg,postgresql,configs/pg.yaml,Sales PG'
            'csv-bad,postgresql,configs/missing.yaml,Broken'
            'csv-sf,snowflake,sf.yaml,'
        ) | Set-Content -LiteralPath 'sources.csv'

        $output = Import-Csv -LiteralPath 'sources.csv' | Add-DcSource -ErrorAction SilentlyContinue -ErrorVariable ev
        $output | Should -BeNullOrEmpty
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Be (Get-AddErrorId 'DcSourceFileNotFound')
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $ev[0].Exception.Message | Should -BeLike ("*'{0}'*" -f [WildcardPattern]::Escape((Join-Path $script:Work 'configs/missing.yaml')))

        $sources = @(Get-DcSource)
        $sources.Name | Should -Be @('csv-pg', 'csv-sf')
        ($sources | Where-Object Name -EQ 'csv-pg').DisplayName | Should -BeExactly 'Sales PG'
        ($sources | Where-Object Name -EQ 'csv-pg').Type | Should -BeExactly 'postgresql'
        ($sources | Where-Object Name -EQ 'csv-sf').DisplayName | Should -BeNullOrEmpty
        ($sources | Where-Object Name -EQ 'csv-sf').Type | Should -BeExactly 'snowflake'
    }

    It 'passes each added source on with -PassThru' {
        New-YamlFile $script:PgReferenceYaml $script:Work 'pg.yaml' | Out-Null
        $rows = @(
            [pscustomobject]@{ Name = 'p1'; Type = 'postgresql'; Path = 'pg.yaml' }
            [pscustomobject]@{ Name = 'p2'; Type = 'postgresql'; FullName = (Join-Path $script:Work 'pg.yaml') }
        )
        $output = @($rows | Add-DcSource -PassThru -ErrorAction Stop)
        $output.Name | Should -Be @('p1', 'p2')
    }
}

Describe 'Add-DcSource -WhatIf, -PassThru and paths' -Tag 'Integration' {
    BeforeEach {
        $script:DataDir = Use-FreshDataDir
        $script:Work = New-TestFolder
        $script:PgPath = New-YamlFile $script:PgReferenceYaml $script:Work 'pg.yaml'
    }
    AfterEach { $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir }

    It '-WhatIf creates neither the data folder nor the database, and outputs nothing' {
        $output = Add-DcSource -Name 'prod' -Type postgresql -Path $script:PgPath -WhatIf -PassThru
        $output | Should -BeNullOrEmpty
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
        $explicit = Join-Path $script:Work 'whatif.db'
        Add-DcSource -Name 'prod' -Type postgresql -Path $script:PgPath -Database $explicit -WhatIf
        Test-Path -LiteralPath $explicit | Should -BeFalse
    }

    It '-WhatIf leaves an existing database byte-identical' {
        Add-DcSource -Name 'first' -Type postgresql -Path $script:PgPath -ErrorAction Stop
        $before = Get-FolderSnapshot $script:DataDir
        Add-DcSource -Name 'second' -Type postgresql -Path $script:PgPath -WhatIf
        Get-FolderSnapshot $script:DataDir | Should -Be $before
    }

    It '-WhatIf still reports bad input' {
        { Add-DcSource -Name 'bad name' -Type postgresql -Path $script:PgPath -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcSourceNameInvalid')
    }

    It '-PassThru returns one DataCompass.DcSource; without it there is no output' {
        $none = Add-DcSource -Name 'quiet' -Type postgresql -Path $script:PgPath -ErrorAction Stop
        $none | Should -BeNullOrEmpty

        $output = @(Add-DcSource -Name 'loud' -Type postgresql -Path $script:PgPath -DisplayName 'Loud' -PassThru -ErrorAction Stop)
        $output.Count | Should -Be 1
        $output[0] | Should -BeOfType ([DataCompass.DcSource])
        $output[0].Name | Should -BeExactly 'loud'
        $output[0].DisplayName | Should -BeExactly 'Loud'
        $output[0].Type | Should -BeExactly 'postgresql'
        $output[0].Database | Should -Be (Join-Path $script:DataDir 'datacompass.db')
        $output[0].Fields.Count | Should -Be 10
        $output[0].Id | Should -BeGreaterThan (Get-DcSource -Name 'quiet').Id
    }

    It '-Database <Relative> resolves against the current location, not the process directory' -TestCases @(
        @{ Relative = 'rel.db' }
        @{ Relative = './sub/dir/rel.db' }
    ) {
        Push-Location -LiteralPath $script:Work
        try {
            [Environment]::CurrentDirectory | Should -Not -Be $script:Work
            $output = Add-DcSource -Name 'rel' -Type postgresql -Path 'pg.yaml' -Database $Relative -PassThru -ErrorAction Stop
        }
        finally {
            Pop-Location
        }
        $expected = [IO.Path]::GetFullPath((Join-Path $script:Work $Relative))
        Test-Path -LiteralPath $expected | Should -BeTrue
        $output.Database | Should -Be $expected
        Test-Path -LiteralPath (Join-Path ([Environment]::CurrentDirectory) $Relative) | Should -BeFalse
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
        (Get-DcSource -Database $expected).Name | Should -Be 'rel'
    }

    It 'accepts a provider-qualified -Path and -Database' {
        $db = Join-Path $script:Work 'pspath.db'
        Add-DcSource -Name 'ps' -Type postgresql -ErrorAction Stop `
            -Path "Microsoft.PowerShell.Core\FileSystem::$($script:PgPath)" `
            -Database "Microsoft.PowerShell.Core\FileSystem::$db"
        (Get-DcSource -Database $db).Name | Should -Be 'ps'
    }

    It 'refuses a -Path on the <Provider> provider with DcPathNotFileSystem' -TestCases @(
        @{ Provider = 'Environment'; Path = 'Env:\PATH' }
        @{ Provider = 'Variable'; Path = 'Variable:\PSHOME' }
    ) {
        $err = { Add-DcSource -Name 'x' -Type postgresql -Path $Path -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcPathNotFileSystem') -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*-Path*$([WildcardPattern]::Escape($Path))*$Provider*"
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
    }

    It 'refuses a -Database on the Environment provider with DcPathNotFileSystem' {
        $err = { Add-DcSource -Name 'x' -Type postgresql -Path $script:PgPath -Database 'Env:\DC_NOT_A_FILE' -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-AddErrorId 'DcPathNotFileSystem') -PassThru
        $err.Exception.Message | Should -BeLike '*-Database*'
        Test-Path -LiteralPath $script:DataDir | Should -BeFalse
    }
}

Describe 'Add-DcSource file modes of a new catalog' -Tag 'Integration' -Skip:$IsWindows {
    BeforeAll {
        $script:PrivateFile = [IO.UnixFileMode]'UserRead, UserWrite'
        $script:PrivateFolder = [IO.UnixFileMode]'UserRead, UserWrite, UserExecute'
    }
    AfterEach { $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir }

    It 'creates the data folder 0700 and the database 0600' {
        $dataDir = Use-FreshDataDir
        Add-DcSource -Name 'prod' -Type postgresql -Path (New-YamlFile $script:PgReferenceYaml) -ErrorAction Stop
        (Get-Item -LiteralPath $dataDir).UnixFileMode | Should -Be $script:PrivateFolder
        (Get-Item -LiteralPath (Join-Path $dataDir 'datacompass.db')).UnixFileMode | Should -Be $script:PrivateFile
    }

    It 'creates a new -Database folder 0700 and file 0600' {
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $db = Join-Path $folder 'catalog.db'
        Add-DcSource -Name 'prod' -Type postgresql -Path (New-YamlFile $script:PgReferenceYaml) -Database $db -ErrorAction Stop
        (Get-Item -LiteralPath $folder).UnixFileMode | Should -Be $script:PrivateFolder
        (Get-Item -LiteralPath $db).UnixFileMode | Should -Be $script:PrivateFile
    }

    It 'leaves no catalog file (-wal and -shm included) readable by group or others' {
        $dataDir = Use-FreshDataDir
        Add-DcSource -Name 'prod' -Type postgresql -Path (New-YamlFile $script:PgReferenceYaml) -ErrorAction Stop
        $null = Get-DcSource
        $others = [IO.UnixFileMode]'GroupRead, GroupWrite, GroupExecute, OtherRead, OtherWrite, OtherExecute'
        $files = @(Get-ChildItem -LiteralPath $dataDir -Force -File)
        $files.Count | Should -BeGreaterThan 0
        foreach ($file in $files) {
            ($file.UnixFileMode -band $others) | Should -Be ([IO.UnixFileMode]::None) -Because "$($file.Name) holds catalog data"
        }
    }
}

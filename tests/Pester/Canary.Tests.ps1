# The secret-leak sweep. One child pwsh, with a transcript and every stream turned on, adds sources whose
# secrets are unique canaries (behind ${VAR} references, or typed literally into bad input), shows and
# resolves them every usual way and triggers the usual errors. Then every file that could hold a secret is
# searched for every canary: the catalog data folder (db, -wal, -shm), the transcript, the captured streams,
# the $Error dump and the child's stdout. Positive controls prove each file is the one that was meant.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    # Each canary has characters that JSON and URL encoding change; its GUID part is searched on its own too,
    # so an escaped or encoded copy is found as well as a verbatim one.
    $script:Canaries = [ordered]@{
        PostgresPassword   = New-Canary 'pg"pw/ö+'
        SnowflakePassword  = New-Canary 'sf pw&='
        DatabricksToken    = New-Canary 'dapi\tok'
        DatabricksSecret   = New-Canary 'sp%secret'
        YamlLiteral        = New-Canary 'yaml"lit'
        HashtableLiteral   = New-Canary 'ht&lit'
        # In a database the Python tool wrote: a plaintext password and an undeclared key that looks secret.
        LegacyPassword     = New-Canary 'legacy"pw'
        LegacyApiKey       = New-Canary 'legacy/api key'
    }

    $root = Join-Path $TestDrive 'canary'
    $script:DataDir = Join-Path $root 'data'
    $script:LegacyDb = Join-Path $root 'legacy/python.db'
    # connection_info as the Python tool's json.dumps wrote it (ConvertTo-Json escapes the same characters here).
    $script:LegacyJson = '{{"host": "legacy.example.com", "port": 5432, "database": "app", "username": "bob", "password": {0}, "ssl_mode": "prefer", "schema_filter": null, "exclude_schemas": ["pg_catalog", "information_schema", "pg_toast"], "connect_timeout": 10, "query_timeout": 300, "api_key": {1}}}' -f
        ($script:Canaries.LegacyPassword | ConvertTo-Json), ($script:Canaries.LegacyApiKey | ConvertTo-Json)
    $script:OutDir = Join-Path $root 'out'
    $inDir = Join-Path $root 'in'
    $null = New-Item -ItemType Directory -Path $script:OutDir, $inDir

    # Source configs. References only, except the bad inputs, which carry a literal canary.
    $yamlLiteral = $script:Canaries.YamlLiteral
    $files = @{
        'pg.yaml'        = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: `${DCT_PG_PASSWORD}`n"
        'sf.yaml'        = "account: acme-xy12345`nwarehouse: WH`ndatabase: DB`nusername: svc`npassword: `${DCT_SF_PASSWORD}`nrole: READER`n"
        'dbx.yaml'       = "host: adb-1.azuredatabricks.net`nhttp_path: /sql/1.0/warehouses/abc`ncatalog: main`naccess_token: `${DCT_DBX_TOKEN}`n"
        'dbxsp.yaml'     = "host: adb-2.azuredatabricks.net`nhttp_path: /sql/1.0/warehouses/def`ncatalog: main`nauth_method: service_principal`nclient_id: 00000000-app`nclient_secret: `${DCT_DBX_CLIENT_SECRET}`ntenant_id: 11111111-tenant`n"
        # Resolution errors: a variable that is not set beside a resolved secret; a secret variable in an integer field.
        'pgmissing.yaml' = "host: `${DCT_UNSET_HOST}`ndatabase: app`nusername: alice`npassword: `${DCT_PG_PASSWORD}`n"
        'pgswapped.yaml' = "host: pg.example.com`nport: `${DCT_PG_PASSWORD}`ndatabase: app`nusername: alice`npassword: `${DCT_PG_PASSWORD}`n"
        # Add-time errors with a literal secret in the input.
        'literal.yaml'   = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: '$yamlLiteral'`n"
        'typo.yaml'      = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: `${DCT_PG_PASSWORD}`npasword: '$yamlLiteral'`n"
        'listpw.yaml'    = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: ['$yamlLiteral']`n"
        'broken.yaml'    = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: '$yamlLiteral`nssl_mode: require`n"
        'nospace.yaml'   = "host: pg.example.com`ndatabase: app`nusername: alice`npassword:$yamlLiteral`n"
        'badtype.yaml'   = "account: acme`nwarehouse: WH`ndatabase: DB`nusername: svc`npassword: '$yamlLiteral'`nconnect_timeout: '$yamlLiteral'`n"
    }
    foreach ($name in $files.Keys) { Set-Content -Path (Join-Path $inDir $name) -Value $files[$name] -NoNewline }

    $child = @'
$ErrorActionPreference = 'Continue'
Remove-Item Env:DCT_UNSET_HOST -ErrorAction Ignore
# Hermetic: no SecretManagement (or anything else) from the user's module folders.
$env:PSModulePath = Join-Path $PSHOME 'Modules'
$PSStyle.OutputRendering = 'PlainText'
$out = $env:DCTEST_OUT
$in = $env:DCTEST_IN
$null = Start-Transcript -Path (Join-Path $out 'transcript.txt')

# A catalog written by the Python tool, with secrets in the clear (outside the data folder swept for canaries).
$deps = Join-Path (Split-Path -Parent $env:DCTEST_MODULE) 'deps'
foreach ($name in 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3', 'SQLitePCLRaw.batteries_v2', 'Microsoft.Data.Sqlite') { Add-Type -Path (Join-Path $deps "$name.dll") }
$os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
$native = if ($IsWindows) { 'e_sqlite3.dll' } elseif ($IsMacOS) { 'libe_sqlite3.dylib' } else { 'libe_sqlite3.so' }
$null = [Runtime.InteropServices.NativeLibrary]::Load((Join-Path $deps "runtimes/$os-$([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant())/native/$native"))
[SQLitePCL.Batteries_V2]::Init()
$null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $env:DCTEST_LEGACY_DB)
$connection = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$($env:DCTEST_LEGACY_DB);Pooling=False")
$connection.Open()
foreach ($sql in @(
        'CREATE TABLE data_sources (id INTEGER NOT NULL, name VARCHAR(255) NOT NULL, display_name VARCHAR(255), source_type VARCHAR(50) NOT NULL, connection_info JSON NOT NULL, sync_config JSON, is_active BOOLEAN NOT NULL, last_scan_at DATETIME, last_scan_status VARCHAR(50), last_scan_message TEXT, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id))'
        'CREATE UNIQUE INDEX ix_data_sources_name ON data_sources (name)'
        'INSERT INTO data_sources (name, display_name, source_type, connection_info, sync_config, is_active, created_at, updated_at) VALUES (''legacy'', NULL, ''postgresql'', $info, ''null'', 1, ''2024-01-02 03:04:05'', ''2024-01-02 03:04:05'')')) {
    $command = $connection.CreateCommand()
    $command.CommandText = $sql
    $null = $command.Parameters.AddWithValue('$info', $env:DCTEST_LEGACY_JSON)
    $null = $command.ExecuteNonQuery()
}
$connection.Dispose()
$legacy = $env:DCTEST_LEGACY_DB

$VerbosePreference = 'Continue'
$DebugPreference = 'Continue'
$InformationPreference = 'Continue'
$WarningPreference = 'Continue'
Import-Module $env:DCTEST_MODULE

$steps = @(
    # Good sources, all secrets behind references; the catalog is $env:DATACOMPASS_DATA_DIR/datacompass.db.
    { Add-DcSource -Name pg -Type postgresql -Path "$in/pg.yaml" -PassThru }
    { Add-DcSource -Name sf -Type snowflake -Path "$in/sf.yaml" -PassThru }
    { Add-DcSource -Name dbx -Type databricks -Path "$in/dbx.yaml" -PassThru }
    { Add-DcSource -Name dbxsp -Type databricks -Path "$in/dbxsp.yaml" -PassThru -DisplayName 'Service principal' }
    { Add-DcSource -Name pgmissing -Type postgresql -Path "$in/pgmissing.yaml" -PassThru }
    { Add-DcSource -Name pgswapped -Type postgresql -Path "$in/pgswapped.yaml" -PassThru }

    # Bad input carrying a literal secret: refused, and the message names things, never the value.
    { Add-DcSource -Name literal -Type postgresql -Path "$in/literal.yaml" }
    { Add-DcSource -Name typo -Type postgresql -Path "$in/typo.yaml" }
    { Add-DcSource -Name listpw -Type postgresql -Path "$in/listpw.yaml" }
    { Add-DcSource -Name broken -Type postgresql -Path "$in/broken.yaml" }
    { Add-DcSource -Name nospace -Type postgresql -Path "$in/nospace.yaml" }
    { Add-DcSource -Name badtype -Type snowflake -Path "$in/badtype.yaml" -AllowPlaintext -WhatIf }
    { Add-DcSource -Name badtype -Type snowflake -Path "$in/badtype.yaml" }
    { Add-DcSource -Name whatif -Type postgresql -Path "$in/literal.yaml" -AllowPlaintext -WhatIf }
    { Add-DcSource -Name ht -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = (ConvertTo-SecureString $env:DCT_LITERAL -AsPlainText -Force) } }
    { Add-DcSource -Name ht2 -Type databricks -Connection @{ host = 'h'; http_path = '/p'; catalog = 'c'; access_token = '${DCT_DBX_TOKEN}'; client_secrett = $env:DCT_LITERAL } }
    { Add-DcSource -Name ht3 -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $env:DCT_LITERAL } }
    { Add-DcSource -Name pg -Type postgresql -Path "$in/pg.yaml" }

    # Showing sources, every usual way.
    { Get-DcSource }
    { Get-DcSource | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSource | Format-List * | Out-String -Width 400 }
    { Get-DcSource | ForEach-Object Fields | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSource | ConvertTo-Json -Depth 6 }
    { Get-DcSource | ForEach-Object { $_.ToString(); $_.Secrets; $_.Fields | ForEach-Object { $_.ToString() } } }
    { Get-DcSource -Name nosuch }

    # Resolving them (no -AsPlainText), every usual way.
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp }
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp | Format-List * | Out-String -Width 400 }
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp | ForEach-Object { $_.Settings | Out-String -Width 400; $_.Credential | Format-List * | Out-String; "$_" } }
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp | ConvertTo-Json -Depth 4 }
    { Get-DcSource | Get-DcSourceConnection | Out-String -Width 400 }

    # The Python tool's catalog with plaintext secrets, plus one added with -AllowPlaintext (a warning, by design
    # stored in the clear): shown and resolved (no -AsPlainText) without revealing them.
    { Add-DcSource -Name plain -Type postgresql -Path "$in/literal.yaml" -AllowPlaintext -Database $legacy -PassThru }
    { Get-DcSource -Database $legacy | Format-List * | Out-String -Width 400 }
    { Get-DcSource -Database $legacy | ForEach-Object Fields | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSource -Database $legacy | ConvertTo-Json -Depth 6 }
    { Get-DcSourceConnection -Name legacy -Database $legacy | Format-List * | Out-String -Width 400 }
    { Get-DcSourceConnection -Name legacy -Database $legacy | ForEach-Object { $_.Settings | Out-String -Width 400 } }
    { Get-DcSourceConnection -Name legacy -Database $legacy | ConvertTo-Json -Depth 4 }

    # Resolution errors with secrets resolved in the same call.
    { Get-DcSourceConnection -Name pgmissing }
    { Get-DcSourceConnection -Name pgswapped }
    { Get-DcSourceConnection -Name nosuch }
)

. $env:DCTEST_SWEEP
$errorIds = Invoke-CanarySweep -Steps $steps -Out $out
$VerbosePreference = 'SilentlyContinue'
$DebugPreference = 'SilentlyContinue'

# Positive control, outside every capture: the canaries really were resolved in this process.
$plain = { param($secure) [System.Net.NetworkCredential]::new('', $secure).Password }
$result = @{
    ErrorIds = $errorIds
    Resolved = @{
        pg = ((Get-DcSourceConnection -Name pg).Credential.GetNetworkCredential().Password -ceq $env:DCT_PG_PASSWORD)
        sf = ((Get-DcSourceConnection -Name sf).Credential.GetNetworkCredential().Password -ceq $env:DCT_SF_PASSWORD)
        dbx = ((& $plain (Get-DcSourceConnection -Name dbx).Settings['access_token']) -ceq $env:DCT_DBX_TOKEN)
        dbxsp = ((& $plain (Get-DcSourceConnection -Name dbxsp).Settings['client_secret']) -ceq $env:DCT_DBX_CLIENT_SECRET)
    }
    Names = @(Get-DcSource | ForEach-Object Name)
    LegacyNames = @(Get-DcSource -Database $legacy | ForEach-Object Name)
    # Every field Get-DcSource calls secret must come back from Get-DcSourceConnection as a SecureString.
    SecretFieldTypes = @(
        foreach ($name in 'legacy', 'plain') {
            $shown = Get-DcSource -Name $name -Database $legacy
            $resolved = Get-DcSourceConnection -Name $name -Database $legacy
            foreach ($field in @($shown.Fields | Where-Object IsSecret)) {
                $value = $resolved.Settings[$field.Name]
                '{0}.{1}={2}' -f $name, $field.Name, $(if ($null -eq $value) { 'null' } else { $value.GetType().Name })
            }
        })
}
'RESULT:' + ($result | ConvertTo-Json -Compress -Depth 4)
'@

    $script:Run = Invoke-ChildPwsh -Script $child -Environment @{
        DCTEST_SWEEP = (Join-Path $PSScriptRoot 'CanarySweep.ps1')
        DCTEST_MODULE = $script:DcModulePath
        DCTEST_OUT = $script:OutDir
        DCTEST_IN = $inDir
        DCTEST_LEGACY_DB = $script:LegacyDb
        DCTEST_LEGACY_JSON = $script:LegacyJson
        DATACOMPASS_DATA_DIR = $script:DataDir
        DCT_PG_PASSWORD = $script:Canaries.PostgresPassword
        DCT_SF_PASSWORD = $script:Canaries.SnowflakePassword
        DCT_DBX_TOKEN = $script:Canaries.DatabricksToken
        DCT_DBX_CLIENT_SECRET = $script:Canaries.DatabricksSecret
        DCT_LITERAL = $script:Canaries.HashtableLiteral
        DCT_UNSET_HOST = [NullString]::Value   # unset ($null would set it to '')
    }
    $script:StdoutFile = Join-Path $script:OutDir 'stdout.txt'
    Set-Content -Path $script:StdoutFile -Value $script:Run.Text
    $line = @($script:Run.Output | Where-Object { $_ -like 'RESULT:*' }) | Select-Object -Last 1
    $script:Result = if ($line) { $line.Substring('RESULT:'.Length) | ConvertFrom-Json } else { $null }

}

Describe 'No secret value leaks' {
    It 'ran the sweep: the child finished and resolved every canary' {
        $script:Result | Should -Not -BeNullOrEmpty -Because $script:Run.Text
        $script:Run.ExitCode | Should -Be 0 -Because $script:Run.Text
        $script:Result.Resolved.pg | Should -BeTrue
        $script:Result.Resolved.sf | Should -BeTrue
        $script:Result.Resolved.dbx | Should -BeTrue
        $script:Result.Resolved.dbxsp | Should -BeTrue
        @($script:Result.Names | Sort-Object) | Should -Be @('dbx', 'dbxsp', 'pg', 'pgmissing', 'pgswapped', 'sf')
    }

    It 'returns every field Get-DcSource calls secret as a SecureString from Get-DcSourceConnection (Python catalog)' {
        @($script:Result.LegacyNames | Sort-Object) | Should -Be @('legacy', 'plain')
        $script:Result.SecretFieldTypes | Should -Be @('legacy.password=SecureString', 'legacy.api_key=SecureString', 'plain.password=SecureString')
    }

    It 'triggered the errors it meant to' {
        $ids = @($script:Result.ErrorIds)
        foreach ($expected in @(
                (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource')
                (Get-DcErrorId 'DcSourceInvalid' 'Add-DcSource')
                (Get-DcErrorId 'DcSourceFileInvalid' 'Add-DcSource')
                (Get-DcErrorId 'DcSourceExists' 'Add-DcSource')
                (Get-DcErrorId 'DcSourceNotFound' 'Get-DcSource')
                (Get-DcErrorId 'DcEnvironmentVariableNotSet' 'Get-DcSourceConnection')
                (Get-DcErrorId 'DcSourceInvalid' 'Get-DcSourceConnection')
                (Get-DcErrorId 'DcSourceNotFound' 'Get-DcSourceConnection'))) {
            $ids | Should -Contain $expected
        }
    }

    It 'puts only DataCompass ErrorRecords with stable ErrorIds into $Error (no internal exceptions)' {
        $ids = @($script:Result.ErrorIds)
        $ids.Count | Should -BeGreaterThan 0
        @($ids | Where-Object { $_ -notmatch '^Dc[A-Za-z]+,DataCompass\.Commands\.[A-Za-z]+Command$' }) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in the catalog data folder (db, -wal, -shm)' {
        $files = @(Get-ChildItem -Path $script:DataDir -Recurse -File -Force | ForEach-Object FullName)
        $files | Should -Contain (Join-Path $script:DataDir 'datacompass.db')
        # Positive control: the references are there, so this is the catalog that was written.
        foreach ($reference in '${DCT_PG_PASSWORD}', '${DCT_SF_PASSWORD}', '${DCT_DBX_TOKEN}', '${DCT_DBX_CLIENT_SECRET}') {
            Test-AnyContains -Path $files -Text $reference | Should -BeTrue -Because "the catalog stores the reference $reference"
        }
        @(Find-Canary -Path $files -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in the transcript' {
        $transcript = Join-Path $script:OutDir 'transcript.txt'
        $transcript | Should -Exist
        foreach ($expected in 'dbxsp', 'VERBOSE:', 'DcEnvironmentVariableNotSet', 'DcPlaintextSecretRefused', 'DCT_UNSET_HOST', '${DCT_PG_PASSWORD}', '(SecureString)', 'What if:') {
            Test-BytesContain -Path $transcript -Text $expected | Should -BeTrue -Because "the transcript records '$expected'"
        }
        @(Find-Canary -Path $transcript -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in any stream (output, error, warning, verbose, debug, information)' {
        $streams = Join-Path $script:OutDir 'streams.txt'
        $streams | Should -Exist
        foreach ($expected in 'DcPlaintextSecretRefused', 'DcSourceFileInvalid', 'DcSourceInvalid', 'DcEnvironmentVariableNotSet', 'DcSourceExists',
            'DcSourceNotFound', 'Added source', '${DCT_SF_PASSWORD}', 'client_secret', 'pasword', 'WARNING: Source ''plain''', '(plaintext)') {
            Test-BytesContain -Path $streams -Text $expected | Should -BeTrue -Because "the captured streams hold '$expected'"
        }
        @(Find-Canary -Path $streams -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in $Error (messages, targets, exception text)' {
        $errors = Join-Path $script:OutDir 'errors.txt'
        $errors | Should -Exist
        foreach ($expected in 'DcPlaintextSecretRefused', 'DcEnvironmentVariableNotSet', 'DCT_UNSET_HOST', 'InvalidDataException', 'TargetObject') {
            Test-BytesContain -Path $errors -Text $expected | Should -BeTrue -Because "the `$Error dump holds '$expected'"
        }
        @(Find-Canary -Path $errors -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in the child''s stdout and stderr' {
        Test-BytesContain -Path $script:StdoutFile -Text 'RESULT:' | Should -BeTrue
        @(Find-Canary -Path $script:StdoutFile -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'can see a canary where one is (the search itself works)' {
        # The config files and the Python tool's catalog hold canaries on purpose: a search that finds nothing there is broken.
        @(Find-Canary -Path (Join-Path $TestDrive 'canary/in/literal.yaml') -Canaries $script:Canaries) | Should -Not -BeNullOrEmpty
        $legacyHits = @(Find-Canary -Path $script:LegacyDb -Canaries $script:Canaries)
        $legacyHits -like 'LegacyPassword (GUID part)*' | Should -Not -BeNullOrEmpty -Because 'json.dumps escaped its quote: the GUID part still shows'
        $legacyHits -like 'LegacyApiKey (verbatim)*' | Should -Not -BeNullOrEmpty
        $utf16 = Join-Path $TestDrive 'canary/utf16.txt'
        [IO.File]::WriteAllText($utf16, "x $($script:Canaries.DatabricksToken) y", [Text.Encoding]::Unicode)
        @(Find-Canary -Path $utf16 -Canaries $script:Canaries) | Should -Not -BeNullOrEmpty
        $escaped = Join-Path $TestDrive 'canary/escaped.txt'
        Set-Content -Path $escaped -Value ([uri]::EscapeDataString($script:Canaries.PostgresPassword))
        @(Find-Canary -Path $escaped -Canaries $script:Canaries) | Should -Not -BeNullOrEmpty
    }
}

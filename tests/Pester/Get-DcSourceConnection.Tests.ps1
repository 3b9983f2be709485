#Requires -Version 7.4
# Get-DcSourceConnection: references resolved at call time with the Python tool's ${VAR} rules, secrets as
# SecureString and PSCredential, per-field errors that name things but never values, and no resolved value in
# the database or in any stream.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:ModuleManifest = (Resolve-Path -LiteralPath $script:DcModulePath).Path
    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DB_PASSWORD', 'DB_USER', 'DB_HOST', 'DB_PORT', 'DB_DOMAIN', 'DB_SCHEMA',
        'OTHER', 'DATABRICKS_TOKEN', 'SF_PASSWORD')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Clear-TestVariables {
        foreach ($name in $script:EnvNames) {
            if ($name -ne 'DATACOMPASS_DATA_DIR') { Set-TestVariable $name $null }
        }
    }

    function New-YamlFile([string] $Text) {
        $path = Join-Path $TestDrive ("{0}.yaml" -f [guid]::NewGuid().ToString('n'))
        Set-Content -LiteralPath $path -Value $Text -Encoding utf8NoBOM
        return $path
    }

    function Add-PgSource {
        param(
            [Parameter(Mandatory)] [string] $Name,
            [hashtable] $Fields = @{},
            [string] $Database
        )
        $connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = '${DB_PASSWORD}' }
        foreach ($key in $Fields.Keys) { $connection[$key] = $Fields[$key] }
        $arguments = @{ Name = $Name; Type = 'postgresql'; Connection = $connection; ErrorAction = 'Stop' }
        if ($Database) { $arguments.Database = $Database }
        Add-DcSource @arguments
    }

    function Get-CatalogFiles {
        # The database and its -wal/-shm/-journal companions.
        Get-ChildItem -LiteralPath $env:DATACOMPASS_DATA_DIR -File -Force | Where-Object Name -Like 'datacompass.db*'
    }

    function Test-CatalogContains([string] $Text) {
        foreach ($file in Get-CatalogFiles) {
            if (Test-BytesContain $file.FullName $Text) { return $true }
        }
        return $false
    }

    function ConvertTo-PlainText([securestring] $Secure) {
        [System.Net.NetworkCredential]::new('', $Secure).Password
    }

    function Invoke-ChildPwshWithEnvironment {
        <#
        .SYNOPSIS
            Runs a script in a fresh pwsh whose environment is set at process start, so a variable can be set to
            the empty string (.NET and PowerShell delete a variable set to '' in-process).
        #>
        param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $scriptFile = Join-Path $TestDrive ("child-{0}.ps1" -f [guid]::NewGuid().ToString('n'))
        Set-Content -LiteralPath $scriptFile -Value $Script
        $exe = [Environment]::ProcessPath
        $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
        if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $scriptFile) { $info.ArgumentList.Add($argument) }
        foreach ($key in $Environment.Keys) { $info.Environment[$key] = $Environment[$key] }
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        $lines = @(($stdout + $stderr.Result) -split '\r?\n' | Where-Object { $_ -ne '' })
        [pscustomobject]@{ Output = $lines; ExitCode = $process.ExitCode; Text = ($lines -join [Environment]::NewLine) }
    }
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Get-DcSourceConnection' {
    BeforeEach {
        Restore-TestEnvironment
        Clear-TestVariables
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive (New-Guid)
        $script:DbPath = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
    }

    AfterEach {
        Restore-TestEnvironment
    }

    Context 'resolving ${VAR} at connection time' {
        It 'declares DataCompass.DcSourceConnection as its output type' {
            (Get-Command Get-DcSourceConnection).OutputType.Name | Should -Contain 'DataCompass.DcSourceConnection'
        }

        It 'returns the password as a SecureString and a PSCredential with the user name and the same password' {
            $canary = New-Canary 'PgPassword'
            Add-PgSource -Name 'prod' -Fields @{ username = 'alice' }
            $env:DB_PASSWORD = $canary

            $connection = Get-DcSourceConnection -Name 'prod'
            $connection | Should -BeOfType ([DataCompass.DcSourceConnection])
            $connection.Name | Should -Be 'prod'
            $connection.Type | Should -Be 'postgresql'
            $connection.Settings.password | Should -BeOfType ([securestring])
            ConvertTo-PlainText $connection.Settings.password | Should -BeExactly $canary
            $connection.Credential | Should -BeOfType ([pscredential])
            $connection.Credential.UserName | Should -BeExactly 'alice'
            $connection.Credential.Password | Should -BeOfType ([securestring])
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $canary
        }

        It 'returns every field in declaration order with typed values' {
            Add-PgSource -Name 'prod' -Fields @{ port = '6543' }
            $env:DB_PASSWORD = 'x'
            $connection = Get-DcSourceConnection 'prod'
            @($connection.Settings.Keys) | Should -Be @('host', 'port', 'database', 'username', 'password', 'ssl_mode',
                'schema_filter', 'exclude_schemas', 'connect_timeout', 'query_timeout')
            $connection.Settings.host | Should -BeExactly 'db.example.com'
            $connection.Settings.port | Should -Be 6543
            $connection.Settings.port | Should -BeOfType ([long])
            $connection.Settings.ssl_mode | Should -BeExactly 'prefer'
            $connection.Settings.schema_filter | Should -BeNullOrEmpty
            @($connection.Settings.exclude_schemas) | Should -Be @('pg_catalog', 'information_schema', 'pg_toast')
        }

        It 'returns plain strings with -AsPlainText' {
            $canary = New-Canary 'PgPassword'
            Add-PgSource -Name 'prod'
            $env:DB_PASSWORD = $canary
            $connection = Get-DcSourceConnection -Name 'prod' -AsPlainText
            $connection.Settings.password | Should -BeOfType ([string])
            $connection.Settings.password | Should -BeExactly $canary
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $canary
        }

        It 'resolves non-secret fields too, several placeholders in one value included' {
            $path = New-YamlFile @'
host: ${DB_HOST}.${DB_DOMAIN}
port: ${DB_PORT}
database: sales
username: ${DB_USER}
password: ${DB_PASSWORD}
'@
            Add-DcSource -Name 'prod' -Type postgresql -Path $path -ErrorAction Stop
            $env:DB_HOST = 'pg01'
            $env:DB_DOMAIN = 'corp.example'
            $env:DB_PORT = '6000'
            $env:DB_USER = 'bob'
            $env:DB_PASSWORD = 'pw'
            $connection = Get-DcSourceConnection 'prod'
            $connection.Settings.host | Should -BeExactly 'pg01.corp.example'
            $connection.Settings.port | Should -Be 6000
            $connection.Credential.UserName | Should -BeExactly 'bob'
        }

        It 'resolves again on every call: changing the variable changes the result' {
            $first = New-Canary 'First'
            $second = New-Canary 'Second'
            Add-PgSource -Name 'prod'
            $env:DB_PASSWORD = $first
            (Get-DcSourceConnection 'prod' -AsPlainText).Settings.password | Should -BeExactly $first
            $env:DB_PASSWORD = $second
            (Get-DcSourceConnection 'prod' -AsPlainText).Settings.password | Should -BeExactly $second
            (Get-DcSourceConnection 'prod').Credential.GetNetworkCredential().Password | Should -BeExactly $second
        }

        It 'caches nothing in the database: the placeholder stays, the values never land there' {
            $first = New-Canary 'First'
            $second = New-Canary 'Second'
            Add-PgSource -Name 'prod'
            $env:DB_PASSWORD = $first
            $null = Get-DcSourceConnection 'prod'
            $env:DB_PASSWORD = $second
            $null = Get-DcSourceConnection 'prod' -AsPlainText
            Test-CatalogContains '${DB_PASSWORD}' | Should -BeTrue
            Test-CatalogContains $first | Should -BeFalse
            Test-CatalogContains $second | Should -BeFalse
            ((Get-DcSource 'prod').Fields | Where-Object Name -EQ 'password').Value | Should -BeExactly '${DB_PASSWORD}'
        }

        It 'uses the default of ${VAR:-default} when the variable is unset' {
            Add-PgSource -Name 'prod' -Fields @{ host = '${DB_HOST:-fallback.example.com}'; database = '${DB_SCHEMA:-}' }
            $env:DB_PASSWORD = 'pw'
            $connection = Get-DcSourceConnection 'prod'
            $connection.Settings.host | Should -BeExactly 'fallback.example.com'
            $connection.Settings.database | Should -BeExactly ''
            $env:DB_HOST = 'real.example.com'
            (Get-DcSourceConnection 'prod').Settings.host | Should -BeExactly 'real.example.com'
        }

        It 'lets a set-but-empty variable win over the default; for a required secret that means no credential' -Skip:$IsWindows {
            $canary = New-Canary 'Default'
            $database = Join-Path $TestDrive "empty-$(New-Guid).db"
            $script = @'
$ErrorActionPreference = 'Stop'
Import-Module '__MODULE__'
Add-DcSource -Name 'prod' -Type postgresql -Database '__DB__' -WarningAction SilentlyContinue -AllowPlaintext -Connection @{
    host = '${DB_HOST:-fallback.example.com}'; database = 'sales'; username = 'app'; password = '${DB_PASSWORD:-__CANARY__}' }
'SET=' + (Test-Path env:DB_PASSWORD) + ',' + (Test-Path env:DB_HOST)
try { $null = Get-DcSourceConnection -Name 'prod' -Database '__DB__' -AsPlainText } catch { 'ERROR=' + $_.FullyQualifiedErrorId.Split(',')[0] }
$env:DB_PASSWORD = 'pw'
$connection = Get-DcSourceConnection -Name 'prod' -Database '__DB__' -AsPlainText
'HOST=[' + $connection.Settings.host + ']'
'@ -replace '__MODULE__', $script:ModuleManifest -replace '__DB__', $database -replace '__CANARY__', $canary
            $result = Invoke-ChildPwshWithEnvironment -Script $script -Environment @{ DB_PASSWORD = ''; DB_HOST = '' }
            $result.ExitCode | Should -Be 0 -Because $result.Text
            $result.Output | Should -Contain 'SET=True,True'
            $result.Output | Should -Contain 'ERROR=DcSecretEmpty'
            $result.Output | Should -Contain 'HOST=[]'
            $result.Text | Should -Not -BeLike "*$canary*"
        }

        It 'does one pass: a value that looks like a placeholder is returned verbatim' {
            Add-PgSource -Name 'prod' -Fields @{ host = '${DB_HOST}' }
            $env:DB_PASSWORD = '${OTHER}'
            $env:DB_HOST = '${OTHER:-nested}'
            $env:OTHER = 'must-not-appear'
            $connection = Get-DcSourceConnection 'prod' -AsPlainText
            $connection.Settings.password | Should -BeExactly '${OTHER}'
            $connection.Settings.host | Should -BeExactly '${OTHER:-nested}'
        }

        It 'leaves $VAR and ${VAR-d} literal' {
            Add-PgSource -Name 'prod' -Fields @{ schema_filter = '$DB_SCHEMA|${DB_SCHEMA-d}|$(DB_SCHEMA)|${DB_SCHEMA:d}' }
            $env:DB_PASSWORD = 'pw'
            $env:DB_SCHEMA = 'must-not-appear'
            (Get-DcSourceConnection 'prod').Settings.schema_filter | Should -BeExactly '$DB_SCHEMA|${DB_SCHEMA-d}|$(DB_SCHEMA)|${DB_SCHEMA:d}'
        }

        It 'gives a snowflake source a PSCredential' {
            $path = New-YamlFile @'
account: acme-eu1
warehouse: COMPUTE_WH
database: ANALYTICS
username: loader
password: ${SF_PASSWORD}
'@
            Add-DcSource -Name 'warehouse' -Type snowflake -Path $path -ErrorAction Stop
            $env:SF_PASSWORD = 'sf-pw'
            $connection = Get-DcSourceConnection 'warehouse'
            $connection.Credential.UserName | Should -BeExactly 'loader'
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly 'sf-pw'
        }

        It 'gives a databricks source no Credential and its token as a SecureString' {
            $canary = New-Canary 'Token'
            $path = New-YamlFile @'
host: adb-1234.azuredatabricks.net
http_path: /sql/1.0/warehouses/abc
catalog: main
access_token: ${DATABRICKS_TOKEN}
'@
            Add-DcSource -Name 'lake' -Type databricks -Path $path -ErrorAction Stop
            $env:DATABRICKS_TOKEN = $canary
            $connection = Get-DcSourceConnection 'lake'
            $connection.Credential | Should -BeNullOrEmpty
            $connection.Settings.access_token | Should -BeOfType ([securestring])
            ConvertTo-PlainText $connection.Settings.access_token | Should -BeExactly $canary
            $connection.Settings.client_secret | Should -BeNullOrEmpty
            $connection.Settings.auth_method | Should -BeExactly 'personal_token'
        }
    }

    Context 'errors' {
        It 'reports an unset variable as DcEnvironmentVariableNotSet naming variable, source and field, and emits no connection' {
            Add-PgSource -Name 'prod'
            $output = Get-DcSourceConnection 'prod' -ErrorVariable errors -ErrorAction SilentlyContinue
            $output | Should -BeNullOrEmpty -Because 'a half-filled connection (a null credential) would be worse than none'
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEnvironmentVariableNotSet' 'Get-DcSourceConnection')
            $errors[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
            $errors[0].TargetObject | Should -Be 'DB_PASSWORD'
            $errors[0].Exception.Message | Should -BeLike "*'DB_PASSWORD'*"
            $errors[0].Exception.Message | Should -BeLike "*'prod'*"
            $errors[0].Exception.Message | Should -BeLike "*'password'*"
            { Get-DcSourceConnection 'prod' -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcEnvironmentVariableNotSet' 'Get-DcSourceConnection')
        }

        It 'reports every missing variable: two fields, two errors' {
            Add-PgSource -Name 'prod' -Fields @{ host = '${DB_HOST}' }
            $output = Get-DcSourceConnection 'prod' -ErrorVariable errors -ErrorAction SilentlyContinue
            $output | Should -BeNullOrEmpty
            $errors | Should -HaveCount 2
            $errors.FullyQualifiedErrorId | Sort-Object -Unique |
                Should -Be (Get-DcErrorId 'DcEnvironmentVariableNotSet' 'Get-DcSourceConnection')
            $errors.TargetObject | Sort-Object | Should -Be @('DB_HOST', 'DB_PASSWORD')
            ($errors | Where-Object TargetObject -EQ 'DB_HOST').Exception.Message | Should -BeLike "*field 'host'*"
            ($errors | Where-Object TargetObject -EQ 'DB_PASSWORD').Exception.Message | Should -BeLike "*field 'password'*"
        }

        It 'reports a resolved value of the wrong type as DcSourceInvalid naming the field, never the value' {
            $value = New-Canary 'abc'
            Add-PgSource -Name 'prod' -Fields @{ port = '${DB_PORT}' }
            $env:DB_PASSWORD = 'pw'
            $env:DB_PORT = $value
            $output = Get-DcSourceConnection 'prod' -ErrorVariable errors -ErrorAction SilentlyContinue
            $output | Should -BeNullOrEmpty
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceInvalid' 'Get-DcSourceConnection')
            $errors[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidData)
            $errors[0].Exception.Message | Should -BeLike "*'port'*"
            ($errors[0] | Out-String -Width 400) + "$($errors[0].TargetObject)" | Should -Not -BeLike "*$value*"
        }

        It 'reports an out-of-range resolved port as DcSourceInvalid' {
            Add-PgSource -Name 'prod' -Fields @{ port = '${DB_PORT}' }
            $env:DB_PASSWORD = 'pw'
            $env:DB_PORT = '70000'
            { Get-DcSourceConnection 'prod' -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcSourceInvalid' 'Get-DcSourceConnection')
        }

        It 'reports a secret variable longer than a SecureString holds as DcSecretTooLong, with and without -AsPlainText' {
            Add-PgSource src
            $env:DB_PASSWORD = 'p' * 70000
            foreach ($plain in $false, $true) {
                $connections = @(Get-DcSourceConnection -Name src -AsPlainText:$plain -ErrorAction SilentlyContinue -ErrorVariable errors)
                $errors.Count | Should -Be 1
                $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSecretTooLong' 'Get-DcSourceConnection')
                "$($errors[0].CategoryInfo.Category)" | Should -Be 'InvalidData'
                $errors[0].Exception.Message | Should -BeLike "Source 'src', field 'password': the value of `${DB_PASSWORD} is longer than the 65536 characters*"
                $errors[0].TargetObject | Should -Be '${DB_PASSWORD}'
                $connections | Should -HaveCount 0 -Because 'a source that did not fully resolve gives no connection'
                Assert-NoValue $errors[0] ('p' * 100)
            }
        }

        It 'reports an unknown source as DcSourceNotFound' {
            Add-PgSource -Name 'prod'
            { Get-DcSourceConnection 'missing' -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcSourceNotFound' 'Get-DcSourceConnection')
            $null = Get-DcSourceConnection 'missing' -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
            $errors[0].TargetObject | Should -Be 'missing'
        }

        It 'reports DcCatalogNotFound when there is no database, and creates none' {
            { Get-DcSourceConnection 'prod' -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Get-DcSourceConnection')
            Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR | Should -BeFalse
        }

        It 'goes on with the next name after a failure' {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'broken' -Fields @{ host = '${DB_HOST}' }
            Add-PgSource -Name 'test'
            $env:DB_PASSWORD = 'pw'
            $output = Get-DcSourceConnection 'prod', 'missing', 'broken', 'test' -ErrorVariable errors -ErrorAction SilentlyContinue
            $output.Name | Should -Be @('prod', 'test')
            $errors | Should -HaveCount 2
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceNotFound' 'Get-DcSourceConnection')
            $errors[1].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEnvironmentVariableNotSet' 'Get-DcSourceConnection')
        }

        It 'never puts a resolved value of another field into an error' {
            $canary = New-Canary 'PgPassword'
            Add-PgSource -Name 'prod' -Fields @{ host = '${DB_HOST}' }
            $env:DB_PASSWORD = $canary
            $Error.Clear()
            $all = Get-DcSourceConnection 'prod' -Verbose *>&1 | Out-String -Width 400
            $all | Should -BeLike '*DB_HOST*'
            $all | Should -Not -BeLike "*$canary*"
            ($Error | Out-String -Width 400) + ($Error.Exception.Message -join ' ') | Should -Not -BeLike "*$canary*"
        }
    }

    Context 'pipeline and catalog' {
        It 'takes sources from Get-DcSource' {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'test'
            $env:DB_PASSWORD = 'pw'
            $output = Get-DcSource | Get-DcSourceConnection
            $output.Name | Should -Be @('prod', 'test')
            $output | ForEach-Object { $_ | Should -BeOfType ([DataCompass.DcSourceConnection]) }
        }

        It 'takes names from the pipeline' {
            Add-PgSource -Name 'prod'
            $env:DB_PASSWORD = 'pw'
            ('prod' | Get-DcSourceConnection).Name | Should -Be 'prod'
            ('PROD' | Get-DcSourceConnection).Name | Should -Be 'prod'
        }

        It 'reads the -Database file' {
            $other = Join-Path $TestDrive "other-$(New-Guid).db"
            Add-PgSource -Name 'prod' -Fields @{ host = 'env-catalog' }
            Add-PgSource -Name 'prod' -Fields @{ host = 'explicit-catalog' } -Database $other
            $env:DB_PASSWORD = 'pw'
            (Get-DcSourceConnection 'prod' -Database $other).Settings.host | Should -BeExactly 'explicit-catalog'
            (Get-DcSourceConnection 'prod').Settings.host | Should -BeExactly 'env-catalog'
        }

        It 'resolves a piped source from the catalog it was read from' {
            # A DcSource carries its Database; resolving a same-named source of another catalog is wrong.
            $other = Join-Path $TestDrive "other-$(New-Guid).db"
            Add-PgSource -Name 'prod' -Fields @{ host = 'env-catalog' }
            Add-PgSource -Name 'prod' -Fields @{ host = 'explicit-catalog' } -Database $other
            $env:DB_PASSWORD = 'pw'
            $output = Get-DcSource -Database $other | Get-DcSourceConnection -ErrorAction SilentlyContinue
            $output.Settings.host | Should -BeExactly 'explicit-catalog'
        }
    }

    Context 'no resolved value leaks' {
        BeforeEach {
            $script:Canary = New-Canary 'PgPassword'
            Add-PgSource -Name 'prod'
            $env:DB_PASSWORD = $script:Canary
        }

        It 'shows (SecureString) in formatted output, never the value' {
            $connection = Get-DcSourceConnection 'prod'
            $text = $connection | Out-String -Width 400
            $text | Should -BeLike '*password = (SecureString)*'
            $text | Should -BeLike '*host = db.example.com*'
            $text | Should -Not -BeLike "*$script:Canary*"
            @(
                ($connection | Format-List -Property * | Out-String -Width 400)
                ($connection | Format-Table -Property * | Out-String -Width 400)
                ($connection.Settings | Out-String -Width 400)
                ($connection | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue)
                $connection.ToString()
                "$($connection.Credential)"
            ) -join "`n" | Should -Not -BeLike "*$script:Canary*"
        }

        It 'keeps the value out of the database file, its -wal and every stream of the call' {
            $all = Get-DcSourceConnection 'prod' -Verbose -Debug -InformationAction Continue *>&1 | Out-String -Width 400
            $all | Should -BeLike '*(SecureString)*'
            $all | Should -Not -BeLike "*$script:Canary*"
            @(Get-CatalogFiles).Name | Should -Contain 'datacompass.db'
            Test-CatalogContains '${DB_PASSWORD}' | Should -BeTrue
            Test-CatalogContains $script:Canary | Should -BeFalse
            Test-BytesContain "$script:DbPath-wal" $script:Canary | Should -BeFalse
        }

        It 'with -AsPlainText, puts the value only in the output object' {
            $records = @(Get-DcSourceConnection 'prod' -AsPlainText -Verbose -Debug -InformationAction Continue *>&1)
            $objects = @($records | Where-Object { $_ -is [DataCompass.DcSourceConnection] })
            $others = @($records | Where-Object { $_ -isnot [DataCompass.DcSourceConnection] })
            $objects | Should -HaveCount 1
            $objects[0].Settings.password | Should -BeExactly $script:Canary
            ($others | Out-String -Width 400) | Should -Not -BeLike "*$script:Canary*"
            Test-CatalogContains $script:Canary | Should -BeFalse
        }
    }
}

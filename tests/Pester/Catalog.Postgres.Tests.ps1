#Requires -Version 7.4
# What only a catalog on a PostgreSQL server has: its password behind a reference (an environment variable or a
# vault secret) and never shown; machines converting the same sources at once, serialized by advisory locks; and
# the old row versions that held plaintext, which a conversion's VACUUM removes from the table.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/PostgresHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_DATABASE_URL', 'DCT_PGCAT_PW')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    $script:Catalogs = [Collections.Generic.List[object]]::new()

    function New-Catalog {
        $catalog = New-DcTestCatalog -Backend PostgreSQL
        $script:Catalogs.Add($catalog)
        $catalog
    }

    function Add-Plain([string] $Database, [string] $Name, [string] $Password) {
        Add-DcSource -Name $Name -Type postgresql -Database $Database -AllowPlaintext -WarningAction SilentlyContinue -ErrorAction Stop -Connection @{
            host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password
        }
    }

    # Heap tuples of data_sources (live and dead) whose bytes hold the text, read page by page with pageinspect.
    function Get-TupleHit([string] $Login, [string] $Text) {
        $hex = [Convert]::ToHexString([Text.Encoding]::UTF8.GetBytes($Text)).ToLowerInvariant()
        $sql = "CREATE EXTENSION IF NOT EXISTS pageinspect; " +
            "SELECT count(*) FROM generate_series(0, (pg_relation_size('data_sources') / current_setting('block_size')::int) - 1) AS block, " +
            "LATERAL heap_page_items(get_raw_page('data_sources', block::int)) AS item WHERE position('\x$hex'::bytea IN item.t_data) > 0;"
        [int] (Invoke-DcTestPsql -Database $Login -Sql $sql | Select-Object -Last 1)
    }
}

AfterAll {
    foreach ($catalog in $script:Catalogs) { Remove-DcTestCatalog $catalog }
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'A catalog on PostgreSQL' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DATACOMPASS_DATABASE_URL' $null
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ("data-" + [guid]::NewGuid().ToString('N'))
    }

    Context 'its password' {
        It 'comes from a vault secret the address names, and never shows' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $catalog = New-Catalog
            $password = [Environment]::GetEnvironmentVariable($catalog.PasswordVariable)
            [Environment]::SetEnvironmentVariable($catalog.PasswordVariable, $null)
            $vault = New-TestVault
            Set-Secret -Vault $vault -Name 'catalog-login' -Secret $password
            $pg = Get-DcTestPostgres
            $database = "postgresql://$($catalog.Login):`${secret:$vault/catalog-login}@$($pg.Host):$($pg.Port)/$($catalog.Login)?sslmode=disable"

            $text = Get-StreamText {
                Add-DcSource -Name prod -Type postgresql -Database $database -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DCT_PGCAT_PW}' } -PassThru
                Get-DcSource -Database $database | Format-List * | Out-String
                Get-DcAuditEvent -Database $database | Format-List * | Out-String
            }
            (Get-DcSource -Database $database).Name | Should -Be 'prod'
            (Get-DcSource -Database $database).Database | Should -BeExactly $database
            $text.Contains(($password -split '-')[-1]) | Should -BeFalse
            Invoke-DcTestPsql -Database $catalog.Login -Sql 'SELECT name FROM data_sources;' | Should -Be 'prod'
        }

        It 'may be written in $env:DATACOMPASS_DATABASE_URL, and is then shown masked' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $catalog = New-Catalog
            $password = [Environment]::GetEnvironmentVariable($catalog.PasswordVariable)
            $pg = Get-DcTestPostgres
            $env:DATACOMPASS_DATABASE_URL = "postgresql://$($catalog.Login):$([uri]::EscapeDataString($password))@$($pg.Host):$($pg.Port)/$($catalog.Login)?sslmode=disable"

            $text = Get-StreamText {
                Add-DcSource -Name prod -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DCT_PGCAT_PW}' } -PassThru
                Get-DcSource | Format-List * | Out-String
            }
            $source = Get-DcSource
            $source.Database | Should -BeLike "postgresql://$($catalog.Login):********@*"
            $source | Get-DcSource | Should -Not -BeNullOrEmpty -Because 'a piped source finds its catalog again through the masked name'
            $text.Contains(($password -split '-')[-1]) | Should -BeFalse
        }

        It 'refuses a password written into -Database, and names no part of it' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $pg = Get-DcTestPostgres
            $canary = New-Canary 'urlpw'
            $failure = $null
            try { Get-DcSource -Database "postgresql://someone:$canary@$($pg.Host):$($pg.Port)/db" } catch { $failure = $_ }
            $failure.FullyQualifiedErrorId | Should -BeExactly 'DcDatabaseUrlInvalid,DataCompass.Commands.GetDcSourceCommand'
            "$($failure.CategoryInfo.Category)" | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -Match 'command history'
            (Get-ErrorText $failure) -join "`n" | Should -Not -Match (($canary -split '-')[-1])
        }

        It 'reports a wrong one as DcDatabaseUnavailable in the server''s words' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $catalog = New-Catalog
            $wrong = New-Canary 'wrongcat'
            [Environment]::SetEnvironmentVariable($catalog.PasswordVariable, $wrong)
            $failure = $null
            try { Get-DcSource -Database $catalog.Database -ErrorAction Stop } catch { $failure = $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'DcDatabaseUnavailable,*'
            $failure.Exception.Message | Should -Match 'password authentication failed'
            (Get-ErrorText $failure) -join "`n" | Should -Not -Match (($wrong -split '-')[-1])
        }
    }

    Context 'sources on the same server' {
        It 'logs in to a source kept in a PostgreSQL catalog with a password that only a vault holds' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $catalog = New-Catalog
            $vault = New-TestVault
            $password = New-Canary 'live;pw=''x'''
            $login = New-DcTestPgLogin -Password $password
            try {
                $pg = Get-DcTestPostgres
                Add-DcSource -Name live -Type postgresql -Database $catalog.Database -Vault $vault -ErrorAction Stop -Connection @{
                    host = $pg.Host; port = $pg.Port; database = $login; username = $login; password = $password; ssl_mode = 'disable'
                }
                $text = Get-StreamText { $script:Result = Test-DcSource -Name live -Connect -Database $catalog.Database }
                $script:Result.Status | Should -BeExactly 'Connected'
                (Invoke-DcTestPsql -Database $catalog.Login -Sql "SELECT connection_info::text FROM data_sources WHERE name = 'live';") | Should -Match ([regex]::Escape("`${secret:$vault/"))
                $text.Contains(($password -split '-')[-1]) | Should -BeFalse
            }
            finally {
                Remove-DcTestPgLogin -Name $login
            }
        }
    }

    Context 'machines converting at once' {
        It 'move every plaintext secret to the vault exactly once, and neither reports a failure' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $catalog = New-Catalog
            $vault = New-TestVault
            $secrets = @{}
            foreach ($i in 1..30) {
                $secrets["s$i"] = New-Canary "conv$i"
                Add-Plain $catalog.Database "s$i" $secrets["s$i"]
            }

            $workers = @(Invoke-DcTestWorkers -Count 2 -Environment @{ DCTEST_MODULE = $script:DcModulePath; DCTEST_DB = $catalog.Database; DCTEST_VAULT = $vault } -Script @'
Import-Module $env:DCTEST_MODULE
$records = @(Convert-DcSourceSecret -Vault $env:DCTEST_VAULT -Database $env:DCTEST_DB -Confirm:$false *>&1)
$errors = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" })
$statuses = @($records | Where-Object { $_ -is [DataCompass.DcConversionResult] } | ForEach-Object { "$($_.Source)=$($_.Status)" })
@{ Errors = $errors; Statuses = $statuses } | ConvertTo-Json -Depth 3 | Set-Content -Path (Join-Path $env:DCTEST_WORK "result-$env:DCTEST_WORKER.json")
'@)
            foreach ($worker in $workers) {
                $worker.Result | Should -Not -BeNullOrEmpty -Because $worker.Output
                @($worker.Result.Errors) | Should -BeNullOrEmpty -Because "worker $($worker.Name) ran without a failure"
            }
            $converted = @($workers.Result.Statuses | Where-Object { $_ -like '*=Converted' })
            $converted.Count | Should -Be 30 -Because 'each field is converted by one machine; the other finds it done'
            @($converted | Sort-Object -Unique).Count | Should -Be 30
            @(Get-DcAuditEvent -Database $catalog.Database -Action convert).Count | Should -Be 30
            @(Get-SecretInfo -Vault $vault).Count | Should -Be 30
            foreach ($name in $secrets.Keys) {
                (Get-DcSourceConnection $name -Database $catalog.Database).Credential.GetNetworkCredential().Password | Should -BeExactly $secrets[$name]
            }
        }
    }

    Context 'old row versions' {
        It 'holds no plaintext in data_sources after a conversion, dead row versions included' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $catalog = New-Catalog
            $vault = New-TestVault
            $canary = New-Canary 'deadrow'
            Add-Plain $catalog.Database legacy $canary
            # An edit leaves the old version of the row, plaintext and all, as a dead tuple beside the new one.
            Set-DcSource -Name legacy -DisplayName 'Legacy' -Database $catalog.Database -ErrorAction Stop
            Get-TupleHit $catalog.Login ($canary -split '-')[-1] | Should -BeGreaterOrEqual 2 -Because 'the live row and the dead one both hold it (the search works)'

            $null = Convert-DcSourceSecret -Vault $vault -Database $catalog.Database -Confirm:$false -ErrorAction Stop
            Get-TupleHit $catalog.Login ($canary -split '-')[-1] | Should -Be 0
            (Get-DcSourceConnection legacy -Database $catalog.Database).Credential.GetNetworkCredential().Password | Should -BeExactly $canary
        }
    }
}

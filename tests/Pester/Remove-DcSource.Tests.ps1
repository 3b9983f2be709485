#Requires -Version 7.4
# Remove-DcSource: ConfirmImpact High, -WhatIf, selection by name and from the pipeline (each object removed from
# the catalog it was read from), and the cascade to the Python tool's catalog tables.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:ModuleManifest = (Resolve-Path -LiteralPath $script:DcModulePath).Path
    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DB_PASSWORD', 'DCTEST_SQL', 'DCTEST_SQL_DB', 'DCTEST_SQL_DEPS')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Add-PgSource {
        param([Parameter(Mandatory)] [string] $Name, [string] $Database, [string] $HostName = 'db.example.com')
        $connection = @{ host = $HostName; database = 'sales'; username = 'app'; password = '${DB_PASSWORD}' }
        $arguments = @{ Name = $Name; Type = 'postgresql'; Connection = $connection; ErrorAction = 'Stop' }
        if ($Database) { $arguments.Database = $Database }
        Add-DcSource @arguments
    }

    function Add-DatabricksSource([string] $Name) {
        $path = Join-Path $TestDrive ("{0}.yaml" -f [guid]::NewGuid().ToString('n'))
        Set-Content -LiteralPath $path -Encoding utf8NoBOM -Value @'
host: adb-1234.azuredatabricks.net
http_path: /sql/1.0/warehouses/abc
catalog: main
access_token: ${DATABRICKS_TOKEN}
'@
        Add-DcSource -Name $Name -Type databricks -Path $path -ErrorAction Stop
    }

    . $PSScriptRoot/RawSql.ps1
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Remove-DcSource' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive (New-Guid)
        $script:DbPath = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
    }

    AfterEach {
        Restore-TestEnvironment
    }

    Context 'confirmation' {
        It 'declares SupportsShouldProcess with ConfirmImpact High' {
            $attribute = (Get-Command Remove-DcSource).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true) |
                Select-Object -First 1
            $attribute.SupportsShouldProcess | Should -BeTrue
            $attribute.ConfirmImpact | Should -Be ([System.Management.Automation.ConfirmImpact]::High)
            (Get-Command Remove-DcSource).Parameters.Keys | Should -Contain 'WhatIf'
        }

        It 'asks for confirmation by default: a non-interactive session cannot answer, so nothing is removed' {
            $database = Join-Path $TestDrive "confirm-$(New-Guid).db"
            $script = @'
Import-Module '__MODULE__'
Add-DcSource -Name 'prod' -Type postgresql -Database '__DB__' -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DB_PASSWORD}' }
'CONFIRM=' + $ConfirmPreference
Remove-DcSource -Name 'prod' -Database '__DB__' -WhatIf
try { Remove-DcSource -Name 'prod' -Database '__DB__' -ErrorAction Stop; 'REMOVE=no prompt' }
catch { 'REMOVE=failed ' + $_.Exception.GetType().Name }
'LEFT=' + ((Get-DcSource -Database '__DB__').Name -join ',')
'@ -replace '__MODULE__', $script:ModuleManifest -replace '__DB__', $database
            $result = Invoke-ChildPwsh -Script $script
            $result.Output | Should -Contain 'CONFIRM=High'
            ($result.Output | Where-Object { $_ -like 'What if:*' }) | Should -BeLike "*source 'prod'*"
            $result.Output | Should -Not -Contain 'REMOVE=no prompt'
            @($result.Output | Where-Object { $_ -like 'REMOVE=failed *' }) | Should -HaveCount 1 -Because $result.Text
            $result.Output | Should -Contain 'LEFT=prod'
        }

        It 'removes nothing with -WhatIf' {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'preprod'
            $before = (Get-FileHash -LiteralPath $script:DbPath).Hash
            $output = Remove-DcSource -Name 'prod', 'p*' -WhatIf
            $output | Should -BeNullOrEmpty
            Get-DcSource -Name 'p*' -Database $script:DbPath | Select-Object -ExpandProperty Name | Should -Be @('preprod', 'prod')
            (Get-FileHash -LiteralPath $script:DbPath).Hash | Should -Be $before
        }

        It 'removes nothing when piped with -WhatIf' {
            Add-PgSource -Name 'prod'
            Get-DcSource | Remove-DcSource -WhatIf
            (Get-DcSource).Name | Should -Be 'prod'
        }
    }

    Context 'removing by name' {
        BeforeEach {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'preprod'
            Add-DatabricksSource -Name 'lake'
        }

        It 'removes one source with -Confirm:$false and leaves the others' {
            $output = Remove-DcSource -Name 'prod' -Confirm:$false
            $output | Should -BeNullOrEmpty
            (Get-DcSource).Name | Should -Be @('lake', 'preprod')
        }

        It 'takes the name by position and ignores case' {
            Remove-DcSource 'PROD' -Confirm:$false
            (Get-DcSource).Name | Should -Be @('lake', 'preprod')
        }

        It 'removes every source a wildcard matches' {
            Remove-DcSource -Name 'p*' -Confirm:$false
            (Get-DcSource).Name | Should -Be 'lake'
        }

        It 'removes several names' {
            Remove-DcSource -Name 'prod', 'lake' -Confirm:$false
            (Get-DcSource).Name | Should -Be 'preprod'
        }

        It 'does nothing and reports nothing for a wildcard that matches nothing' {
            Remove-DcSource -Name 'zz*' -Confirm:$false -ErrorVariable errors
            $errors | Should -HaveCount 0
            (Get-DcSource).Name | Should -Be @('lake', 'preprod', 'prod')
        }

        It 'reports an exact name that matches nothing as a non-terminating DcSourceNotFound and removes the others' {
            Remove-DcSource -Name 'missing', 'prod' -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceNotFound' 'Remove-DcSource')
            $errors[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
            $errors[0].TargetObject | Should -Be 'missing'
            (Get-DcSource).Name | Should -Be @('lake', 'preprod')
        }

        It 'throws DcSourceNotFound under -ErrorAction Stop' {
            { Remove-DcSource -Name 'missing' -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcSourceNotFound' 'Remove-DcSource')
            (Get-DcSource).Name | Should -Be @('lake', 'preprod', 'prod')
        }

        It 'takes names from the pipeline by property name' {
            [pscustomobject]@{ Name = 'lake' } | Remove-DcSource -Confirm:$false
            (Get-DcSource).Name | Should -Be @('preprod', 'prod')
        }
    }

    Context 'which catalog' {
        It 'reports DcCatalogNotFound when there is no database, and creates none' {
            { Remove-DcSource -Name 'prod' -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Remove-DcSource')
            Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR | Should -BeFalse
        }

        It 'removes from the -Database file, not from $env:DATACOMPASS_DATA_DIR' {
            $other = Join-Path $TestDrive "other-$(New-Guid).db"
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'prod' -Database $other
            Remove-DcSource -Name 'prod' -Database $other -Confirm:$false
            Get-DcSource -Database $other | Should -BeNullOrEmpty
            (Get-DcSource).Name | Should -Be 'prod'
        }
    }

    Context 'removing what Get-DcSource returns' {
        It 'removes every piped source' {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'preprod'
            Add-DatabricksSource -Name 'lake'
            Get-DcSource | Remove-DcSource -Confirm:$false
            Get-DcSource | Should -BeNullOrEmpty
        }

        It 'removes only the piped sources' {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'preprod'
            Add-DatabricksSource -Name 'lake'
            Get-DcSource -Type 'postgresql' | Remove-DcSource -Confirm:$false
            (Get-DcSource).Name | Should -Be 'lake'
        }

        It 'removes a source given to -InputObject from the catalog it was read from' {
            $other = Join-Path $TestDrive "other-$(New-Guid).db"
            Add-PgSource -Name 'prod' -HostName 'env-catalog'
            Add-PgSource -Name 'prod' -HostName 'other-catalog' -Database $other
            Remove-DcSource -InputObject (Get-DcSource -Database $other) -Confirm:$false
            Get-DcSource -Database $other | Should -BeNullOrEmpty
            (Get-DcSource).Name | Should -Be 'prod'
        }

        It 'removes a piped source from the catalog it was read from, even when $env:DATACOMPASS_DATA_DIR points elsewhere' {
            $other = Join-Path $TestDrive "other-$(New-Guid).db"
            Add-PgSource -Name 'prod' -HostName 'env-catalog'
            Add-PgSource -Name 'prod' -HostName 'other-catalog' -Database $other
            Get-DcSource -Database $other | Remove-DcSource -Confirm:$false -ErrorAction SilentlyContinue
            # The same-named source of the catalog $env:DATACOMPASS_DATA_DIR points at must survive.
            (Get-DcSource).Name | Should -Be 'prod'
            Get-DcSource -Database $other | Should -BeNullOrEmpty
        }

        It 'removes a piped source from its own catalog when the default catalog does not have it' {
            $other = Join-Path $TestDrive "other-$(New-Guid).db"
            Add-PgSource -Name 'only-there' -Database $other
            Get-DcSource -Database $other | Remove-DcSource -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors | Should -HaveCount 0
            Get-DcSource -Database $other | Should -BeNullOrEmpty
        }
    }

    Context 'cascade to the catalog tables' {
        It 'deletes the removed source''s catalog_objects rows and keeps the other source''s rows' {
            Add-PgSource -Name 'prod'
            Add-DatabricksSource -Name 'lake'
            $prodId = (Get-DcSource -Name 'prod').Id
            $lakeId = (Get-DcSource -Name 'lake').Id
            $created = @(Invoke-RawSql -Database $script:DbPath -Sql @"
CREATE TABLE catalog_objects (id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL REFERENCES data_sources(id) ON DELETE CASCADE, name TEXT);
INSERT INTO catalog_objects (source_id, name) VALUES ($prodId, 'prod.public.orders'), ($prodId, 'prod.public.customers'), ($lakeId, 'lake.main.events');
SELECT count(*) AS n FROM catalog_objects;
"@)
            # The raw SQL works: the rows are there before the removal.
            $created[0].n | Should -Be 3

            Remove-DcSource -Name 'prod' -Confirm:$false

            $rows = @(Invoke-RawSql -Database $script:DbPath -Sql @'
SELECT source_id, name FROM catalog_objects ORDER BY id;
SELECT name FROM data_sources ORDER BY name;
SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'catalog_objects';
'@)
            $objects = @($rows | Where-Object { $null -ne $_.PSObject.Properties['source_id'] })
            $objects | Should -HaveCount 1
            $objects[0].source_id | Should -Be $lakeId
            $objects[0].name | Should -Be 'lake.main.events'
            @($rows | Where-Object { $null -eq $_.PSObject.Properties['source_id'] }).name | Should -Be @('lake', 'catalog_objects')
        }
    }
}

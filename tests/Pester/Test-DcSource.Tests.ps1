#Requires -Version 7.4
# Test-DcSource: a preflight that reports, for every reference of every matching source, whether it resolves now
# (environment variable set, vault registered and unlocked, secret present, type usable), without ever reading a
# secret value, probing each vault and each secret once, and with -Quiet a single Boolean a runbook can act on.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:ModuleManifest = (Resolve-Path -LiteralPath $script:DcModulePath).Path
    function Get-TestErrorId([string] $Id) { Get-DcErrorId $Id 'Test-DcSource' }
    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DCT_PASSWORD', 'DCT_HOST', 'DCT_DOMAIN', 'DCT_PORT', 'DCT_UNSET', 'DCT_TOKEN')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Add-PgSource {
        param(
            [Parameter(Mandatory)] [string] $Name,
            [hashtable] $Fields = @{},
            [string[]] $Remove = @()
        )
        $connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = '${DCT_PASSWORD}' }
        foreach ($key in $Fields.Keys) { $connection[$key] = $Fields[$key] }
        foreach ($key in $Remove) { $connection.Remove($key) }
        Add-DcSource -Name $Name -Type postgresql -Connection $connection -ErrorAction Stop
    }

}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'Test-DcSource' {
    BeforeEach {
        Restore-TestEnvironment
        foreach ($name in $script:EnvNames) { if ($name -ne 'DATACOMPASS_DATA_DIR') { Set-TestVariable $name $null } }
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        Remove-TestVault
        $script:Vault = New-TestVault -Default
    }

    AfterEach {
        Remove-TestVault
        Restore-TestEnvironment
    }

    Context 'results: one typed object per reference' {
        It 'declares DataCompass.DcReferenceTest and Boolean as its output types' {
            $names = (Get-Command Test-DcSource).OutputType.Name
            $names | Should -Contain 'DataCompass.DcReferenceTest'
            $names | Should -Contain 'System.Boolean'
        }

        It 'returns one DcReferenceTest per reference of the source, several placeholders in one field included' {
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret 'x'
            Add-PgSource -Name 'prod' -Fields @{ host = '${DCT_HOST}.${DCT_DOMAIN}'; password = "`${secret:$($script:Vault)/pg-pass}" }
            $env:DCT_HOST = 'pg01'
            $env:DCT_DOMAIN = 'corp.example'

            $results = @(Test-DcSource -Name 'prod')
            $results.Count | Should -Be 3
            $results | ForEach-Object { $_ | Should -BeOfType ([DataCompass.DcReferenceTest]) }
            $results.Source | Sort-Object -Unique | Should -Be 'prod'
            $byReference = @{}
            foreach ($result in $results) { $byReference[$result.Reference] = $result }
            $byReference.Keys | Sort-Object | Should -Be (@('${DCT_DOMAIN}', '${DCT_HOST}', "`${secret:$($script:Vault)/pg-pass}") | Sort-Object)
            $byReference['${DCT_HOST}'].Field | Should -BeExactly 'host'
            $byReference['${DCT_HOST}'].Kind | Should -BeExactly 'Env'
            $byReference['${DCT_DOMAIN}'].Field | Should -BeExactly 'host'
            $vaultResult = $byReference["`${secret:$($script:Vault)/pg-pass}"]
            $vaultResult.Field | Should -BeExactly 'password'
            $vaultResult.Kind | Should -BeExactly 'Vault'
            $vaultResult.Status | Should -BeExactly 'Ok'
            $vaultResult.Resolvable | Should -BeTrue
        }

        It 'types Status and Kind as enums: Where-Object Status -eq <Tab> offers the statuses, and strings still compare' {
            Add-PgSource -Name 'prod'
            $result = Test-DcSource -Name 'prod'
            $result.Status | Should -BeOfType ([DataCompass.DcReferenceStatus])
            $result.Kind | Should -BeOfType ([DataCompass.DcReferenceKind])
            $result.Status -eq 'NotSet' | Should -BeTrue
            @(Test-DcSource | Where-Object Status -EQ 'NotSet').Source | Should -Be @('prod')
            @(Test-DcSource | Where-Object { $_.Kind -eq 'Env' }).Source | Should -Be @('prod')

            $line = 'Get-DcSource prod | Test-DcSource | Where-Object Status -eq '
            $offered = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
            $offered | Should -Be ([enum]::GetNames([DataCompass.DcReferenceStatus]))
            $offered | Should -Contain 'SecretNotFound'
            $line = 'Test-DcSource | Where-Object Kind -eq V'
            @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText) | Should -Be @('Vault')
        }

        It 'writes Status and Kind by name to JSON and CSV' {
            Add-PgSource -Name 'prod'
            $result = Test-DcSource -Name 'prod'
            $result | ConvertTo-Json -Compress | Should -BeLike '*"Kind":"Env","Status":"NotSet"*'
            $row = $result | ConvertTo-Csv | ConvertFrom-Csv
            $row.Status | Should -BeExactly 'NotSet'
            $row.Kind | Should -BeExactly 'Env'
        }

        It 'reports nothing for a source whose fields hold no reference' {
            $path = Join-Path $TestDrive 'literal.yaml'
            Set-Content -LiteralPath $path -Encoding utf8NoBOM -Value @'
host: adb-1234.azuredatabricks.net
http_path: /sql/1.0/warehouses/abc
catalog: main
auth_method: managed_identity
'@
            Add-DcSource -Name 'mi' -Type databricks -Path $path -ErrorAction Stop
            @(Test-DcSource -Name 'mi' -ErrorAction Stop).Count | Should -Be 0
        }

        It 'checks every source when no name is given and only the matching ones for a wildcard' {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'prod-eu'
            Add-PgSource -Name 'dev'
            $env:DCT_PASSWORD = 'x'

            @(Test-DcSource).Source | Sort-Object | Should -Be @('dev', 'prod', 'prod-eu')
            @(Test-DcSource -Name 'prod*').Source | Sort-Object | Should -Be @('prod', 'prod-eu')
            @(Test-DcSource -Name 'PROD-*').Source | Should -Be @('prod-eu')
            @(Test-DcSource -Name 'nothing*' -ErrorAction Stop).Count | Should -Be 0
        }

        It 'checks the catalog named by -Database rather than $env:DATACOMPASS_DATA_DIR' {
            Add-PgSource -Name 'prod'
            $other = Join-Path $TestDrive ([guid]::NewGuid().ToString('n')) 'other.db'
            Add-DcSource -Database $other -Name 'qa' -Type postgresql -ErrorAction Stop `
                -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DCT_PASSWORD}' }
            @(Test-DcSource -Database $other).Source | Should -Be @('qa')
            @(Test-DcSource).Source | Should -Be @('prod')
        }

        It 'takes names from the pipeline, directly and from Get-DcSource objects' {
            Add-PgSource -Name 'prod'
            Add-PgSource -Name 'dev'
            @('prod' | Test-DcSource).Source | Should -Be @('prod')
            @(Get-DcSource -Name 'dev' | Test-DcSource).Source | Should -Be @('dev')
        }

        It 'writes a non-terminating DcSourceNotFound for an exact name that matches nothing and goes on' {
            Add-PgSource -Name 'prod'
            $results = @(Test-DcSource -Name 'nope', 'prod' -ErrorVariable problems -ErrorAction SilentlyContinue)
            $results.Source | Should -Be @('prod')
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly (Get-TestErrorId 'DcSourceNotFound')
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].Exception.Message | Should -BeLike "*'nope'*"
            $problems[0].TargetObject | Should -BeExactly 'nope'

            { Test-DcSource -Name 'nope' -ErrorAction Stop } | Should -Throw -ErrorId (Get-TestErrorId 'DcSourceNotFound')
        }
    }

    Context 'the table at 120 columns' {
        It 'shows every column, the status in full, and cuts no cell: a long reference wraps' {
            $long = 'warehouse-analytics-eu-west-prod'
            Add-DcSource -Name $long -Type postgresql -ErrorAction Stop -Connection @{ host = 'db.example.com'; database = 'sales'; username = 'app'
                password = "`${secret:$($script:Vault)/DataCompass-warehouse-analytics-eu-west-prod-password}" }
            Add-PgSource -Name 'short'
            $text = Test-DcSource | Out-String -Width 120
            $lines = @($text -split '\r?\n' | Where-Object { $_.Trim() })
            $lines[0] | Should -Match '^Source\s+Field\s+Status\s+Resolvable\s+Reference$'
            foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
            $text | Should -Not -Match '…|\.\.\.' -Because 'no cell is cut'
            @($lines | Where-Object { $_ -like "$long password SecretNotFound False      `${secret:$($script:Vault)/*" }).Count | Should -Be 1
            $lines | Should -Contain ('{0} password NotSet         False      ${{DCT_PASSWORD}}' -f 'short'.PadRight($long.Length))
        }
    }

    Context 'environment references' {
        It 'reports Ok for a set variable, DefaultUsed (resolvable) for an unset one with a default, NotSet otherwise' {
            Add-PgSource -Name 'prod' -Fields @{ host = '${DCT_HOST:-db.example.com}'; database = '${DCT_UNSET}' }
            $env:DCT_PASSWORD = 'x'

            $results = @(Test-DcSource -Name 'prod')
            $results.Count | Should -Be 3
            $set = $results | Where-Object Reference -EQ '${DCT_PASSWORD}'
            $set.Status | Should -BeExactly 'Ok'
            $set.Resolvable | Should -BeTrue
            $set.Kind | Should -BeExactly 'Env'

            $default = $results | Where-Object Reference -EQ '${DCT_HOST:-db.example.com}'
            $default.Status | Should -BeExactly 'DefaultUsed'
            $default.Resolvable | Should -BeTrue
            $default.Field | Should -BeExactly 'host'

            $unset = $results | Where-Object Reference -EQ '${DCT_UNSET}'
            $unset.Status | Should -BeExactly 'NotSet'
            $unset.Resolvable | Should -BeFalse
            $unset.Field | Should -BeExactly 'database'
            $unset.Message | Should -BeLike '*DCT_UNSET*'
        }

        It 'reports Ok once the variable is set, also over a default' {
            Add-PgSource -Name 'prod' -Fields @{ host = '${DCT_HOST:-db.example.com}' }
            $env:DCT_HOST = 'pg01'
            $env:DCT_PASSWORD = 'x'
            @(Test-DcSource -Name 'prod').Status | Should -Be @('Ok', 'Ok')
        }

        It 'reports TooLong (not resolvable) for a secret variable longer than a SecureString holds, and Ok for a long non-secret one' {
            Add-PgSource src -Fields @{ host = '${DCT_HOST}' }
            Set-TestVariable DCT_PASSWORD ('p' * 70000)
            Set-TestVariable DCT_HOST ('h' * 70000)
            $results = @(Test-DcSource -Name src -ErrorAction Stop)
            $password = $results | Where-Object Field -EQ 'password'
            $password.Status | Should -Be 'TooLong'
            $password.Resolvable | Should -BeFalse
            $password.Message | Should -BeLike "*'DCT_PASSWORD'*65536*"
            ($results | Where-Object Field -EQ 'host').Status | Should -Be 'Ok'
            Test-DcSource -Name src -Quiet | Should -BeFalse
        }
    }

    Context 'vault references' {
        It 'reports Ok for a secret that is in its vault' {
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret 'x'
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/pg-pass}" }
            $result = Test-DcSource -Name 'prod'
            $result.Status | Should -BeExactly 'Ok'
            $result.Resolvable | Should -BeTrue
            $result.Kind | Should -BeExactly 'Vault'
        }

        It 'reports Ok for SecureString and PSCredential secrets' {
            Set-Secret -Vault $script:Vault -Name 'secure' -SecureStringSecret (ConvertTo-SecureString 'x' -AsPlainText -Force)
            Set-Secret -Vault $script:Vault -Name 'cred' -Secret ([pscredential]::new('u', (ConvertTo-SecureString 'x' -AsPlainText -Force)))
            Add-PgSource -Name 'a' -Fields @{ password = "`${secret:$($script:Vault)/secure}" }
            Add-PgSource -Name 'b' -Fields @{ password = "`${secret:$($script:Vault)/cred}" }
            @(Test-DcSource).Status | Should -Be @('Ok', 'Ok')
        }

        It 'reports SecretNotFound for a secret missing from a registered vault' {
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/missing-secret}" }
            $result = Test-DcSource -Name 'prod'
            $result.Status | Should -BeExactly 'SecretNotFound'
            $result.Resolvable | Should -BeFalse
            $result.Message | Should -BeLike '*missing-secret*'
            $result.Message | Should -BeLike "*$($script:Vault)*"
        }

        It 'reports VaultNotFound for a vault that is not registered' {
            Add-PgSource -Name 'prod' -Fields @{ password = '${secret:NoSuchVaultDct/pg-pass}' }
            $result = Test-DcSource -Name 'prod'
            $result.Status | Should -BeExactly 'VaultNotFound'
            $result.Resolvable | Should -BeFalse
            $result.Message | Should -BeLike '*NoSuchVaultDct*'
        }

        It 'reports VaultLocked for a locked vault, naming Unlock-SecretVault, and Ok once it is unlocked' {
            $locked = New-TestVault -Behaviour @{ Locked = $true; Password = 'pw' }
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$locked/pg-pass}" }

            $result = Test-DcSource -Name 'prod'
            $result.Status | Should -BeExactly 'VaultLocked'
            $result.Resolvable | Should -BeFalse
            $result.Message | Should -BeLike "*$locked*"
            $result.Message | Should -BeLike '*Unlock-SecretVault*'

            Unlock-SecretVault -Name $locked -Password (ConvertTo-SecureString 'pw' -AsPlainText -Force)
            Set-Secret -Vault $locked -Name 'pg-pass' -Secret 'x'
            (Test-DcSource -Name 'prod').Status | Should -BeExactly 'Ok'
        }

        It 'reports VaultFailed, not VaultLocked, for a vault whose Test-SecretVault throws' {
            $failing = New-TestVault -Behaviour @{ Fail = 'Test' }
            Set-Secret -Vault $failing -Name 'pg-pass' -Secret 'x'
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$failing/pg-pass}" }

            $result = Test-DcSource -Name 'prod' -ErrorVariable testErrors
            $result.Status | Should -BeExactly 'VaultFailed'
            $result.Resolvable | Should -BeFalse
            $result.Message | Should -BeLike "*$failing*"
            $result.Message | Should -Not -BeLike '*locked*'
            @($testErrors | Where-Object { $_.FullyQualifiedErrorId -notlike 'Dc*' }) | Should -BeNullOrEmpty
            Test-DcSource -Name 'prod' -Quiet | Should -BeFalse
        }

        It 'reports TypeUnusable for a ByteArray secret in a field' {
            Set-Secret -Vault $script:Vault -Name 'bytes' -Secret ([byte[]] (1, 2, 3))
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/bytes}" }
            $result = Test-DcSource -Name 'prod'
            $result.Status | Should -BeExactly 'TypeUnusable'
            $result.Resolvable | Should -BeFalse
            $result.Message | Should -BeLike '*bytes*'
        }

        It 'reports a secret_ref to a Hashtable secret as Ok and to a String secret as TypeUnusable' {
            Set-Secret -Vault $script:Vault -Name 'pg-map' -Secret @{ password = 'x' }
            Set-Secret -Vault $script:Vault -Name 'pg-text' -Secret 'x'
            Add-PgSource -Name 'mapped' -Remove 'password' -Fields @{ secret_ref = "vault://$($script:Vault)/pg-map" }
            Add-PgSource -Name 'text' -Remove 'password' -Fields @{ secret_ref = "vault://$($script:Vault)/pg-text" }

            $mapped = Test-DcSource -Name 'mapped'
            $mapped.Field | Should -BeExactly 'secret_ref'
            $mapped.Kind | Should -BeExactly 'Vault'
            $mapped.Status | Should -BeExactly 'Ok'
            $mapped.Resolvable | Should -BeTrue

            $text = Test-DcSource -Name 'text'
            $text.Field | Should -BeExactly 'secret_ref'
            $text.Status | Should -BeExactly 'TypeUnusable'
            $text.Resolvable | Should -BeFalse
            $text.Message | Should -BeLike '*Hashtable*'
        }

        It 'reports a String secret in a field as Ok and a Hashtable secret in a field as TypeUnusable' {
            Set-Secret -Vault $script:Vault -Name 'pg-map' -Secret @{ password = 'x' }
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/pg-map}" }
            (Test-DcSource -Name 'prod').Status | Should -BeExactly 'TypeUnusable'
        }
    }

    Context 'probing without reading' {
        It 'never calls Get-Secret on the vault: only Test-SecretVault and Get-SecretInfo' {
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret 'x'
            Set-Secret -Vault $script:Vault -Name 'pg-map' -Secret @{ password = 'x' }
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/pg-pass}" }
            Add-PgSource -Name 'mapped' -Remove 'password' -Fields @{ secret_ref = "vault://$($script:Vault)/pg-map" }
            Add-PgSource -Name 'gone' -Fields @{ password = "`${secret:$($script:Vault)/not-there}" }
            Clear-TestVaultCall $script:Vault

            $null = Test-DcSource
            $null = Test-DcSource -Quiet
            $calls = @(Get-TestVaultCall $script:Vault)
            $calls.Count | Should -BeGreaterThan 0
            $calls | Where-Object { $_ -like 'Get-Secret *' } | Should -BeNullOrEmpty
            $calls | Where-Object { $_ -notlike 'Get-SecretInfo *' -and $_ -notlike 'Test-SecretVault *' } | Should -BeNullOrEmpty
        }

        It 'tests each vault once and probes each secret once when five sources share it' {
            Set-Secret -Vault $script:Vault -Name 'shared-pass' -Secret 'x'
            foreach ($i in 1..5) { Add-PgSource -Name "shared$i" -Fields @{ password = "`${secret:$($script:Vault)/shared-pass}" } }
            Clear-TestVaultCall $script:Vault

            $results = @(Test-DcSource)
            $results.Count | Should -Be 5
            $results.Status | Sort-Object -Unique | Should -Be 'Ok'
            $calls = @(Get-TestVaultCall $script:Vault)
            @($calls | Where-Object { $_ -eq "Test-SecretVault $($script:Vault)" }).Count | Should -Be 1
            @($calls | Where-Object { $_ -eq 'Get-SecretInfo shared-pass' }).Count | Should -Be 1
            $calls.Count | Should -Be 2
        }

        It 'probes a missing secret shared by several sources once too' {
            foreach ($i in 1..3) { Add-PgSource -Name "gone$i" -Fields @{ password = "`${secret:$($script:Vault)/not-there}" } }
            Clear-TestVaultCall $script:Vault
            @(Test-DcSource).Status | Sort-Object -Unique | Should -Be 'SecretNotFound'
            @(Get-TestVaultCall $script:Vault | Where-Object { $_ -like 'Get-SecretInfo *' }).Count | Should -Be 1
        }
    }

    Context '-Quiet' {
        It 'returns exactly one [bool]: $true when every reference resolves' {
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret 'x'
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/pg-pass}"; host = '${DCT_HOST:-h}' }
            Add-PgSource -Name 'dev'
            $env:DCT_PASSWORD = 'x'
            $result = @(Test-DcSource -Quiet)
            $result.Count | Should -Be 1
            $result[0] | Should -BeOfType ([bool])
            $result[0] | Should -BeTrue
        }

        It 'returns exactly one $false when any reference does not resolve' {
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret 'x'
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/pg-pass}" }
            Add-PgSource -Name 'dev'
            $result = @(Test-DcSource -Quiet)
            $result.Count | Should -Be 1
            $result[0] | Should -BeOfType ([bool])
            $result[0] | Should -BeFalse
            @(Test-DcSource -Name 'prod' -Quiet) | Should -Be @($true)
            @('prod', 'dev' | Test-DcSource -Quiet) | Should -Be @($false)
        }

        It 'returns $false, not $true, when a named source does not exist' {
            # A preflight for a source that is not in the catalog cannot pass.
            Add-PgSource -Name 'prod'
            $env:DCT_PASSWORD = 'x'
            $result = @(Test-DcSource -Name 'prdo' -Quiet -ErrorAction SilentlyContinue)
            $result.Count | Should -Be 1
            $result[0] | Should -BeFalse
        }

        It 'works as a runbook preflight: if (-not (Test-DcSource -Quiet)) { throw } exits non-zero in a child pwsh' {
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret 'x'
            Add-PgSource -Name 'prod' -Fields @{ password = "`${secret:$($script:Vault)/pg-pass}" }
            Add-PgSource -Name 'dev'
            $runbook = @"
Import-Module '$($script:ModuleManifest -replace "'", "''")' -ErrorAction Stop
if (-not (Test-DcSource -Quiet)) { throw 'DataCompass preflight failed' }
'preflight passed'
"@
            # One child process (each costs seconds): the text proves the exit code comes from the preflight's
            # throw, not from a failed import; the passing side of -Quiet is asserted in-process above.
            $failing = Invoke-ChildPwsh -Script $runbook
            $failing.Text | Should -BeLike '*DataCompass preflight failed*'
            $failing.Text | Should -Not -BeLike '*preflight passed*'
            $failing.ExitCode | Should -Not -Be 0
        }
    }

    Context 'never revealing a value' {
        It 'shows no environment or vault canary in any stream, formatted output or $Error' {
            $envCanary = New-Canary 'EnvValue'
            $vaultCanary = New-Canary 'VaultValue'
            $mapCanary = New-Canary 'MapValue'
            $env:DCT_PASSWORD = $envCanary
            $env:DCT_HOST = $envCanary
            Set-Secret -Vault $script:Vault -Name 'pg-pass' -Secret $vaultCanary
            Set-Secret -Vault $script:Vault -Name 'pg-map' -Secret @{ password = $mapCanary }
            Set-Secret -Vault $script:Vault -Name 'bytes' -Secret ([Text.Encoding]::UTF8.GetBytes($vaultCanary))
            $locked = New-TestVault -Behaviour @{ Locked = $true; Password = 'pw' }
            Add-PgSource -Name 'env' -Fields @{ host = '${DCT_HOST:-fallback}' }
            Add-PgSource -Name 'vault' -Fields @{ password = "`${secret:$($script:Vault)/pg-pass}" }
            Add-PgSource -Name 'mapped' -Remove 'password' -Fields @{ secret_ref = "vault://$($script:Vault)/pg-map" }
            Add-PgSource -Name 'wrongtype' -Fields @{ password = "`${secret:$($script:Vault)/pg-map}" }
            Add-PgSource -Name 'bytes' -Fields @{ password = "`${secret:$($script:Vault)/bytes}" }
            Add-PgSource -Name 'locked' -Fields @{ password = "`${secret:$locked/pg-pass}" }

            $text = Get-StreamText {
                Test-DcSource -Verbose -Debug -InformationAction Continue
                Test-DcSource -Name 'missing', '*' -Verbose -ErrorAction Continue
                Test-DcSource -Quiet -Verbose
            }
            $text | Should -BeLike '*pg-pass*'   # the capture did see the results
            $text | Should -Not -BeLike "*$envCanary*"
            $text | Should -Not -BeLike "*$vaultCanary*"
            $text | Should -Not -BeLike "*$mapCanary*"
        }
    }
}

#Requires -Version 7.4
# The vault secret-leak sweep. One child pwsh, with a transcript and every preference variable at Continue, adds
# sources whose secrets are unique literal canaries (postgres, snowflake, databricks token and client secret, a
# SecureString, a rotation), so that Add-DcSource moves them into a registered test vault; shows and resolves them
# every usual way (without -AsPlainText) and triggers the usual vault errors, some with a canary in flight (refused,
# conflicting, half-written). Then every file that could hold a secret is searched for every canary, verbatim and by
# its GUID part: the catalog data folder (db, -wal, -shm, config.yaml), the transcript, the captured streams, the
# $Error dump and the child's stdout. Positive controls: each moved canary IS in the test vault's own file and
# readable with Get-Secret, and the references ARE in the database.
# Setup and assertions use only SecretManagement's public cmdlets, so this runs unchanged against the real module.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    # Secrets that Add-DcSource / Set-DcSourceSecret move into the vault.
    $script:Moved = [ordered]@{
        PostgresPassword  = New-Canary 'pg"pw/ö+'
        SnowflakePassword = New-Canary 'sf pw&='
        DatabricksToken   = New-Canary 'dapi\tok'
        DatabricksSecret  = New-Canary 'sp%secret'
        SecureLiteral     = New-Canary 'sec<ure>'
        RotatedPassword   = New-Canary 'rot"ated'
    }
    # Secrets that must end up nowhere: refused, in conflict, written then compensated, or removed with the source.
    $script:Refused = [ordered]@{
        MixedLiteral    = New-Canary 'mixed'
        UnknownVault    = New-Canary 'nf/vault'
        ConflictLiteral = New-Canary 'conflict'
        FailedToken     = New-Canary 'fail-tok'
        FailedSecret    = New-Canary 'fail-cs'
        RemovedLiteral  = New-Canary 'removed'
    }
    $script:Canaries = [ordered]@{}
    foreach ($table in $script:Moved, $script:Refused) { foreach ($key in $table.Keys) { $script:Canaries[$key] = $table[$key] } }

    $script:TestVaults = [System.Collections.Generic.List[string]]::new()
    $script:Vault = New-TestVault -Default
    $script:TestVaults.Add($script:Vault)
    Set-SecretVaultDefault -Name $script:Vault
    $script:Locked = New-TestVault -Behaviour @{ Locked = $true; Password = 'pw' }
    $script:TestVaults.Add($script:Locked)
    $script:Failing = New-TestVault -Behaviour @{ FailAfter = 1 }
    $script:TestVaults.Add($script:Failing)
    Set-SecretVaultDefault -Name $script:Vault
    Set-Secret -Name 'bytes' -Secret ([byte[]] (1, 2, 3)) -Vault $script:Vault

    $root = Join-Path $TestDrive 'vaultcanary'
    $script:DataDir = Join-Path $root 'data'
    $script:OutDir = Join-Path $root 'out'
    $script:InDir = Join-Path $root 'in'
    $null = New-Item -ItemType Directory -Path $script:OutDir, $script:InDir

    # Source configs: the literal canaries are typed into YAML, as a user would (single-quoted YAML keeps \ and ").
    $c = $script:Canaries
    $files = @{
        'pg.yaml'       = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: '$($c.PostgresPassword)'`n"
        'sf.yaml'       = "account: acme-xy12345`nwarehouse: WH`ndatabase: DB`nusername: svc`npassword: '$($c.SnowflakePassword)'`nrole: READER`n"
        'dbx.yaml'      = "host: adb-1.azuredatabricks.net`nhttp_path: /sql/1.0/warehouses/abc`ncatalog: main`naccess_token: '$($c.DatabricksToken)'`n"
        'dbxsp.yaml'    = "host: adb-2.azuredatabricks.net`nhttp_path: /sql/1.0/warehouses/def`ncatalog: main`nauth_method: service_principal`nclient_id: 00000000-app`nclient_secret: '$($c.DatabricksSecret)'`ntenant_id: 11111111-tenant`n"
        'mixed.yaml'    = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: '$($c.MixedLiteral)`${DCT_SUFFIX}'`n"
        'unknown.yaml'  = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: '$($c.UnknownVault)'`n"
        'conflict.yaml' = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: '$($c.ConflictLiteral)'`n"
        'failing.yaml'  = "host: adb-3.azuredatabricks.net`nhttp_path: /p`ncatalog: main`nauth_method: service_principal`nclient_id: app`ntenant_id: tenant`naccess_token: '$($c.FailedToken)'`nclient_secret: '$($c.FailedSecret)'`n"
        'removed.yaml'  = "host: pg.example.com`ndatabase: app`nusername: alice`npassword: '$($c.RemovedLiteral)'`n"
    }
    foreach ($name in $files.Keys) { [IO.File]::WriteAllText((Join-Path $script:InDir $name), $files[$name], [Text.UTF8Encoding]::new($false)) }

    $child = @'
$ErrorActionPreference = 'Continue'
$PSStyle.OutputRendering = 'PlainText'
$out = $env:DCTEST_OUT
$in = $env:DCTEST_IN
$vault = $env:DCTEST_VAULT
$locked = $env:DCTEST_LOCKED
$failing = $env:DCTEST_FAILING
$null = Start-Transcript -Path (Join-Path $out 'transcript.txt')

$VerbosePreference = 'Continue'
$DebugPreference = 'Continue'
$InformationPreference = 'Continue'
$WarningPreference = 'Continue'
$ProgressPreference = 'Continue'
Import-Module $env:DCTEST_MODULE
if (-not (Get-Module Microsoft.PowerShell.SecretManagement)) { Import-Module Microsoft.PowerShell.SecretManagement }
"SecretManagement: $((Get-Module Microsoft.PowerShell.SecretManagement).Path)"

$steps = @(
    # Literal secrets: each goes to a vault and the catalog keeps only its reference.
    { Set-DcConfig -SecretVault $vault -PassThru }
    { Get-DcConfig }
    { Add-DcSource -Name pg -Type postgresql -Path "$in/pg.yaml" -PassThru }
    { Add-DcSource -Name sf -Type snowflake -Path "$in/sf.yaml" -Vault $vault -PassThru }
    { Add-DcSource -Name dbx -Type databricks -Path "$in/dbx.yaml" -PassThru }
    { Add-DcSource -Name dbxsp -Type databricks -Path "$in/dbxsp.yaml" -PassThru -DisplayName 'Service principal' }
    { Add-DcSource -Name sec -Type postgresql -PassThru -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = (ConvertTo-SecureString $env:DCT_SECURE -AsPlainText -Force) } }
    { Add-DcSource -Name rot -Type postgresql -PassThru -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DCT_ROT_UNSET}' } }
    { Set-DcSourceSecret -Name rot -Field password -Secret (ConvertTo-SecureString $env:DCT_ROTATED -AsPlainText -Force) -PassThru }
    { Add-DcSource -Name temp -Type postgresql -Path "$in/removed.yaml" -PassThru }
    { Remove-DcSource -Name temp -RemoveSecret -Confirm:$false }
    { Add-DcSource -Name shut -Type postgresql -PassThru -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = "`${secret:$locked/pw}" } }
    { Add-DcSource -Name missing -Type postgresql -PassThru -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = "`${secret:$vault/no-such-secret}" } }
    { Add-DcSource -Name bin -Type postgresql -PassThru -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = "`${secret:$vault/bytes}" } }

    # Literal secrets that must go nowhere.
    { Add-DcSource -Name mixed -Type postgresql -Path "$in/mixed.yaml" }
    { Add-DcSource -Name unknown -Type postgresql -Path "$in/unknown.yaml" -Vault DcNoSuchVault }
    # A name that is taken is DcSourceExists; a vault secret that is someone else's is DcSecretNameConflict.
    { Add-DcSource -Name pg -Type postgresql -Path "$in/conflict.yaml" }
    { Set-Secret -Name DataCompass-clash-password -Vault $vault -Secret 'not-a-datacompass-secret' }
    { Add-DcSource -Name clash -Type postgresql -Path "$in/conflict.yaml" }
    { Add-DcSource -Name failing -Type databricks -Path "$in/failing.yaml" -Vault $failing }
    { Add-DcSource -Name whatif -Type postgresql -Path "$in/conflict.yaml" -Vault $vault -WhatIf }

    # Showing sources, every usual way.
    { Get-DcSource }
    { Get-DcSource | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSource | Format-List * | Out-String -Width 400 }
    { Get-DcSource | ForEach-Object Fields | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSource | ConvertTo-Json -Depth 6 }
    { Get-DcSource | ForEach-Object { $_.ToString(); $_.Secrets; $_.Fields | ForEach-Object { $_.ToString() } } }

    # Resolving them without -AsPlainText, every usual way.
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp, sec, rot }
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp, sec, rot | Format-List * | Out-String -Width 400 }
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp, sec, rot | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp, sec, rot | ForEach-Object { $_.Settings | Out-String -Width 400; $_.Credential | Format-List * | Out-String; "$_" } }
    { Get-DcSourceConnection -Name pg, sf, dbx, dbxsp, sec, rot | ConvertTo-Json -Depth 4 }
    { Get-DcSource | Get-DcSourceConnection | Out-String -Width 400 }

    # Preflight, every usual way.
    { Test-DcSource }
    { Test-DcSource | Format-List * | Out-String -Width 400 }
    { Test-DcSource | ConvertTo-Json -Depth 4 }
    { Test-DcSource -Quiet }

    # Resolution errors beside sources that resolve in the same call.
    { Get-DcSourceConnection -Name pg, shut, missing, bin, dbx }
    { Get-DcSourceConnection -Name nosuch }
    { Get-DcSourceConnection -Name shut -ErrorAction Stop }
)

. $env:DCTEST_SWEEP
$errorIds = Invoke-CanarySweep -Steps $steps -Out $out
$VerbosePreference = 'SilentlyContinue'
$DebugPreference = 'SilentlyContinue'

# Positive control, outside every capture: the canaries really were resolved in this process (booleans only).
$plain = { param($secure) [System.Net.NetworkCredential]::new('', $secure).Password }
$result = @{
    ErrorIds = $errorIds
    Resolved = @{
        pg    = ((Get-DcSourceConnection -Name pg).Credential.GetNetworkCredential().Password -ceq $env:DCT_PG)
        sf    = ((Get-DcSourceConnection -Name sf).Credential.GetNetworkCredential().Password -ceq $env:DCT_SF)
        dbx   = ((& $plain (Get-DcSourceConnection -Name dbx).Settings['access_token']) -ceq $env:DCT_DBX)
        dbxsp = ((& $plain (Get-DcSourceConnection -Name dbxsp).Settings['client_secret']) -ceq $env:DCT_DBXSP)
        sec   = ((Get-DcSourceConnection -Name sec).Credential.GetNetworkCredential().Password -ceq $env:DCT_SECURE)
        rot   = ((Get-DcSourceConnection -Name rot).Credential.GetNetworkCredential().Password -ceq $env:DCT_ROTATED)
    }
    Names = @(Get-DcSource | ForEach-Object Name)
}
'RESULT:' + ($result | ConvertTo-Json -Compress -Depth 4)
'@

    $script:Run = Invoke-ChildPwsh -Script $child -Environment @{
        DCTEST_SWEEP = (Join-Path $PSScriptRoot 'CanarySweep.ps1')
        DCTEST_MODULE        = (Resolve-Path -LiteralPath $script:DcModulePath).Path
        DCTEST_OUT           = $script:OutDir
        DCTEST_IN            = $script:InDir
        DCTEST_VAULT         = $script:Vault
        DCTEST_LOCKED        = $script:Locked
        DCTEST_FAILING       = $script:Failing
        DATACOMPASS_DATA_DIR = $script:DataDir
        DCT_SECURE           = $script:Moved.SecureLiteral
        DCT_ROTATED          = $script:Moved.RotatedPassword
        # Only for the positive control at the end of the child (compared there, never printed).
        DCT_PG               = $script:Moved.PostgresPassword
        DCT_SF               = $script:Moved.SnowflakePassword
        DCT_DBX              = $script:Moved.DatabricksToken
        DCT_DBXSP            = $script:Moved.DatabricksSecret
        DCT_ROT_UNSET        = [NullString]::Value
        DCT_SUFFIX           = [NullString]::Value
    }
    $script:StdoutFile = Join-Path $script:OutDir 'stdout.txt'
    Set-Content -Path $script:StdoutFile -Value $script:Run.Text
    $line = @($script:Run.Output | Where-Object { $_ -like 'RESULT:*' }) | Select-Object -Last 1
    $script:Result = if ($line) { $line.Substring('RESULT:'.Length) | ConvertFrom-Json } else { $null }

    function Get-StoredReference([string] $Source, [string] $Field) {
        ((Get-DcSource -Name $Source -Database (Join-Path $script:DataDir 'datacompass.db')).Fields | Where-Object Name -EQ $Field).Value
    }

    $script:MovedFields = [ordered]@{
        PostgresPassword  = @('pg', 'password')
        SnowflakePassword = @('sf', 'password')
        DatabricksToken   = @('dbx', 'access_token')
        DatabricksSecret  = @('dbxsp', 'client_secret')
        SecureLiteral     = @('sec', 'password')
        RotatedPassword   = @('rot', 'password')
    }
}

AfterAll {
    Remove-TestVault -Name @($script:TestVaults)
}

Describe 'No secret value leaks once Add-DcSource has moved it to a vault' -Tag 'Integration', 'Vault' {
    It 'ran the sweep: the child finished, added the sources and resolved every moved canary' {
        $script:Result | Should -Not -BeNullOrEmpty -Because $script:Run.Text
        $script:Run.ExitCode | Should -Be 0 -Because $script:Run.Text
        foreach ($name in 'pg', 'sf', 'dbx', 'dbxsp', 'sec', 'rot') {
            $script:Result.Resolved.$name | Should -BeTrue -Because "source '$name' resolves to its canary"
        }
        @($script:Result.Names | Sort-Object) | Should -Be @('bin', 'dbx', 'dbxsp', 'missing', 'pg', 'rot', 'sec', 'sf', 'shut')
    }

    It 'triggered the errors it meant to' {
        $ids = @($script:Result.ErrorIds)
        foreach ($expected in @(
                (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource')
                (Get-DcErrorId 'DcVaultNotFound' 'Add-DcSource')
                (Get-DcErrorId 'DcSourceExists' 'Add-DcSource')
                (Get-DcErrorId 'DcSecretNameConflict' 'Add-DcSource')
                (Get-DcErrorId 'DcVaultFailed' 'Add-DcSource')
                (Get-DcErrorId 'DcVaultLocked' 'Get-DcSourceConnection')
                (Get-DcErrorId 'DcSecretNotFound' 'Get-DcSourceConnection')
                (Get-DcErrorId 'DcSecretTypeUnusable' 'Get-DcSourceConnection')
                (Get-DcErrorId 'DcSourceNotFound' 'Get-DcSourceConnection'))) {
            $ids | Should -Contain $expected
        }
    }

    It 'puts only DataCompass ErrorRecords with stable ErrorIds into $Error (no SecretManagement or vault internals)' {
        $ids = @($script:Result.ErrorIds)
        $ids.Count | Should -BeGreaterThan 0
        @($ids | Where-Object { $_ -notmatch '^Dc[A-Za-z]+,DataCompass\.Commands\.[A-Za-z]+Command$' } | Sort-Object -Unique) | Should -BeNullOrEmpty
    }

    It 'moved each literal canary into the test vault (positive control: the vault''s own file and Get-Secret)' {
        $vaultFiles = @(Get-TestVaultFiles $script:Vault | ForEach-Object FullName)
        $vaultFiles | Should -Not -BeNullOrEmpty
        foreach ($key in $script:MovedFields.Keys) {
            $source, $field = $script:MovedFields[$key]
            $reference = Get-StoredReference $source $field
            $reference | Should -Match "^\`$\{secret:$([regex]::Escape($script:Vault))/[A-Za-z0-9-]+\}$" -Because "$source.$field is a vault reference"
            $secretName = $reference -replace '^\$\{secret:[^/]+/(.+)\}$', '$1'
            Get-Secret -Name $secretName -Vault $script:Vault -AsPlainText | Should -BeExactly $script:Moved[$key]
            Test-AnyContains -Path $vaultFiles -Text ($script:Moved[$key] -split '-')[-1] | Should -BeTrue -Because "$key is in the vault's file"
        }
    }

    It 'left no refused, compensated or removed canary in any vault' {
        $vaultFiles = @(foreach ($vault in $script:Vault, $script:Failing, $script:Locked) { Get-TestVaultFiles $vault | ForEach-Object FullName })
        @(Find-Canary -Path $vaultFiles -Canaries $script:Refused) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in the catalog data folder (db, -wal, -shm, config.yaml), which holds the references' {
        $files = @(Get-ChildItem -Path $script:DataDir -Recurse -File -Force | ForEach-Object FullName)
        $files | Should -Contain (Join-Path $script:DataDir 'datacompass.db')
        $files | Should -Contain (Join-Path $script:DataDir 'config.yaml')
        Test-BytesContain -Path (Join-Path $script:DataDir 'config.yaml') -Text $script:Vault | Should -BeTrue
        foreach ($key in $script:MovedFields.Keys) {
            $source, $field = $script:MovedFields[$key]
            $reference = Get-StoredReference $source $field
            Test-AnyContains -Path $files -Text $reference | Should -BeTrue -Because "the catalog stores the reference $reference"
        }
        @(Find-Canary -Path $files -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in the transcript' {
        $transcript = Join-Path $script:OutDir 'transcript.txt'
        $transcript | Should -Exist
        foreach ($expected in 'dbxsp', 'VERBOSE:', 'DcVaultLocked', 'DcSecretNameConflict', 'Unlock-SecretVault', "`${secret:$($script:Vault)/DataCompass-pg-password}", 'What if:') {
            Test-BytesContain -Path $transcript -Text $expected | Should -BeTrue -Because "the transcript records '$expected'"
        }
        @(Find-Canary -Path $transcript -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in any stream (output, error, warning, verbose, debug, information)' {
        $streams = Join-Path $script:OutDir 'streams.txt'
        $streams | Should -Exist
        foreach ($expected in 'DcPlaintextSecretRefused', 'DcVaultNotFound', 'DcSecretNameConflict', 'DcVaultFailed', 'DcVaultLocked',
            'DcSecretNotFound', 'DcSecretTypeUnusable', 'Stored the literal value', 'client_secret', '(SecureString)', 'VERBOSE:') {
            Test-BytesContain -Path $streams -Text $expected | Should -BeTrue -Because "the captured streams hold '$expected'"
        }
        @(Find-Canary -Path $streams -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in $Error (messages, targets, exception text)' {
        $errors = Join-Path $script:OutDir 'errors.txt'
        $errors | Should -Exist
        foreach ($expected in 'DcVaultLocked', 'DcSecretNameConflict', 'TargetObject', 'SecurityException') {
            Test-BytesContain -Path $errors -Text $expected | Should -BeTrue -Because "the `$Error dump holds '$expected'"
        }
        @(Find-Canary -Path $errors -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in the child''s stdout and stderr' {
        Test-BytesContain -Path $script:StdoutFile -Text 'RESULT:' | Should -BeTrue
        @(Find-Canary -Path $script:StdoutFile -Canaries $script:Canaries) | Should -BeNullOrEmpty
    }

    It 'can see a canary where one is (the search itself works)' {
        @(Find-Canary -Path (Join-Path $script:InDir 'pg.yaml') -Canaries $script:Canaries) | Should -Not -BeNullOrEmpty
        $utf16 = Join-Path $TestDrive 'utf16.txt'
        [IO.File]::WriteAllText($utf16, "x $($script:Moved.DatabricksToken) y", [Text.Encoding]::Unicode)
        @(Find-Canary -Path $utf16 -Canaries $script:Canaries) | Should -Not -BeNullOrEmpty
        $escaped = Join-Path $TestDrive 'escaped.txt'
        Set-Content -Path $escaped -Value ([uri]::EscapeDataString($script:Moved.PostgresPassword))
        @(Find-Canary -Path $escaped -Canaries $script:Canaries) | Should -Not -BeNullOrEmpty
    }
}

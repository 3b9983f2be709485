#Requires -Version 7.4
# Every cmdlet's help examples, run as a user pastes them: in order, in one fresh session, stopping at the first
# error. The session is a sandbox a new user could have: a working folder with the files the examples name
# (prod.yaml, wh.yaml, sources.csv, ./sources), vaults named Store and Corp (the file-backed test vault, in a private
# HOME), the environment variables the examples read, and the catalog state each cmdlet's examples start from.
# Confirmation prompts are answered yes ($ConfirmPreference = 'None'), as the user at the keyboard would. The few
# examples that cannot run unattended are listed below with the reason; the list is checked against the help.

BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    $manifest = Import-PowerShellDataFile -Path $script:DcModulePath
    $script:Cmdlets = @($manifest.CmdletsToExport | Sort-Object | ForEach-Object {
            @{ Name = $_; NeedsSqlCipher = $_ -in 'Protect-DcDatabase', 'Unprotect-DcDatabase' }
        })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-Module $script:DcModulePath -Force

    # Cmdlet, example number (from 1), and why it cannot run here.
    $script:Unattended = @{
        'Set-DcSourceSecret#1' = 'reads the new password with Read-Host'
        'Set-DcSourceSecret#2' = 'asks for a credential with Get-Credential'
        'Set-DcConfig#1'       = 'registers a Microsoft.PowerShell.SecretStore vault, a module the stand-in lane has not'
        'Test-DcSource#4'      = 'logs in to the sources'' databases, which do not exist here'
        'Test-DcSource#5'      = 'logs in to the sources'' databases, which do not exist here'
    }

    # What each cmdlet's examples start from, run in the sandbox before them. Sources use ${DB_PASSWORD}, literal
    # passwords go to Store.
    $pg = "@{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = '`${DB_PASSWORD}' }"
    $sf = "@{ account = 'acme'; warehouse = 'wh'; database = 'db'; username = 'svc'; password = 'sf-literal' }"
    $script:Preludes = @{
        'Convert-DcSourceSecret' = "Add-DcSource -Name legacy -Type postgresql -AllowPlaintext -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'plain-pw' }
            Add-DcSource -Name wh -Type snowflake -AllowPlaintext -Connection @{ account = 'a'; warehouse = 'w'; database = 'd'; username = 'u'; password = 'plain-sf' }"
        'Export-DcSource'        = "Add-DcSource -Name prod -Type postgresql -Connection $pg; Add-DcSource -Name prod-eu -Type postgresql -Connection $pg"
        'Get-DcAuditEvent'       = "Add-DcSource -Name prod -Type postgresql -Connection $pg; Add-DcSource -Name pg-a -Type postgresql -Connection $pg
            Add-DcSource -Name old -Type postgresql -Connection $pg; Remove-DcSource -Name old -Confirm:`$false"
        'Get-DcEncryptionStatus' = "`$null = New-DcEncryptionKey; Add-DcSource -Name legacy -Type postgresql -Encrypt -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'enc-pw' }"
        'New-DcEncryptionKey'    = "Add-DcSource -Name prod -Type postgresql -Connection $pg"
        'Get-DcSecretInventory'  = "Add-DcSource -Name wh -Type snowflake -Vault Store -Connection $sf"
        'Get-DcSource'           = "Add-DcSource -Name prod -Type postgresql -Connection $pg; Add-DcSource -Name sales-1 -Type postgresql -Connection $pg -Database ./test/datacompass.db"
        'Get-DcSourceConnection' = "Add-DcSource -Name prod -Type postgresql -Connection $pg; Add-DcSource -Name wh -Type snowflake -Vault Store -Connection $sf"
        'Move-DcSourceSecret'    = "Add-DcSource -Name prod-eu -Type postgresql -Vault Store -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'eu-literal' }
            Add-DcSource -Name wh -Type snowflake -Vault Store -Connection $sf"
        'Protect-DcDatabase'     = "Add-DcSource -Name prod -Type postgresql -Connection $pg; Add-DcSource -Name ci -Type postgresql -Connection $pg -Database ./ci/datacompass.db"
        'Unprotect-DcDatabase'   = "Add-DcSource -Name prod -Type postgresql -Connection $pg; Add-DcSource -Name ci -Type postgresql -Connection $pg -Database ./ci/datacompass.db"
        'Remove-DcEncryptionKey' = "`$null = New-DcEncryptionKey; Add-DcSource -Name legacy -Type postgresql -Encrypt -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'enc-pw' }"
        'Remove-DcSource'        = "Add-DcSource -Name prod -Type postgresql -Connection $pg; Add-DcSource -Name wh -Type snowflake -Vault Store -Connection $sf
            Add-DcSource -Name dbx -Type databricks -Connection @{ host = 'adb'; http_path = '/sql/x'; catalog = 'main'; access_token = '`${DATABRICKS_TOKEN}' }"
        'Set-DcSourceSecret'     = "Add-DcSource -Name dbx -Type databricks -Connection @{ host = 'adb'; http_path = '/sql/x'; catalog = 'main'; access_token = '`${DATABRICKS_TOKEN}' }"
        'Test-DcSource'          = "Add-DcSource -Name prod -Type postgresql -Connection $pg; Add-DcSource -Name sales-1 -Type postgresql -Connection $pg"
        'Update-DcEncryptionKey' = "`$env:DATACOMPASS_ENCRYPTION_KEY = New-DcEncryptionKey -AsPlainText
            Add-DcSource -Name legacy -Type postgresql -Encrypt -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'enc-pw' }"
    }

    # The catalog files these need are made plain, then the examples run in a session with the database key set.
    $script:PlainFirst = @('Protect-DcDatabase', 'Unprotect-DcDatabase')
    $script:EncryptFirst = @{ 'Unprotect-DcDatabase' = 'Protect-DcDatabase -Confirm:$false | Out-Null; Protect-DcDatabase -Database ./ci/datacompass.db -Confirm:$false | Out-Null' }

    $script:Sandbox = @'
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Set-Location $env:DCTEST_WORK
Import-Module $env:DCTEST_MODULE
foreach ($vault in 'Store', 'Corp') {
    if (-not (Get-SecretVault -Name $vault -ErrorAction Ignore)) {
        Register-SecretVault -Name $vault -ModuleName $env:DCTEST_VAULT_MODULE -VaultParameters @{ Path = (Join-Path $env:DCTEST_SANDBOX "vault-$vault") }
    }
}
'@
    $script:Runner = @'
$ConfirmPreference = 'None'
$examples = @((Get-Help $env:DCTEST_CMDLET -Full).examples.example)
$skip = @($env:DCTEST_SKIP -split ',' | Where-Object { $_ } | ForEach-Object { [int]$_ })
for ($i = 0; $i -lt $examples.Count; $i++) {
    if (($i + 1) -in $skip) { "SKIPPED example $($i + 1)"; continue }
    try { $null = . ([scriptblock]::Create("$($examples[$i].code)")) 6>$null }
    catch { "FAILED example $($i + 1) ($($examples[$i].title.Trim('- '))): $($_.FullyQualifiedErrorId): $($_.Exception.Message)"; exit 1 }
    "RAN example $($i + 1)"
}
'RAN ALL'
'@

    function New-Sandbox {
        $root = Join-Path $TestDrive ("examples-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $work = New-Item -ItemType Directory -Force (Join-Path $root 'work')
        $null = New-Item -ItemType Directory -Force (Join-Path $root 'home'), (Join-Path $work 'sources')
        Set-Content -Path (Join-Path $work 'prod.yaml') -Value 'host: db.example.com', 'database: sales', 'username: app', 'password: ${DB_PASSWORD}'
        Set-Content -Path (Join-Path $work 'wh.yaml') -Value 'account: acme', 'warehouse: wh', 'database: db', 'username: svc', 'password: s3cr3t'
        Set-Content -Path (Join-Path $work 'sources.csv') -Value 'Name,Type,Path,DisplayName', 'sales,postgresql,./prod.yaml,Sales (production)', 'warehouse,snowflake,./wh.yaml,Warehouse'
        foreach ($name in 'hr', 'finance') {
            Set-Content -Path (Join-Path $work "sources/$name.yaml") -Value 'type: postgresql', "host: $name.example.com", 'database: d', 'username: u', 'password: "${DB_PASSWORD}"'
        }
        [pscustomobject]@{ Root = $root; Work = $work.FullName }
    }

    function Invoke-Sandbox([pscustomobject] $Sandbox, [string] $Script, [hashtable] $Environment = @{}) {
        $childEnvironment = @{
            HOME = (Join-Path $Sandbox.Root 'home'); DCTEST_WORK = $Sandbox.Work; DCTEST_SANDBOX = $Sandbox.Root; DCTEST_MODULE = $script:DcModulePath
            DCTEST_VAULT_MODULE = (Resolve-Path (Join-Path $PSScriptRoot '../SecretManagement/Vaults/DataCompass.TestVault')).Path
            DATACOMPASS_DATA_DIR = (Join-Path $Sandbox.Root 'data'); DATACOMPASS_ENCRYPTION_KEY = $null; DATACOMPASS_DATABASE_KEY = $null
            DB_PASSWORD = 'example-db-pw'; DATABRICKS_TOKEN = 'example-dbx-token'; STORE_PASSWORD = 'example-store-pw'
        }
        foreach ($key in $Environment.Keys) { $childEnvironment[$key] = $Environment[$key] }
        Invoke-ChildPwsh -Script ($script:Sandbox + "`n" + $Script) -Environment $childEnvironment
    }
}

Describe 'The help examples of <Name>' -ForEach $script:Cmdlets {
    It 'run when pasted in order, in a new session' -Tag $(if ($NeedsSqlCipher) { 'SQLCipher' } else { 'Help' }) -Skip:($NeedsSqlCipher -and -not $env:DATACOMPASS_TEST_SQLCIPHER) {
        $sandbox = New-Sandbox
        $prelude = if ($script:Preludes.ContainsKey($Name)) { $script:Preludes[$Name] } else { '' }
        $environment = @{ DCTEST_CMDLET = $Name }
        $environment.DCTEST_SKIP = (@($script:Unattended.Keys | Where-Object { $_ -like "$Name#*" } | ForEach-Object { $_.Split('#')[1] }) -join ',')
        if ($Name -in $script:PlainFirst) {
            $made = Invoke-Sandbox $sandbox $prelude
            $made.ExitCode | Should -Be 0 -Because $made.Text
            $prelude = if ($script:EncryptFirst.ContainsKey($Name)) { $script:EncryptFirst[$Name] } else { '' }
            $environment.DATACOMPASS_DATABASE_KEY = 'example-database-key'
        }
        $run = Invoke-Sandbox $sandbox ($prelude + "`n" + $script:Runner) -Environment $environment
        $run.Text | Should -BeLike '*RAN ALL*' -Because $run.Text
        $run.ExitCode | Should -Be 0 -Because $run.Text
    }
}

Describe 'The examples that cannot run unattended' {
    It 'are examples the help has' {
        foreach ($entry in $script:Unattended.Keys) {
            $name, $number = $entry.Split('#')
            $examples = @((Get-Help $name -Full).examples.example)
            [int]$number | Should -BeLessOrEqual $examples.Count -Because "$entry is listed as unattended"
        }
    }
}

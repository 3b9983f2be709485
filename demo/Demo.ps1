<#
.SYNOPSIS
    A short walk through DataCompass against a throw-away catalog: what a user types and what they see.
.DESCRIPTION
    build.ps1 -Task Demo runs this in a child pwsh with a private HOME, so the vault it registers never reaches
    the real SecretManagement registry. Where Microsoft.PowerShell.SecretManagement is not installed, the
    stand-in from tests/SecretManagement plays its part; the vault is the file-backed test vault.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $VaultModulePath
)

$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$workspace = Join-Path ([IO.Path]::GetTempPath()) ("datacompass-demo-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory -Path $workspace | Out-Null
$env:DATACOMPASS_DATA_DIR = Join-Path $workspace 'data'

function Show-Step([string] $Command) {
    Write-Host ''
    Write-Host "PS> $Command" -ForegroundColor Cyan
}

function Show-Error([scriptblock] $Action) {
    try {
        & $Action 2>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { throw $_ } else { $_ } } | Out-Host
    }
    catch {
        Write-Host "  error [$($_.FullyQualifiedErrorId)]: $($_.Exception.Message)" -ForegroundColor Yellow
    }
}

try {
    Import-Module $ModulePath
    Push-Location $workspace

    Set-Content -Path prod.yaml -Value @'
host: db.example.com
database: sales
username: app
password: ${DB_PASSWORD}
port: ${DB_PORT:-5432}
'@
    Set-Content -Path warehouse.yaml -Value @'
account: acme-eu
warehouse: ANALYTICS
database: SALES
username: svc_reader
password: s3cr3t-from-yaml
role: READER
'@

    Show-Step 'Get-Content ./prod.yaml'
    Get-Content ./prod.yaml | Out-Host

    Show-Step "`$env:DB_PASSWORD = 'hunter2'; Add-DcSource -Name prod -Type postgresql -Path ./prod.yaml -DisplayName 'Production sales'"
    $env:DB_PASSWORD = 'hunter2'
    Add-DcSource -Name prod -Type postgresql -Path ./prod.yaml -DisplayName 'Production sales'

    Show-Step "Add-DcSource -Name typo -Type postgresql -Connection @{ host = 'db'; database = 'd'; username = 'u'; pasword = 'x' }"
    Show-Error { Add-DcSource -Name typo -Type postgresql -Connection @{ host = 'db'; database = 'd'; username = 'u'; pasword = 'x' } }

    Show-Step 'Add-DcSource -Name warehouse -Type snowflake -Path ./warehouse.yaml     # a literal password, and no vault yet'
    Show-Error { Add-DcSource -Name warehouse -Type snowflake -Path ./warehouse.yaml }

    Show-Step "New-DcEncryptionKey     # no vault, but a key: literal secrets can be stored encrypted"
    New-DcEncryptionKey | Out-Host

    Show-Step "`$env:LEGACY_PW = 'l3gacy-pw'; Add-DcSource -Name legacy -Type postgresql -Connection @{ host = 'old-db'; database = 'erp'; username = 'etl'; password = '`${LEGACY_PW}' } -ResolveNow"
    $env:LEGACY_PW = 'l3gacy-pw'
    Add-DcSource -Name legacy -Type postgresql -Connection @{ host = 'old-db'; database = 'erp'; username = 'etl'; password = '${LEGACY_PW}' } -ResolveNow
    Remove-Item env:LEGACY_PW
    Show-Step "Get-DcSource legacy | Select-Object -ExpandProperty Fields | Where-Object IsSecret"
    Get-DcSource legacy | Select-Object -ExpandProperty Fields | Where-Object IsSecret | Out-Host
    Show-Step "(Get-DcSourceConnection legacy).Credential     # decrypted at connection time"
    (Get-DcSourceConnection legacy).Credential | Out-Host

    Show-Step 'New-DcEncryptionKey; Update-DcEncryptionKey; Get-DcEncryptionStatus     # rotate the key'
    New-DcEncryptionKey | Out-Null
    Update-DcEncryptionKey | Out-Host
    Get-DcEncryptionStatus | Out-Host

    $sm = if (Get-Module -ListAvailable Microsoft.PowerShell.SecretManagement | Where-Object { $_.ModuleBase -notlike '*tests*SecretManagement*' }) { 'Microsoft.PowerShell.SecretManagement' } else { 'the SecretManagement stand-in from tests/SecretManagement' }
    Show-Step "Register-SecretVault -Name DemoVault -ModuleName <DataCompass.TestVault> -DefaultVault     # ($sm, in a private HOME)"
    Register-SecretVault -Name DemoVault -ModuleName (Resolve-Path $VaultModulePath).Path -VaultParameters @{ Path = (Join-Path $workspace 'vault') } -DefaultVault
    Get-SecretVault | Out-Host

    Show-Step 'Add-DcSource -Name warehouse -Type snowflake -Path ./warehouse.yaml -Verbose     # the literal goes to the vault'
    Add-DcSource -Name warehouse -Type snowflake -Path ./warehouse.yaml -Verbose

    Show-Step 'Get-DcSource'
    Get-DcSource | Out-Host

    Show-Step 'Get-DcSource prod | Select-Object -ExpandProperty Fields'
    Get-DcSource prod | Select-Object -ExpandProperty Fields | Out-Host

    Show-Step 'Get-DcSourceConnection prod'
    Get-DcSourceConnection prod | Out-Host

    Show-Step "(Get-DcSourceConnection warehouse -AsPlainText).Settings['password']"
    (Get-DcSourceConnection warehouse -AsPlainText).Settings['password'] | Out-Host

    Show-Step 'Remove-Item env:DB_PASSWORD; Test-DcSource     # preflight: every reference, no value shown'
    Remove-Item env:DB_PASSWORD
    Test-DcSource | Out-Host

    Show-Step 'Get-DcSourceConnection prod'
    Show-Error { Get-DcSourceConnection prod }

    Show-Step "Set-DcSourceSecret -Name prod -Field password -Secret (ConvertTo-SecureString 'n3w-pa55' -AsPlainText -Force) -PassThru     # rotate into the vault"
    Set-DcSourceSecret -Name prod -Field password -Secret (ConvertTo-SecureString 'n3w-pa55' -AsPlainText -Force) -PassThru | Out-Host
    Show-Step 'Test-DcSource -Quiet'
    Test-DcSource -Quiet | Out-Host

    Show-Step "Get-ChildItem `$env:DATACOMPASS_DATA_DIR | Where-Object { (Get-Content -Raw `$_) -match 'hunter2|s3cr3t-from-yaml|n3w-pa55|l3gacy-pw' }     # no secret in the catalog"
    $hits = @(Get-ChildItem $env:DATACOMPASS_DATA_DIR -File | Where-Object { [IO.File]::ReadAllText($_.FullName) -match 'hunter2|s3cr3t-from-yaml|n3w-pa55|l3gacy-pw' })
    Write-Host "  files holding a secret: $($hits.Count)"

    Show-Step 'Get-DcAuditEvent -Source prod     # who changed or resolved it, and how; never a value'
    Get-DcAuditEvent -Source prod | Out-Host

    Show-Step 'Get-DcSource | Remove-DcSource -RemoveSecret -Confirm:$false; Get-SecretInfo -Vault DemoVault'
    Get-DcSource | Remove-DcSource -RemoveSecret -Confirm:$false
    Get-SecretInfo -Vault DemoVault | Out-Host
    Write-Host '  (catalog and the secrets DataCompass created are gone)'
}
finally {
    Pop-Location -ErrorAction SilentlyContinue
    Unregister-SecretVault -Name DemoVault -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force $workspace -ErrorAction SilentlyContinue
}

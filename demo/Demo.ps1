<#
.SYNOPSIS
    A short walk through DataCompass against a throw-away catalog: what a user types and what they see.
#>
param([Parameter(Mandatory)] [string] $ModulePath)

$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$workspace = Join-Path ([IO.Path]::GetTempPath()) ("datacompass-demo-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory -Path $workspace | Out-Null
$env:DATACOMPASS_DATA_DIR = Join-Path $workspace 'data'

function Show-Step([string] $Command) {
    Write-Host ''
    Write-Host "PS> $Command" -ForegroundColor Cyan
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
password: ${SNOWFLAKE_PASSWORD}
role: READER
'@

    Show-Step 'Get-Content ./prod.yaml'
    Get-Content ./prod.yaml | Out-Host

    Show-Step "`$env:DB_PASSWORD = 'hunter2'; Add-DcSource -Name prod -Type postgresql -Path ./prod.yaml"
    $env:DB_PASSWORD = 'hunter2'
    Add-DcSource -Name prod -Type postgresql -Path ./prod.yaml -DisplayName 'Production sales'

    Show-Step 'Add-DcSource -Name warehouse -Type snowflake -Path ./warehouse.yaml'
    Add-DcSource -Name warehouse -Type snowflake -Path ./warehouse.yaml

    Show-Step "Add-DcSource -Name typo -Type postgresql -Connection @{ host = 'db'; database = 'd'; username = 'u'; pasword = 'x' }"
    Add-DcSource -Name typo -Type postgresql -Connection @{ host = 'db'; database = 'd'; username = 'u'; pasword = 'x' } -ErrorAction Continue 2>&1 |
        ForEach-Object { Write-Host "  error [$($_.FullyQualifiedErrorId)]: $($_.Exception.Message)" -ForegroundColor Yellow }

    Show-Step "Add-DcSource -Name leaky -Type postgresql -Connection @{ host = 'db'; database = 'd'; username = 'u'; password = 's3cr3t' }"
    Add-DcSource -Name leaky -Type postgresql -Connection @{ host = 'db'; database = 'd'; username = 'u'; password = 's3cr3t' } -ErrorAction Continue 2>&1 |
        ForEach-Object { Write-Host "  error [$($_.FullyQualifiedErrorId)]: $($_.Exception.Message)" -ForegroundColor Yellow }

    Show-Step 'Get-DcSource'
    Get-DcSource | Out-Host

    Show-Step 'Get-DcSource prod | Select-Object -ExpandProperty Fields'
    Get-DcSource prod | Select-Object -ExpandProperty Fields | Out-Host

    Show-Step 'Get-DcSourceConnection prod'
    Get-DcSourceConnection prod | Out-Host

    Show-Step "(Get-DcSourceConnection prod -AsPlainText).Settings['password']"
    (Get-DcSourceConnection prod -AsPlainText).Settings['password'] | Out-Host

    Show-Step 'Get-DcSourceConnection warehouse     # SNOWFLAKE_PASSWORD is not set'
    Get-DcSourceConnection warehouse -ErrorAction Continue 2>&1 |
        ForEach-Object { Write-Host "  error [$($_.FullyQualifiedErrorId)]: $($_.Exception.Message)" -ForegroundColor Yellow }

    Show-Step "Select-String -Path `$env:DATACOMPASS_DATA_DIR/* -Pattern 'hunter2' -SimpleMatch     # the secret is not in the database"
    $hits = @(Get-ChildItem $env:DATACOMPASS_DATA_DIR -File | Where-Object { [IO.File]::ReadAllText($_.FullName).Contains('hunter2') })
    Write-Host "  files holding the password: $($hits.Count)"

    Show-Step 'Get-DcSource | Remove-DcSource -Confirm:$false; Get-DcSource'
    Get-DcSource | Remove-DcSource -Confirm:$false
    Get-DcSource | Out-Host
    Write-Host '  (catalog empty)'
}
finally {
    Pop-Location -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force $workspace -ErrorAction SilentlyContinue
}

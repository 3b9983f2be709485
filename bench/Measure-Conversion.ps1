<#
.SYNOPSIS
    Converting 1,000 plaintext sources with Convert-DcSourceSecret, against a bare loop of Set-Secret plus
    Get-Secret for the same values in the same session.
.DESCRIPTION
    The catalog is filled with -AllowPlaintext sources before any vault exists, as a legacy catalog would be.
    Each side then writes into an empty file-backed test vault of its own. Target ratio <= 1.3. Runs in a child
    pwsh with a private HOME, with the installed SecretManagement or else the stand-in from tests/SecretManagement.
.EXAMPLE
    dotnet pwsh ./bench/Measure-Conversion.ps1
#>
param(
    [int] $Sources = 1000,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataCompass/DataCompass.psd1'),
    [switch] $Inner
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot

if (-not $Inner) {
    . (Join-Path $PSScriptRoot 'PrivateHome.ps1')
    exit (Invoke-InPrivateHome -ScriptPath $PSCommandPath -Parameters @{ Sources = $Sources; ModulePath = (Resolve-Path $ModulePath).Path })
}

Import-Module $ModulePath
$database = Join-Path $env:HOME 'legacy.db'
$values = 0..($Sources - 1) | ForEach-Object { "legacy-password-$_-" + [guid]::NewGuid().ToString('n') }
foreach ($i in 0..($Sources - 1)) {
    Add-DcSource -Database $database -Name "legacy-$i" -Type postgresql -AllowPlaintext -WarningAction SilentlyContinue -Connection @{
        host = 'db.example.com'; database = 'sales'; username = 'app'; password = $values[$i]
    }
}

$vaultModule = (Resolve-Path (Join-Path $root 'tests/SecretManagement/Vaults/DataCompass.TestVault')).Path
Register-SecretVault -Name BenchBare -ModuleName $vaultModule -VaultParameters @{ Path = (Join-Path $env:HOME 'bare') } -DefaultVault:$false
Register-SecretVault -Name BenchConvert -ModuleName $vaultModule -VaultParameters @{ Path = (Join-Path $env:HOME 'convert') } -DefaultVault:$false

# Warm both paths up on a throw-away name and a throw-away catalog.
Set-Secret -Name warm -Vault BenchBare -Secret 'x'; $null = Get-Secret -Name warm -Vault BenchBare -AsPlainText; Remove-Secret -Name warm -Vault BenchBare

$bare = (Measure-Command {
        foreach ($i in 0..($Sources - 1)) {
            Set-Secret -Name "bare-$i" -Vault BenchBare -Secret $values[$i]
            $null = Get-Secret -Name "bare-$i" -Vault BenchBare -AsPlainText
        }
    }).TotalMilliseconds
$convert = (Measure-Command { $script:results = @(Convert-DcSourceSecret -Database $database -Vault BenchConvert -Confirm:$false) }).TotalMilliseconds
$converted = @($script:results | Where-Object Status -eq 'Converted').Count
if ($converted -ne $Sources) { throw "Converted $converted of $Sources fields." }

$smModule = Get-Module Microsoft.PowerShell.SecretManagement
Write-Host "SecretManagement: $($smModule.Name) $($smModule.Version) from $($smModule.ModuleBase)"
[pscustomobject]@{
    Sources                        = $Sources
    'Convert-DcSourceSecret ms'    = [Math]::Round($convert, 0)
    'Bare Set+Get-Secret loop ms'  = [Math]::Round($bare, 0)
    Ratio                          = [Math]::Round($convert / $bare, 3)
} | Format-List | Out-Host
Unregister-SecretVault -Name BenchBare, BenchConvert

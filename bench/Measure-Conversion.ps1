<#
.SYNOPSIS
    Converting 1,000 plaintext sources with Convert-DcSourceSecret, against a bare loop of Set-Secret plus
    Get-Secret for the same values in the same session.
.DESCRIPTION
    The catalog is filled with -AllowPlaintext sources before any vault exists, as a legacy catalog would be.
    Each side then writes into an empty file-backed test vault of its own. Target ratio <= 1.3. Runs in a child
    pwsh with a private HOME, with the installed SecretManagement or else the stand-in from tests/SecretManagement.
    -Vault SecretStore registers the real Microsoft.PowerShell.SecretStore instead (Authentication None), which
    needs the real modules on PSModulePath. Every SecretStore registration in one HOME shares one store, so there
    is one vault: the bare loop writes bare-<i> into the empty store and is measured first, its secrets are then
    removed (unmeasured), and the conversion writes its own names into the store, empty again. Both sides see the
    store grow from 0 to -Sources secrets.
.EXAMPLE
    dotnet pwsh ./bench/Measure-Conversion.ps1
.EXAMPLE
    $env:PSModulePath = "$HOME/modules:$env:PSModulePath"; dotnet pwsh ./bench/Measure-Conversion.ps1 -Vault SecretStore
#>
param(
    [int] $Sources = 1000,
    [ValidateSet('TestVault', 'SecretStore')]
    [string] $Vault = 'TestVault',
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataCompass/DataCompass.psd1'),
    [switch] $Inner
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot

if (-not $Inner) {
    . (Join-Path $PSScriptRoot 'PrivateHome.ps1')
    exit (Invoke-InPrivateHome -ScriptPath $PSCommandPath -Parameters @{ Sources = $Sources; Vault = $Vault; ModulePath = (Resolve-Path $ModulePath).Path })
}

Import-Module $ModulePath
$database = Join-Path $env:HOME 'legacy.db'
$values = 0..($Sources - 1) | ForEach-Object { "legacy-password-$_-" + [guid]::NewGuid().ToString('n') }
foreach ($i in 0..($Sources - 1)) {
    Add-DcSource -Database $database -Name "legacy-$i" -Type postgresql -AllowPlaintext -WarningAction SilentlyContinue -Connection @{
        host = 'db.example.com'; database = 'sales'; username = 'app'; password = $values[$i]
    }
}

if ($Vault -eq 'SecretStore') {
    # One store per HOME, whatever the number of registrations: one vault, distinct names for the two sides.
    Import-Module Microsoft.PowerShell.SecretStore
    Set-SecretStoreConfiguration -Scope CurrentUser -Authentication None -Interaction None -Confirm:$false `
        -Password (ConvertTo-SecureString 'bench' -AsPlainText -Force)
    Register-SecretVault -Name BenchStore -ModuleName Microsoft.PowerShell.SecretStore -DefaultVault:$false
    $bareVault, $convertVault, $vaults = 'BenchStore', 'BenchStore', @('BenchStore')
}
else {
    $vaultModule = (Resolve-Path (Join-Path $root 'tests/SecretManagement/Vaults/DataCompass.TestVault')).Path
    Register-SecretVault -Name BenchBare -ModuleName $vaultModule -VaultParameters @{ Path = (Join-Path $env:HOME 'bare') } -DefaultVault:$false
    Register-SecretVault -Name BenchConvert -ModuleName $vaultModule -VaultParameters @{ Path = (Join-Path $env:HOME 'convert') } -DefaultVault:$false
    $bareVault, $convertVault, $vaults = 'BenchBare', 'BenchConvert', @('BenchBare', 'BenchConvert')
}

# Warm the bare path up on a throw-away name.
Set-Secret -Name warm -Vault $bareVault -Secret 'x'; $null = Get-Secret -Name warm -Vault $bareVault -AsPlainText; Remove-Secret -Name warm -Vault $bareVault

$bare = (Measure-Command {
        foreach ($i in 0..($Sources - 1)) {
            Set-Secret -Name "bare-$i" -Vault $bareVault -Secret $values[$i]
            $null = Get-Secret -Name "bare-$i" -Vault $bareVault -AsPlainText
        }
    }).TotalMilliseconds
if ($bareVault -eq $convertVault) {
    # Shared store: empty it again, so the conversion writes into a store of the same sizes as the bare loop did.
    foreach ($i in 0..($Sources - 1)) { Remove-Secret -Name "bare-$i" -Vault $bareVault }
    $left = @(Get-SecretInfo -Vault $convertVault).Count
    if ($left -ne 0) { throw "$left secrets left in $convertVault before the conversion." }
}
$convert = (Measure-Command { $script:results = @(Convert-DcSourceSecret -Database $database -Vault $convertVault -Confirm:$false) }).TotalMilliseconds
$converted = @($script:results | Where-Object Status -eq 'Converted').Count
if ($converted -ne $Sources) { throw "Converted $converted of $Sources fields." }

$smModule = Get-Module Microsoft.PowerShell.SecretManagement
Write-Host "SecretManagement: $($smModule.Name) $($smModule.Version) from $($smModule.ModuleBase)"
if ($Vault -eq 'SecretStore') {
    $ssModule = Get-Module Microsoft.PowerShell.SecretStore
    Write-Host "Vault: $($ssModule.Name) $($ssModule.Version) (Authentication None), one store: bare loop first, its secrets removed, then the conversion"
}
else { Write-Host 'Vault: DataCompass.TestVault (file-backed), one empty vault per side' }
[pscustomobject]@{
    Sources                        = $Sources
    'Convert-DcSourceSecret ms'    = [Math]::Round($convert, 0)
    'Bare Set+Get-Secret loop ms'  = [Math]::Round($bare, 0)
    Ratio                          = [Math]::Round($convert / $bare, 3)
} | Format-List | Out-Host
Unregister-SecretVault -Name $vaults

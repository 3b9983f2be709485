<#
.SYNOPSIS
    Resolving vault-backed sources with Get-DcSourceConnection, against bare Get-Secret calls for the same
    secrets in the same session.
.DESCRIPTION
    Two scenarios, each timed against its own baseline in the same pwsh process:
      distinct : 1,000 sources, each with its own vault secret. Get-DcSourceConnection -Name <all 1,000>
                 against a loop of 1,000 Get-Secret -AsPlainText calls. Target ratio <= 1.15.
      shared   : 1,000 sources sharing 100 secrets. Get-DcSourceConnection -Name <all 1,000> (each distinct
                 secret fetched once) against the same 1,000-call Get-Secret loop. Target ratio <= 0.2.
    The measurement runs in a child pwsh with a private HOME, so the vault it registers never reaches the real
    SecretManagement registry. The vault is the file-backed test vault; SecretManagement is the installed
    module when there is one, else the stand-in from tests/SecretManagement. -Vault SecretStore registers the real
    Microsoft.PowerShell.SecretStore instead (Authentication None), which needs the real modules on PSModulePath.
.EXAMPLE
    dotnet pwsh ./bench/Measure-VaultResolution.ps1
.EXAMPLE
    $env:PSModulePath = "$HOME/modules:$env:PSModulePath"; dotnet pwsh ./bench/Measure-VaultResolution.ps1 -Vault SecretStore
#>
param(
    [int] $Sources = 1000,
    [int] $SharedSecrets = 100,
    [int] $Repeat = 5,
    [ValidateSet('TestVault', 'SecretStore')]
    [string] $Vault = 'TestVault',
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataCompass/DataCompass.psd1'),
    [switch] $Inner
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot

if (-not $Inner) {
    . (Join-Path $PSScriptRoot 'PrivateHome.ps1')
    exit (Invoke-InPrivateHome -ScriptPath $PSCommandPath -Parameters @{ Sources = $Sources; SharedSecrets = $SharedSecrets; Repeat = $Repeat; Vault = $Vault; ModulePath = (Resolve-Path $ModulePath).Path })
}

Import-Module $ModulePath
$smModule = Get-Module -ListAvailable Microsoft.PowerShell.SecretManagement | Select-Object -First 1
$vaultFolder = Join-Path $env:HOME 'vault'
if ($Vault -eq 'SecretStore') {
    Import-Module Microsoft.PowerShell.SecretStore
    Set-SecretStoreConfiguration -Scope CurrentUser -Authentication None -Interaction None -Confirm:$false `
        -Password (ConvertTo-SecureString 'bench' -AsPlainText -Force)
    Register-SecretVault -Name Bench -ModuleName Microsoft.PowerShell.SecretStore -DefaultVault
}
else {
    Register-SecretVault -Name Bench -ModuleName (Resolve-Path (Join-Path $root 'tests/SecretManagement/Vaults/DataCompass.TestVault')).Path `
        -VaultParameters @{ Path = $vaultFolder } -DefaultVault
}

function New-Catalog([string] $Name, [int] $SecretCount) {
    $database = Join-Path $env:HOME "$Name.db"
    foreach ($i in 0..($SecretCount - 1)) {
        Set-Secret -Name "$Name-secret-$i" -Vault Bench -Secret "value-$i"
    }
    foreach ($i in 0..($Sources - 1)) {
        $secret = "$Name-secret-$($i % $SecretCount)"
        Add-DcSource -Database $database -Name "$Name-$i" -Type postgresql -Connection @{
            host = 'db.example.com'; database = 'sales'; username = 'app'; password = "`${secret:Bench/$secret}"
        }
    }
    return $database
}

function Measure-Scenario([string] $Name, [int] $SecretCount) {
    $database = New-Catalog $Name $SecretCount
    $names = 0..($Sources - 1) | ForEach-Object { "$Name-$_" }
    $secretNames = 0..($Sources - 1) | ForEach-Object { "$Name-secret-$($_ % $SecretCount)" }
    $dataCompass = [Collections.Generic.List[double]]::new()
    $bare = [Collections.Generic.List[double]]::new()
    $resolveAll = { $script:count = @(Get-DcSourceConnection -Database $database -Name $names).Count }
    $bareLoop = { foreach ($secret in $secretNames) { $null = Get-Secret -Name $secret -Vault Bench -AsPlainText } }
    # One unmeasured round of each warms up the JIT and the vault's file cache; then the order alternates.
    & $resolveAll
    & $bareLoop
    foreach ($round in 1..$Repeat) {
        if ($round % 2) {
            $dataCompass.Add((Measure-Command $resolveAll).TotalMilliseconds)
            $bare.Add((Measure-Command $bareLoop).TotalMilliseconds)
        }
        else {
            $bare.Add((Measure-Command $bareLoop).TotalMilliseconds)
            $dataCompass.Add((Measure-Command $resolveAll).TotalMilliseconds)
        }
        if ($script:count -ne $Sources) { throw "Resolved $($script:count) of $Sources sources." }
    }
    $best = ($dataCompass | Measure-Object -Minimum).Minimum
    $baseline = ($bare | Measure-Object -Minimum).Minimum
    [pscustomobject]@{
        Scenario                       = $Name
        Sources                        = $Sources
        'Distinct secrets'             = $SecretCount
        'Get-DcSourceConnection ms'    = [Math]::Round($best, 0)
        'Bare Get-Secret loop ms'      = [Math]::Round($baseline, 0)
        Ratio                          = [Math]::Round($best / $baseline, 3)
    }
}

Write-Host "SecretManagement: $($smModule.Name) $($smModule.Version) from $($smModule.ModuleBase)"
Write-Host "Vault: $(if ($Vault -eq 'SecretStore') { 'Microsoft.PowerShell.SecretStore (Authentication None)' } else { 'DataCompass.TestVault (file-backed)' }); best of $Repeat rounds each, after one warm-up round"
$results = @(
    Measure-Scenario -Name distinct -SecretCount $Sources
    Measure-Scenario -Name shared -SecretCount $SharedSecrets
)
$results | Format-List | Out-Host
Unregister-SecretVault -Name Bench

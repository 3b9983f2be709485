<#
.SYNOPSIS
    What recording resolutions in the audit trail costs: Get-DcSourceConnection with audit_resolution All against
    the same with Off, in the same pwsh, on the same catalog.
.DESCRIPTION
    Two catalogs of -Sources postgresql sources: one with passwords in the file-backed test vault (100 secrets
    shared among the sources, the usual case), one with ${VAR} placeholders (the cheapest resolution there is, so
    the audit's share of the time is the largest it can be). Three scenarios, each timed with auditing on and off,
    alternating, after an untimed warm-up; the median of -Repeat rounds counts:
      vault    : Get-DcSourceConnection -Name <all sources> on the vault catalog: one command that records every
                 source's event in one transaction. Target ratio <= 1.1.
      env      : the same on the ${VAR} catalog.
      calls    : -Calls single-name Get-DcSourceConnection commands on the ${VAR} catalog, each of which opens the
                 catalog for writing once to record its one event.
.EXAMPLE
    dotnet pwsh ./bench/Measure-AuditCost.ps1          # -Sources 1000 -Calls 200 -Repeat 9
#>
param(
    [int] $Sources = 1000,
    [int] $Calls = 200,
    [int] $Repeat = 9,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataCompass/DataCompass.psd1'),
    [switch] $Inner
)
$ErrorActionPreference = 'Stop'

if (-not $Inner) {
    . (Join-Path $PSScriptRoot 'PrivateHome.ps1')
    exit (Invoke-InPrivateHome -ScriptPath $PSCommandPath -Parameters @{ Sources = $Sources; Calls = $Calls; Repeat = $Repeat; ModulePath = (Resolve-Path $ModulePath).Path })
}

Import-Module $ModulePath
function Get-Median([double[]] $values) { $sorted = $values | Sort-Object; $sorted[[int][Math]::Floor($sorted.Count / 2)] }
function Time([scriptblock] $block) { (Measure-Command $block).TotalMilliseconds }

$env:DC_AUDIT_BENCH_PASSWORD = 'not-a-secret'
$database = Join-Path $env:HOME 'audit.db'
$names = foreach ($i in 0..($Sources - 1)) { 'src-{0:d5}' -f $i }
$names | ForEach-Object { [pscustomobject]@{ Name = $_; Type = 'postgresql'; Connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = '${DC_AUDIT_BENCH_PASSWORD}' } } } |
    Add-DcSource -Database $database
$single = @($names | Select-Object -First $Calls)

# The same sources with their passwords in a vault, 100 secrets shared among them: the usual case, where each
# distinct secret costs a vault read.
$vaultDatabase = Join-Path $env:HOME 'audit-vault.db'
Register-SecretVault -Name Bench -ModuleName (Resolve-Path (Join-Path (Split-Path $PSScriptRoot) 'tests/SecretManagement/Vaults/DataCompass.TestVault')).Path `
    -VaultParameters @{ Path = (Join-Path $env:HOME 'vault') } -DefaultVault
foreach ($i in 0..99) { Set-Secret -Name "audit-secret-$i" -Vault Bench -Secret "value-$i" }
$names | ForEach-Object -Begin { $n = 0 } -Process {
    [pscustomobject]@{ Name = $_; Type = 'postgresql'; Connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = "`${secret:Bench/audit-secret-$(($n++) % 100)}" } }
} | Add-DcSource -Database $vaultDatabase

function Set-Auditing([string] $Mode) { foreach ($db in $database, $vaultDatabase) { Set-DcConfig -Database $db -AuditResolution $Mode } }
function Measure-OneCall([string] $Db) { Time { $null = Get-DcSourceConnection -Database $Db -Name $names } }
function Measure-Calls { Time { foreach ($name in $single) { $null = Get-DcSourceConnection -Database $database -Name $name } } }

# Warm-up, not timed: JIT of both paths.
foreach ($mode in 'All', 'Off') { Set-Auditing $mode; $null = Measure-OneCall $database; $null = Measure-OneCall $vaultDatabase; $null = Measure-Calls }

$results = @{ OneOn = @(); OneOff = @(); CallsOn = @(); CallsOff = @(); VaultOn = @(); VaultOff = @() }
foreach ($round in 1..$Repeat) {
    $order = if ($round % 2) { 'All', 'Off' } else { 'Off', 'All' }
    foreach ($mode in $order) {
        Set-Auditing $mode
        $suffix = if ($mode -eq 'All') { 'On' } else { 'Off' }
        $results["One$suffix"] += Measure-OneCall $database
        $results["Vault$suffix"] += Measure-OneCall $vaultDatabase
        $results["Calls$suffix"] += Measure-Calls
    }
}

$oneOn, $oneOff = (Get-Median $results.OneOn), (Get-Median $results.OneOff)
$callsOn, $callsOff = (Get-Median $results.CallsOn), (Get-Median $results.CallsOff)
$vaultOn, $vaultOff = (Get-Median $results.VaultOn), (Get-Median $results.VaultOff)
'Get-DcSourceConnection -Name <{0:n0} sources> from a vault (100 shared secrets), auditing All vs Off: {1:n1} ms vs {2:n1} ms, ratio {3:n2} (target <= 1.1)' -f $Sources, $vaultOn, $vaultOff, ($vaultOn / $vaultOff)
'Get-DcSourceConnection -Name <{0:n0} sources> from ${{VAR}} (no vault), auditing All vs Off: {1:n1} ms vs {2:n1} ms, ratio {3:n2} ({4:n1} microseconds an event)' -f $Sources, $oneOn, $oneOff, ($oneOn / $oneOff), (1000 * ($oneOn - $oneOff) / $Sources)
'{0:n0} single-name Get-DcSourceConnection calls, auditing All vs Off: {1:n1} ms vs {2:n1} ms, ratio {3:n2} ({4:n2} ms an event)' -f $Calls, $callsOn, $callsOff, ($callsOn / $callsOff), (($callsOn - $callsOff) / $Calls)

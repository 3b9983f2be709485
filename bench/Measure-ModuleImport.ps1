<#
.SYNOPSIS
    Import-Module time of the built module inside an already-started pwsh, against a baseline (importing
    the in-box Microsoft.PowerShell.Security module) in the same process, and the first Add-DcSource +
    Get-DcSource (which loads the core, YamlDotNet-free path, and SQLite). Median of -Runs fresh processes.
.EXAMPLE
    dotnet pwsh ./bench/Measure-ModuleImport.ps1 -Runs 9
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataCompass/DataCompass.psd1'),
    [int] $Runs = 9
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$exe = [Environment]::ProcessPath
$prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
$probe = @"
`$baseline = (Measure-Command { Import-Module Microsoft.PowerShell.Security }).TotalMilliseconds
`$import = (Measure-Command { Import-Module '$ModulePath' }).TotalMilliseconds
`$env:DATACOMPASS_DATA_DIR = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
`$first = (Measure-Command { Add-DcSource -Name b -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '`${P}' }; Get-DcSource }).TotalMilliseconds
'{0} {1} {2}' -f `$baseline, `$import, `$first
"@
$samples = 1..$Runs | ForEach-Object {
    $line = & $exe @prefix -NoProfile -NonInteractive -Command $probe
    $parts = $line.Trim() -split ' '
    [pscustomobject]@{ Baseline = [double]$parts[0]; Import = [double]$parts[1]; FirstCall = [double]$parts[2] }
}
function Get-Median([double[]] $values) { $sorted = $values | Sort-Object; $sorted[[int][Math]::Floor($sorted.Count / 2)] }
$import = Get-Median $samples.Import
$baseline = Get-Median $samples.Baseline
$first = Get-Median $samples.FirstCall
$size = (Get-ChildItem (Split-Path $ModulePath) -Recurse -File | Measure-Object Length -Sum).Sum
[pscustomobject]@{
    Runs                       = $Runs
    'Import-Module DataCompass ms (median)' = [Math]::Round($import, 1)
    'Import-Module baseline ms (median)'   = [Math]::Round($baseline, 1)
    'Ratio to baseline'        = [Math]::Round($import / $baseline, 2)
    'First Add+Get-DcSource ms (median)'       = [Math]::Round($first, 1)
    'Module folder MB'         = [Math]::Round($size / 1MB, 2)
} | Format-List

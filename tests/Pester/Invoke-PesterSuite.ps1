<#
.SYNOPSIS
    Runs the Pester suite in this (child) pwsh and writes the totals for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    # Folders separated by the platform's path separator (':' or ';').
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $CountsPath,
    [Parameter(Mandatory)] [string] $ResultPath
)
# No script-wide ErrorActionPreference: the tests inherit this scope and must see PowerShell's default.
Import-Module $PesterPath -Force -ErrorAction Stop

$configuration = New-PesterConfiguration
$configuration.Run.Path = @($TestPath -split [IO.Path]::PathSeparator | Where-Object { Test-Path $_ })
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.Output.RenderMode = 'Plaintext'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputPath = $ResultPath
$result = Invoke-Pester -Configuration $configuration

[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -Path $CountsPath
exit ([int]($result.Result -ne 'Passed'))

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
# Plain text everywhere, child pwsh processes included: an ANSI escape in a failure message would make the
# NUnit report, and with it the totals, fail to write.
$env:NO_COLOR = '1'
$PSStyle.OutputRendering = 'PlainText'

$configuration = New-PesterConfiguration
$configuration.Run.Path = @($TestPath -split [IO.Path]::PathSeparator | Where-Object { Test-Path $_ })
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.Output.RenderMode = 'Plaintext'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputPath = $ResultPath
try {
    $result = Invoke-Pester -Configuration $configuration
}
catch {
    # A run that cannot report its totals has not passed, whatever the tests did.
    Write-Error "Pester did not finish: $_" -ErrorAction Continue
    $result = $null
}

if ($null -eq $result) {
    [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } | ConvertTo-Json | Set-Content -Path $CountsPath
    exit 1
}

[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
    # Of those, the ones that needed the private PostgreSQL server (tagged 'PostgreSQL'): the closing line names them.
    SkippedPostgres = @($result.Skipped | Where-Object { $_.Tag -contains 'PostgreSQL' }).Count
    # And those that needed SQLCipher (tagged 'SQLCipher').
    SkippedSqlCipher = @($result.Skipped | Where-Object { $_.Tag -contains 'SQLCipher' }).Count
} | ConvertTo-Json | Set-Content -Path $CountsPath
exit ([int]($result.Result -ne 'Passed'))

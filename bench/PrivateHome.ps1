# Shared by the vault benchmarks: runs a script again in a child pwsh with a private HOME (SecretManagement keeps
# its vault registry there, fixed per process), with the installed SecretManagement or else the stand-in.

function Invoke-InPrivateHome {
    param(
        [Parameter(Mandatory)] [string] $ScriptPath,
        [Parameter(Mandatory)] [hashtable] $Parameters
    )
    $root = Split-Path $PSScriptRoot
    $realInstalled = [bool](Get-Module -ListAvailable Microsoft.PowerShell.SecretManagement)
    $work = Join-Path ([IO.Path]::GetTempPath()) ("dc-bench-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    New-Item -ItemType Directory -Path $work | Out-Null
    $searchPath = $env:PSModulePath
    if (-not $realInstalled) { $searchPath = (Join-Path $root 'tests/SecretManagement/StandIn') + [IO.Path]::PathSeparator + $searchPath }
    $exe = [Environment]::ProcessPath
    $arguments = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    $arguments += '-NoProfile', '-NonInteractive', '-File', $ScriptPath, '-Inner'
    foreach ($name in $Parameters.Keys) { $arguments += "-$name", $Parameters[$name] }
    $savedHome, $savedPath = $env:HOME, $env:PSModulePath
    try {
        $env:HOME = $work
        $env:PSModulePath = $searchPath
        & $exe @arguments | Out-Host
        return $LASTEXITCODE
    }
    finally {
        $env:HOME, $env:PSModulePath = $savedHome, $savedPath
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    }
}

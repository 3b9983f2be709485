#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages DataCompass.
.DESCRIPTION
    Build   lays the module out in out/DataCompass (cmdlet assembly at the top, the core and its
            dependencies in deps/, native SQLite for six platforms).
    Test    builds, runs the xUnit tests, then Pester in a child pwsh against out/DataCompass, and
            prints "N passed, N failed". Exits non-zero when any test fails.
    Demo    builds, then walks through DataCompass against a throw-away catalog.
    Package builds, then writes out/package/DataCompass.<version>.nupkg and the module folder beside it.
    Docs    builds, then writes docs/help (the online copy of the help that each cmdlet's HelpUri names) from
            module/help; Help.Tests.ps1 fails while the committed copy differs.
    Clean   removes out/ and the build output.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Clean', 'Build', 'Test', 'Demo', 'Package', 'Docs')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Which SecretManagement the Pester suite runs against, one lane each: StandIn (the stand-in in
    # tests/SecretManagement), Real (the real Microsoft.PowerShell.SecretManagement and SecretStore), or Auto: the
    # stand-in lane, then a Real lane too where the real modules are installed or -RealSecretManagementPath has them.
    # $env:DATACOMPASS_TEST_SECRETMANAGEMENT sets the default.
    [ValidateSet('Auto', 'Real', 'StandIn')]
    [string] $SecretManagement = $(if ($env:DATACOMPASS_TEST_SECRETMANAGEMENT) { $env:DATACOMPASS_TEST_SECRETMANAGEMENT } else { 'Auto' }),

    # A folder holding Microsoft.PowerShell.SecretManagement and Microsoft.PowerShell.SecretStore, put first on
    # PSModulePath for the Real lane. $env:DATACOMPASS_REAL_SECRETMANAGEMENT_PATH sets the default.
    [string] $RealSecretManagementPath = $env:DATACOMPASS_REAL_SECRETMANAGEMENT_PATH
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$OutFolder = Join-Path $Root 'out'
$ModuleFolder = Join-Path $OutFolder 'DataCompass'
$ShippedRuntimes = 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64', 'win-x64', 'win-arm64'
$PesterVersion = '5.7.1'
$OldYamlDotNetVersion = '11.2.1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'

function Invoke-Dotnet {
    # A simple function, so dotnet's own switches (-c, -o, -v) pass through $args untouched.
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    [xml] $props = Get-Content -Raw (Join-Path $Root 'Directory.Build.props')
    return $props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1
}

function Get-PwshLauncher {
    # Under 'dotnet pwsh' this process is dotnet itself: a child needs pwsh.dll named explicitly.
    $exe = [Environment]::ProcessPath
    if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($exe)
}

function Invoke-ChildPwsh {
    param([string[]] $Arguments)
    $launcher = @(Get-PwshLauncher)
    $command = $launcher[0]
    $prefix = @($launcher | Select-Object -Skip 1)
    & $command @prefix -NoProfile -NonInteractive @Arguments | Out-Host
    return $LASTEXITCODE
}

function Get-NuGetPackageFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = & dotnet nuget locals global-packages --list | Select-Object -Last 1
    return ($line -replace '^\s*global-packages:\s*', '').Trim()
}

function Invoke-CleanTask {
    if (Test-Path $OutFolder) { Remove-Item -Recurse -Force $OutFolder }
    Invoke-Dotnet clean (Join-Path $Root 'DataCompass.sln') -c $Configuration --nologo -v quiet
}

function Invoke-BuildTask {
    # -Task Build,Test builds once.
    if ($script:Built) { return }
    $version = Get-ModuleVersion
    Invoke-Dotnet build (Join-Path $Root 'src/DataCompass/DataCompass.csproj') -c $Configuration --nologo -v quiet
    $corePublish = Join-Path $OutFolder "obj/core"
    Invoke-Dotnet publish (Join-Path $Root 'src/DataCompass.Core/DataCompass.Core.csproj') -c $Configuration --no-build --nologo -v quiet -o $corePublish

    if (Test-Path $ModuleFolder) { Remove-Item -Recurse -Force $ModuleFolder }
    $deps = New-Item -ItemType Directory -Force (Join-Path $ModuleFolder 'deps')

    Copy-Item (Join-Path $Root "src/DataCompass/bin/$Configuration/net8.0/DataCompass.dll") $ModuleFolder
    # module/help holds the cmdlet help as data; the MAML file made from it is written below.
    Copy-Item (Join-Path $Root 'module/*') $ModuleFolder -Recurse -Exclude help
    Copy-Item (Join-Path $Root 'CHANGELOG.md') $ModuleFolder
    $manifest = Get-Content -Raw (Join-Path $Root 'DataCompass.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'0\.0\.0'", "ModuleVersion        = '$version'"
    Set-Content -Path (Join-Path $ModuleFolder 'DataCompass.psd1') -Value $manifest -NoNewline

    # The core and every managed dependency go to deps/, where only DataCompass's own load context looks.
    Get-ChildItem $corePublish -Filter *.dll | Copy-Item -Destination $deps
    foreach ($rid in $ShippedRuntimes) {
        $native = Join-Path $corePublish "runtimes/$rid/native"
        if (-not (Test-Path $native)) { throw "The SQLite package has no native library for $rid." }
        $target = New-Item -ItemType Directory -Force (Join-Path $deps "runtimes/$rid/native")
        Copy-Item (Join-Path $native '*') $target
    }

    # Cmdlet help: the cmdlets' own metadata merged with module/help, in a child since the module cannot be unloaded.
    $helpExit = Invoke-ChildPwsh @('-File', (Join-Path $Root 'module/help/ConvertTo-MamlHelp.ps1'),
        '-ModulePath', (Join-Path $ModuleFolder 'DataCompass.psd1'), '-OutputPath', (Join-Path $ModuleFolder 'en-US/DataCompass.dll-Help.xml'))
    if ($helpExit -ne 0) { throw "Generating the cmdlet help failed with exit code $helpExit." }
    Write-Host "Built DataCompass $version in $ModuleFolder"
    $script:Built = $true
}

function Read-TrxCounts([string] $Path) {
    [xml] $trx = Get-Content -Raw $Path
    $counters = $trx.TestRun.ResultSummary.Counters
    return [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error; Skipped = [int]$counters.notExecuted }
}

function Invoke-TestTask {
    Invoke-BuildTask
    $results = New-Item -ItemType Directory -Force (Join-Path $OutFolder 'test-results')
    Get-ChildItem $results -File | Remove-Item

    Write-Host "`n== xUnit: DataCompass.Tests"
    & dotnet test (Join-Path $Root 'tests/DataCompass.Tests/DataCompass.Tests.csproj') -c $Configuration --nologo `
        --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=minimal' --results-directory $results
    $xunitExit = $LASTEXITCODE
    $trxPath = Join-Path $results 'xunit.trx'
    $xunit = if (Test-Path $trxPath) { Read-TrxCounts $trxPath } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $xunit.Failed = 1 }

    Invoke-Dotnet restore (Join-Path $Root 'tests/TestDependencies/TestDependencies.csproj') --nologo -v quiet
    $packages = Get-NuGetPackageFolder
    $env:DATACOMPASS_TEST_MODULE = Join-Path $ModuleFolder 'DataCompass.psd1'
    $env:DATACOMPASS_TEST_OLD_YAMLDOTNET = Join-Path $packages "yamldotnet/$OldYamlDotNetVersion/lib/netstandard2.1/YamlDotNet.dll"
    # The suite names its catalogs itself: a catalog address of the user's own must not draw the tests to it.
    $env:DATACOMPASS_DATABASE_URL = $null
    $lanes = @(Get-TestLane)
    $counts = [ordered]@{ xUnit = $xunit }
    Write-Host "`n== SQLCipher for the tests tagged SQLCipher"
    . (Join-Path $Root 'tests/SqlCipher/TestSqlCipher.ps1')
    $sqlCipher = Initialize-DcTestSqlCipher
    # One private PostgreSQL server for every lane, stopped and removed however the run ends.
    . (Join-Path $Root 'tests/Postgres/TestPostgres.ps1')
    Write-Host "`n== PostgreSQL for the tests tagged PostgreSQL"
    $postgres = Start-DcTestPostgres
    Set-DcTestPostgresEnvironment $postgres
    try {
        foreach ($lane in $lanes) {
            Write-Host "`n== Pester lane ${lane}: tests/Pester and tests/SecretManagement against $ModuleFolder, SecretManagement: $lane"
            $counts["Pester $lane"] = Invoke-PesterLane -Lane $lane -Mode $lane -Results $results -Packages $packages `
                -TestPath ((Join-Path $Root 'tests/Pester'), (Join-Path $Root 'tests/SecretManagement'))
        }
        if ($sqlCipher) {
            # Every cmdlet on encrypted catalogs: the catalog contract again, in a process whose catalogs are all
            # created encrypted (a database key is set before the first one), so SQLCipher is its SQLite library.
            Write-Host "`n== Pester lane SQLCipher: the catalog contract on encrypted catalog files, SecretManagement: StandIn"
            $env:DATACOMPASS_TEST_CATALOG_BACKEND = 'SQLCipher'
            $env:DATACOMPASS_DATABASE_KEY = 'lane key ' + [guid]::NewGuid().ToString('n')
            try {
                $counts['Pester SQLCipher'] = Invoke-PesterLane -Lane SQLCipher -Mode StandIn -Results $results -Packages $packages `
                    -TestPath (Join-Path $Root 'tests/Pester/Catalog.Contract.Tests.ps1')
            }
            finally {
                $env:DATACOMPASS_TEST_CATALOG_BACKEND = $null
                $env:DATACOMPASS_DATABASE_KEY = $null
            }
        }
    }
    finally {
        Stop-DcTestPostgres $postgres
        Set-DcTestPostgresEnvironment $null
    }

    Write-Host ''
    Write-Host "Lanes run: $(@($counts.Keys) -join ', ')"
    foreach ($entry in $counts.GetEnumerator()) {
        Write-Host "  $($entry.Key): $($entry.Value.Passed) passed, $($entry.Value.Failed) failed, $($entry.Value.Skipped) skipped"
    }
    $passed = ($counts.Values | Measure-Object -Property Passed -Sum).Sum
    $failed = ($counts.Values | Measure-Object -Property Failed -Sum).Sum
    $skipped = ($counts.Values | Measure-Object -Property Skipped -Sum).Sum
    # Tests skipped for want of a server are named in the closing line, never folded silently into the rest.
    $skippedPostgres = ($counts.Values | ForEach-Object { if ($_.PSObject.Properties['SkippedPostgres']) { $_.SkippedPostgres } else { 0 } } | Measure-Object -Sum).Sum
    $skippedSqlCipher = ($counts.Values | ForEach-Object { if ($_.PSObject.Properties['SkippedSqlCipher']) { $_.SkippedSqlCipher } else { 0 } } | Measure-Object -Sum).Sum
    $notes = @(
        if ($skippedPostgres -gt 0) { "$skippedPostgres need PostgreSQL, none was available" }
        if ($skippedSqlCipher -gt 0) { "$skippedSqlCipher need SQLCipher, which is not installed" }
    )
    $postgresNote = if ($notes) { " ($($notes -join '; '))" } else { '' }
    Write-Host "$passed passed, $failed failed, $skipped skipped$postgresNote"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-PesterLane([string] $Lane, [string] $Mode, [string] $Results, [string] $Packages, [string[]] $TestPath) {
    # One Pester run in a child pwsh with a private home, returning its totals.
    Set-PrivateSecretManagement -HomeFolder (Join-Path $OutFolder "test-home-$($Lane.ToLowerInvariant())") -Mode $Mode
    $pesterCounts = Join-Path $Results "pester-$Lane-counts.json"
    $pesterExit = Invoke-ChildPwsh @(
        '-File', (Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1'),
        '-PesterPath', (Join-Path $Packages "pester/$PesterVersion/tools/Pester.psd1"),
        '-TestPath', ($TestPath -join [IO.Path]::PathSeparator),
        '-CountsPath', $pesterCounts,
        '-ResultPath', (Join-Path $Results "pester-$Lane.xml"))
    $pester = if (Test-Path $pesterCounts) { Get-Content -Raw $pesterCounts | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    # Totals that are missing or not numbers never read as a pass.
    $names = 'Passed', 'Failed', 'Skipped', 'SkippedPostgres', 'SkippedSqlCipher'
    foreach ($name in $names) { if ($null -eq $pester.PSObject.Properties[$name]) { $pester | Add-Member $name 0 } }
    foreach ($name in $names) { if ($pester.$name -isnot [int] -and $pester.$name -isnot [long]) { $pester.$name = 0 } }
    if ($pesterExit -ne 0 -and $pester.Failed -eq 0) { $pester.Failed = 1 }
    return $pester
}

function Test-RealSecretManagement([string] $ModulePath) {
    # Both real modules, found on the given module path (PowerShell's own folders included).
    $saved = $env:PSModulePath
    try {
        $env:PSModulePath = $ModulePath
        return @(Get-Module -ListAvailable -Name Microsoft.PowerShell.SecretManagement, Microsoft.PowerShell.SecretStore |
            Where-Object { $_.Path -notlike "$(Join-Path $Root 'tests')*" } | Select-Object -ExpandProperty Name -Unique).Count -eq 2
    }
    finally {
        $env:PSModulePath = $saved
    }
}

function Get-RealModulePath {
    if ($RealSecretManagementPath) { return (Resolve-Path $RealSecretManagementPath).Path + [IO.Path]::PathSeparator + $env:PSModulePath }
    return $env:PSModulePath
}

function Get-TestLane {
    $realAvailable = Test-RealSecretManagement (Get-RealModulePath)
    switch ($SecretManagement) {
        'StandIn' { 'StandIn' }
        'Real' {
            if (-not $realAvailable) { throw 'Microsoft.PowerShell.SecretManagement and Microsoft.PowerShell.SecretStore are not installed (nor in -RealSecretManagementPath).' }
            'Real'
        }
        default { 'StandIn'; if ($realAvailable) { 'Real' } }
    }
}

function Set-PrivateSecretManagement([string] $HomeFolder, [ValidateSet('Real', 'StandIn')] [string] $Mode = 'StandIn') {
    # The child gets a home of its own: SecretManagement keeps its vault registry under HOME (fixed when the
    # process starts), so tests and the demo never touch the real one. Module paths are taken before HOME changes.
    if (-not $script:OriginalModulePath) { $script:OriginalModulePath = $env:PSModulePath }
    $modulePath = if ($Mode -eq 'StandIn') {
        (Join-Path $Root 'tests/SecretManagement/StandIn') + [IO.Path]::PathSeparator + $script:OriginalModulePath
    } else {
        $env:PSModulePath = $script:OriginalModulePath
        Get-RealModulePath
    }
    if (Test-Path $HomeFolder) { Remove-Item -Recurse -Force $HomeFolder }
    New-Item -ItemType Directory -Force $HomeFolder | Out-Null
    $env:PSModulePath = $modulePath
    $env:HOME = $HomeFolder
    $env:DATACOMPASS_TEST_SECRETMANAGEMENT = $Mode
}

function Invoke-DemoTask {
    Invoke-BuildTask
    Set-PrivateSecretManagement -HomeFolder (Join-Path $OutFolder 'demo-home') -Mode $(if (Test-RealSecretManagement $env:PSModulePath) { 'Real' } else { 'StandIn' })
    $exit = Invoke-ChildPwsh @('-File', (Join-Path $Root 'demo/Demo.ps1'), '-ModulePath', (Join-Path $ModuleFolder 'DataCompass.psd1'),
        '-VaultModulePath', (Join-Path $Root 'tests/SecretManagement/Vaults/DataCompass.TestVault'))
    if ($exit -ne 0) { throw "The demo failed with exit code $exit." }
}

function Invoke-DocsTask {
    Invoke-BuildTask
    $exit = Invoke-ChildPwsh @('-File', (Join-Path $Root 'module/help/ConvertTo-MarkdownHelp.ps1'),
        '-ModulePath', (Join-Path $ModuleFolder 'DataCompass.psd1'), '-OutputPath', (Join-Path $Root 'docs/help'))
    if ($exit -ne 0) { throw "Writing docs/help failed with exit code $exit." }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $version = Get-ModuleVersion
    $packageFolder = Join-Path $OutFolder 'package'
    if (Test-Path $packageFolder) { Remove-Item -Recurse -Force $packageFolder }
    $moduleCopy = New-Item -ItemType Directory -Force (Join-Path $packageFolder "DataCompass/$version")
    Copy-Item (Join-Path $ModuleFolder '*') $moduleCopy -Recurse

    $manifest = Import-PowerShellDataFile (Join-Path $ModuleFolder 'DataCompass.psd1')
    $tags = @($manifest.PrivateData.PSData.Tags) + 'PSModule' + ($manifest.CmdletsToExport | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" })
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>DataCompass</id>
    <version>$version</version>
    <authors>$([Security.SecurityElement]::Escape($manifest.Author))</authors>
    <description>$([Security.SecurityElement]::Escape($manifest.Description))</description>
    <copyright>$([Security.SecurityElement]::Escape($manifest.Copyright))</copyright>
    <licenseUrl>$($manifest.PrivateData.PSData.LicenseUri)</licenseUrl>
    <tags>$($tags -join ' ')</tags>
  </metadata>
</package>
"@
    $nupkg = Join-Path $packageFolder "DataCompass.$version.nupkg"
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $zip = [IO.Compression.ZipFile]::Open($nupkg, 'Create')
    try {
        $entries = @{
            'DataCompass.nuspec' = $nuspec
            '[Content_Types].xml' = '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /><Default Extension="dll" ContentType="application/octet" /><Default Extension="psd1" ContentType="application/octet" /><Default Extension="ps1xml" ContentType="application/octet" /><Default Extension="txt" ContentType="application/octet" /><Default Extension="xml" ContentType="application/octet" /><Default Extension="so" ContentType="application/octet" /><Default Extension="dylib" ContentType="application/octet" /><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" /></Types>'
            '_rels/.rels' = '<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/DataCompass.nuspec" Id="R0" /></Relationships>'
        }
        foreach ($name in $entries.Keys) {
            $writer = [IO.StreamWriter]::new($zip.CreateEntry($name).Open())
            try { $writer.Write($entries[$name]) } finally { $writer.Dispose() }
        }
        foreach ($file in Get-ChildItem $ModuleFolder -Recurse -File) {
            $relative = [IO.Path]::GetRelativePath($ModuleFolder, $file.FullName) -replace '\\', '/'
            [void][IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $file.FullName, $relative)
        }
    }
    finally {
        $zip.Dispose()
    }
    Write-Host "Packaged $nupkg and $moduleCopy"
}

$script:Built = $false
$script:OriginalModulePath = $null
# The test and demo tasks change HOME, PSModulePath and DATACOMPASS_* for their children: an interactive pwsh
# that ran this script gets them back.
$savedEnvironment = @{}
foreach ($name in 'HOME', 'PSModulePath', 'DATACOMPASS_TEST_MODULE', 'DATACOMPASS_TEST_OLD_YAMLDOTNET', 'DATACOMPASS_TEST_SECRETMANAGEMENT',
    'DATACOMPASS_DATABASE_URL', 'DATACOMPASS_TEST_PG_HOST', 'DATACOMPASS_TEST_PG_PORT', 'DATACOMPASS_TEST_PG_USER', 'DATACOMPASS_TEST_PG_PASSWORD', 'DATACOMPASS_TEST_PG_BIN',
    'DATACOMPASS_TEST_SQLCIPHER', 'DATACOMPASS_TEST_CATALOG_BACKEND', 'DATACOMPASS_DATABASE_KEY') {
    $savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
}
try {
    foreach ($step in $Task) {
        & "Invoke-${step}Task"
    }
}
finally {
    foreach ($name in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
}

# The module as shipped: manifest, cmdlet metadata, dependency isolation and the native SQLite layout.
# Anything about loading runs in a fresh child pwsh, since assemblies cannot be unloaded.

BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    # Discovery must not load the module: read the exported names from the manifest as data.
    $manifestData = Import-PowerShellDataFile -Path $script:DcModulePath
    $script:ExportedCmdlets = @($manifestData.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    $script:ModuleFolder = Split-Path -Parent (Resolve-Path $script:DcModulePath).ProviderPath
    $script:Manifest = Import-PowerShellDataFile -Path $script:DcModulePath
    $script:CmdletDll = Join-Path $script:ModuleFolder $script:Manifest.RootModule
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:ShippedRuntimes = 'linux-arm64', 'linux-x64', 'osx-arm64', 'osx-x64', 'win-arm64', 'win-x64'

    # Metadata checks import the module into this session; isolation checks use children.
    $script:Module = Import-Module $script:DcModulePath -Force -PassThru -ErrorAction Stop

    function Get-ChildResult($Run) {
        # A child prints one 'RESULT:<json>' line; anything else is diagnostics for the failure message.
        $line = @($Run.Output | Where-Object { $_ -like 'RESULT:*' }) | Select-Object -Last 1
        if (-not $line) { throw "The child pwsh printed no result (exit code $($Run.ExitCode)). Output:`n$($Run.Text)" }
        return $line.Substring('RESULT:'.Length) | ConvertFrom-Json
    }

    function Invoke-DcChild([string] $Body) {
        # Common prologue: strict errors, a private catalog folder, a YAML file to add from, and a RESULT line.
        $script = @'
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$work = $env:DCTEST_WORK
$yaml = Join-Path $work 'pg.yaml'
Set-Content -Path $yaml -Value "host: db.example.com`ndatabase: app`nusername: alice`npassword: `${PG_PASSWORD}`n"
function Use-DataCompass([string] $Name, [string] $Database) {
    Add-DcSource -Name $Name -Type postgresql -Path $yaml -Database $Database -ErrorAction Stop
    $found = @(Get-DcSource -Name $Name -Database $Database -ErrorAction Stop)
    if ($found.Count -ne 1 -or $found[0].Name -ne $Name) { throw "Get-DcSource did not return '$Name'." }
    return $found[0].Name
}
try {
'@ + "`n" + $Body + "`n" + @'
    'RESULT:' + ($result | ConvertTo-Json -Compress -Depth 6)
}
catch {
    "CHILD FAILED: $($_.Exception.GetType().FullName): $($_.Exception.Message)"
    "$($_.ScriptStackTrace)"
    exit 1
}
'@
        $work = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory -Path $work
        Invoke-ChildPwsh -Script $script -Environment @{
            DCTEST_MODULE = $script:DcModulePath
            DCTEST_WORK = $work
            DCTEST_OLD_YAMLDOTNET = $env:DATACOMPASS_TEST_OLD_YAMLDOTNET
            # [NullString]::Value unsets it in the child ($null would set it to '').
            DATACOMPASS_DATA_DIR = [NullString]::Value
        }
    }
}

AfterAll {
    Remove-Module DataCompass -Force -ErrorAction SilentlyContinue
}

Describe 'The module manifest' {
    It 'exports exactly the public cmdlet classes of its root module' {
        $assembly = [Reflection.Assembly]::LoadFrom($script:CmdletDll)
        $fromReflection = @(
            foreach ($type in $assembly.GetExportedTypes()) {
                if ($type.IsAbstract) { continue }
                $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
                if ($attribute) { '{0}-{1}' -f $attribute.VerbName, $attribute.NounName }
            }
        ) | Sort-Object
        $fromReflection.Count | Should -BeGreaterThan 0
        @($script:Manifest.CmdletsToExport | Sort-Object) | Should -Be $fromReflection
        @(Get-Command -Module DataCompass | ForEach-Object Name | Sort-Object) | Should -Be $fromReflection
    }

    It 'exports cmdlets only: no functions, aliases or variables' {
        @($script:Manifest.FunctionsToExport) | Should -BeNullOrEmpty
        @($script:Manifest.AliasesToExport) | Should -BeNullOrEmpty
        @($script:Manifest.VariablesToExport) | Should -BeNullOrEmpty
        @(Get-Command -Module DataCompass -CommandType Function, Alias, Filter, ExternalScript) | Should -BeNullOrEmpty
        $script:Module.ExportedFunctions.Count | Should -Be 0
        $script:Module.ExportedAliases.Count | Should -Be 0
        @(Get-Command -Module DataCompass | Where-Object CommandType -ne 'Cmdlet') | Should -BeNullOrEmpty
    }

    It 'has a real ModuleVersion equal to VersionPrefix in Directory.Build.props' {
        [xml] $props = Get-Content -Raw (Join-Path $script:RepoRoot 'Directory.Build.props')
        $prefix = @($props.Project.PropertyGroup | ForEach-Object { $_.VersionPrefix } | Where-Object { $_ }) | Select-Object -First 1
        $prefix | Should -Not -BeNullOrEmpty
        $script:Manifest.ModuleVersion | Should -Not -Be '0.0.0'
        [version] $script:Manifest.ModuleVersion | Should -Be ([version] $prefix)
        $script:Module.Version | Should -Be ([version] $prefix)
    }
}

Describe 'Cmdlet <Name>' -ForEach $script:ExportedCmdlets {
    BeforeAll {
        $script:Command = Get-Command -Name $Name -Module DataCompass -ErrorAction Stop
        $script:Attribute = $script:Command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
    }

    It 'has a -Database parameter' {
        $script:Command.Parameters.Keys | Should -Contain 'Database'
        $script:Command.Parameters['Database'].ParameterType | Should -Be ([string])
    }

    It 'supports ShouldProcess exactly when it changes state' {
        $changesState = $Name -match '^(Add|Remove|Set|Convert|Update|New|Clear|Rename|Move|Import|Export|Register|Unregister|Reset|Protect|Unprotect)-'
        if (-not $changesState) {
            # A read-only cmdlet offering -WhatIf would suggest it changes something.
            $script:Attribute.SupportsShouldProcess | Should -BeFalse -Because "$Name does not change state"
            return
        }
        $script:Attribute.SupportsShouldProcess | Should -BeTrue
        $script:Command.Parameters.Keys | Should -Contain 'WhatIf'
        $script:Command.Parameters.Keys | Should -Contain 'Confirm'
    }

    It 'declares an OutputType' {
        @($script:Command.OutputType) | Should -Not -BeNullOrEmpty
    }
}

Describe 'Output enums' {
    BeforeAll {
        $script:CmdletAssembly = (Get-Command Add-DcSource -Module DataCompass).ImplementingType.Assembly
        # Status, Kind and Provenance of every output type, as they stand in the cmdlet assembly.
        $script:EnumProperties = @(
            foreach ($type in $script:CmdletAssembly.GetExportedTypes()) {
                foreach ($property in $type.GetProperties() | Where-Object Name -In 'Status', 'Kind', 'Provenance') {
                    [pscustomobject]@{ Owner = $type.Name; Name = $property.Name; Type = $property.PropertyType }
                }
            }
        )
    }

    It 'types every Status, Kind and Provenance of an output object as an enum of the cmdlet assembly' {
        @($script:EnumProperties.Owner | Sort-Object -Unique) | Should -Be @(
            'DcConnectionTest', 'DcConversionResult', 'DcReferenceTest', 'DcSecretInventoryItem', 'DcSecretMoveResult', 'DcSecretUser', 'DcSourceField')
        foreach ($property in $script:EnumProperties) {
            $property.Type.IsEnum | Should -BeTrue -Because "$($property.Owner).$($property.Name) is what Where-Object <Name> -eq <Tab> completes"
            $property.Type.Assembly | Should -Be $script:CmdletAssembly -Because 'no core type may show in what PowerShell sees'
        }
    }

    It 'writes each value by name to ConvertTo-Json and ConvertTo-Csv' {
        foreach ($type in $script:EnumProperties.Type | Sort-Object FullName -Unique) {
            foreach ($value in [enum]::GetValues($type)) {
                $value | ConvertTo-Json | Should -BeExactly ('"{0}"' -f $value)
                ([pscustomobject]@{ Value = $value } | ConvertTo-Csv)[1] | Should -BeExactly ('"{0}"' -f $value)
            }
        }
    }

    It 'has, for each, the names of the core enum the cmdlets map by name' {
        # The core loads in DataCompass's own context on first use; its enums are read from there.
        try { $null = Get-DcSource -Database (Join-Path $TestDrive 'enums/none.db') -ErrorAction Stop } catch { $null = $_ }
        $core = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'DataCompass.Dependencies' |
            ForEach-Object Assemblies | Where-Object { $_.GetName().Name -eq 'DataCompass.Core' }
        $core | Should -Not -BeNullOrEmpty
        $pairs = @{
            DcReferenceStatus  = 'DataCompass.Core.Operations.Connect.ReferenceStatus'
            DcReferenceKind    = 'DataCompass.Core.Operations.Connect.ReferenceKind'
            DcConnectionStatus = 'DataCompass.Core.Operations.Connect.ConnectionTestStatus'
            DcConversionStatus = 'DataCompass.Core.Operations.Convert.ConversionStatus'
            DcConversionKind   = 'DataCompass.Core.Operations.Convert.ConversionTarget'
            DcMoveStatus       = 'DataCompass.Core.Operations.Move.MoveStatus'
            DcInventoryStatus  = 'DataCompass.Core.Operations.Inventory.InventoryStatus'
            DcSecretUserKind   = 'DataCompass.Core.Operations.Inventory.InventoryUserKind'
        }
        foreach ($name in $pairs.Keys) {
            $coreType = $core.GetType($pairs[$name], $true)
            # InventoryStatus is a set of string constants; ReferenceKind.Environment is shown as Env.
            $coreNames = if ($coreType.IsEnum) { [enum]::GetNames($coreType) } else { @($coreType.GetFields() | ForEach-Object { $_.GetValue($null) }) }
            $coreNames = @($coreNames | ForEach-Object { if ($name -eq 'DcReferenceKind' -and $_ -eq 'Environment') { 'Env' } else { $_ } })
            [enum]::GetNames($script:CmdletAssembly.GetType("DataCompass.$name", $true)) | Should -Be $coreNames -Because "$name stands for $($pairs[$name])"
        }
    }
}

Describe 'Remove-DcSource' {
    It 'has ConfirmImpact High (it cascades to the catalog)' {
        $type = (Get-Command Remove-DcSource -Module DataCompass).ImplementingType
        $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
        $attribute.ConfirmImpact | Should -Be ([System.Management.Automation.ConfirmImpact]::High)
    }
}

Describe 'Dependency isolation' {
    It 'works when an old YamlDotNet (11.x) was loaded first, and leaves it in place' {
        $env:DATACOMPASS_TEST_OLD_YAMLDOTNET | Should -Exist -Because 'DATACOMPASS_TEST_OLD_YAMLDOTNET must name YamlDotNet 11.2.1'
        $run = Invoke-DcChild @'
    Add-Type -Path $env:DCTEST_OLD_YAMLDOTNET
    Import-Module $env:DCTEST_MODULE
    $name = Use-DataCompass -Name 'after-old-yaml' -Database (Join-Path $work 'a.db')
    $old = [YamlDotNet.Serialization.Deserializer]::new().Deserialize([IO.StringReader]::new("k: v`n"))
    $result = @{
        Name = $name
        YamlVersion = [YamlDotNet.Serialization.Deserializer].Assembly.GetName().Version.ToString()
        OldYamlWorks = ($old['k'] -eq 'v')
    }
'@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $result = Get-ChildResult $run
        $result.Name | Should -Be 'after-old-yaml'
        $result.YamlVersion | Should -Match '^11\.'
        $result.OldYamlWorks | Should -BeTrue
    }

    It 'keeps working when an old YamlDotNet is loaded after it' {
        $run = Invoke-DcChild @'
    Import-Module $env:DCTEST_MODULE
    $db = Join-Path $work 'b.db'
    $first = Use-DataCompass -Name 'before-old-yaml' -Database $db
    Add-Type -Path $env:DCTEST_OLD_YAMLDOTNET
    $old = [YamlDotNet.Serialization.Deserializer]::new().Deserialize([IO.StringReader]::new("name: old`nitems: [1, 2]`n"))
    $second = Use-DataCompass -Name 'after-old-yaml' -Database $db
    $result = @{
        First = $first
        Second = $second
        All = @(Get-DcSource -Database $db | ForEach-Object Name)
        OldName = $old['name']
        OldItems = $old['items'].Count
        YamlVersion = [YamlDotNet.Serialization.Deserializer].Assembly.GetName().Version.ToString()
    }
'@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $result = Get-ChildResult $run
        $result.First | Should -Be 'before-old-yaml'
        $result.Second | Should -Be 'after-old-yaml'
        @($result.All | Sort-Object) | Should -Be @('after-old-yaml', 'before-old-yaml')
        $result.OldName | Should -Be 'old'
        $result.OldItems | Should -Be 2
        $result.YamlVersion | Should -Match '^11\.'
    }

    It 'survives Remove-Module and a second Import-Module in the same session' {
        $run = Invoke-DcChild @'
    $db = Join-Path $work 'c.db'
    Import-Module $env:DCTEST_MODULE
    $first = Use-DataCompass -Name 'first-import' -Database $db
    Remove-Module DataCompass
    $gone = -not (Get-Command Add-DcSource -ErrorAction SilentlyContinue)
    Import-Module $env:DCTEST_MODULE
    $second = Use-DataCompass -Name 'second-import' -Database $db
    $result = @{ First = $first; Gone = $gone; Second = $second; All = @(Get-DcSource -Database $db | ForEach-Object Name) }
'@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $result = Get-ChildResult $run
        $result.First | Should -Be 'first-import'
        $result.Gone | Should -BeTrue
        $result.Second | Should -Be 'second-import'
        @($result.All | Sort-Object) | Should -Be @('first-import', 'second-import')
    }

    It 'shows the session only the cmdlet assembly; the core and its dependencies live in DataCompass.Dependencies' {
        $run = Invoke-DcChild @'
    Import-Module $env:DCTEST_MODULE
    $null = Use-DataCompass -Name 'isolation' -Database (Join-Path $work 'd.db')
    $describe = { param($a) '{0} {1}' -f $a.GetName().Name, $a.GetName().Version }
    $private = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'DataCompass.Dependencies'
    $result = @{
        Default = @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | ForEach-Object { & $describe $_ })
        PrivateCount = @($private).Count
        Private = @($private | ForEach-Object { $_.Assemblies } | ForEach-Object { & $describe $_ })
        CmdletContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext((Get-Command Add-DcSource).ImplementingType.Assembly).Name
    }
'@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $result = Get-ChildResult $run
        $defaultNames = @($result.Default | ForEach-Object { ($_ -split ' ')[0] })
        $defaultNames | Should -Contain 'DataCompass'
        $result.CmdletContext | Should -Be 'Default'
        foreach ($hidden in 'YamlDotNet', 'Microsoft.Data.Sqlite', 'DataCompass.Core', 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3', 'SQLitePCLRaw.batteries_v2') {
            $defaultNames | Should -Not -Contain $hidden -Because "$hidden must load only in DataCompass's own context"
        }
        $result.PrivateCount | Should -Be 1
        $privateNames = @($result.Private | ForEach-Object { ($_ -split ' ')[0] })
        foreach ($dependency in 'DataCompass.Core', 'Microsoft.Data.Sqlite', 'YamlDotNet') {
            $privateNames | Should -Contain $dependency
        }
        $yaml = @($result.Private | Where-Object { $_ -like 'YamlDotNet *' })
        $yaml.Count | Should -Be 1
        $yaml[0] | Should -Match '^YamlDotNet 18\.'
        $privateNames | Should -Not -Contain 'DataCompass' -Because 'the cmdlet assembly belongs to the default context'
        $privateNames | Should -Not -Contain 'System.Management.Automation'
    }

    It 'ships native SQLite for exactly the six desktop runtimes' {
        $runtimes = Join-Path $script:ModuleFolder 'deps/runtimes'
        @(Get-ChildItem -Path $runtimes -Directory | ForEach-Object Name | Sort-Object) | Should -Be $script:ShippedRuntimes
        $expectedFile = @{
            'linux-x64' = 'libe_sqlite3.so'; 'linux-arm64' = 'libe_sqlite3.so'
            'osx-x64' = 'libe_sqlite3.dylib'; 'osx-arm64' = 'libe_sqlite3.dylib'
            'win-x64' = 'e_sqlite3.dll'; 'win-arm64' = 'e_sqlite3.dll'
        }
        foreach ($rid in $script:ShippedRuntimes) {
            @(Get-ChildItem -Path (Join-Path $runtimes $rid) -Recurse -File | ForEach-Object {
                [IO.Path]::GetRelativePath((Join-Path $runtimes $rid), $_.FullName) -replace '\\', '/'
            }) | Should -Be @("native/$($expectedFile[$rid])") -Because "$rid ships one native SQLite library"
        }
        # No native SQLite anywhere else in the module (flat copies, <os>-<arch> folders, other RIDs).
        $allowed = @($script:ShippedRuntimes | ForEach-Object { [IO.Path]::GetFullPath((Join-Path $runtimes "$_/native/$($expectedFile[$_])")) })
        @(Get-ChildItem -Path $script:ModuleFolder -Recurse -File | Where-Object { $_.Name -match '^(lib)?e_sqlite3\.(so|dylib|dll)$' -or $_.Extension -in '.so', '.dylib' } |
            Where-Object { $allowed -notcontains $_.FullName }) | Should -BeNullOrEmpty
    }
}

#Requires -Version 7.0
<#
    Pester 5 tests of the SecretManagement stand-in (StandIn/Microsoft.PowerShell.SecretManagement) and of the
    DataCompass test vaults (Vaults/). Expected values come from the behaviour contract
    (/work/shared/secretmanagement-contract.md), i.e. the real module's code.

    The registry path is fixed per process, so each Describe runs its whole scenario in ONE child pwsh whose HOME
    is a private folder under $TestDrive. The child records what every step wrote (output, errors, warnings, a
    terminating error) and hands that back as CliXml; the It blocks only assert on it.
#>

BeforeAll {
    $StandInRoot = Join-Path $PSScriptRoot 'StandIn'
    $VaultsRoot = Join-Path $PSScriptRoot 'Vaults'

    # Runs in every child before the Describe's own scenario. Helpers:
    #   Step <key> { ... }   runs the block, records Output / Errors / Warnings / Terminating under $R.<key>
    #   Show <value>         a serialisable description of a value (SecureStrings revealed: test data only)
    #   New-TestExtensionVault   writes a throw-away vault module (for protocol / validation tests)
    $ChildPrelude = @'
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$env:PSModulePath = $env:DC_SM_STANDIN + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module Microsoft.PowerShell.SecretManagement
if (-not (Get-Module Microsoft.PowerShell.SecretManagement).PrivateData.IsTestStandIn) { throw 'The stand-in was not the module loaded.' }
$ErrorActionPreference = 'Continue'

$TestVault = Join-Path $env:DC_SM_VAULTS 'DataCompass.TestVault'
$NoMetadataVault = Join-Path $env:DC_SM_VAULTS 'DataCompass.TestVaultNoMetadata'
$Data = $env:DC_SM_DATA
$R = [ordered]@{}

function ConvertTo-Plain([securestring] $Secure) { [System.Net.NetworkCredential]::new('', $Secure).Password }

function Show {
    param($Value)
    if ($null -eq $Value) { return [pscustomobject]@{ Type = 'null'; Text = $null } }
    $type = $Value.GetType().FullName
    # An if-chain, not switch: switch would enumerate a byte[].
    if ($Value -is [securestring]) { $text = ConvertTo-Plain $Value }
    elseif ($Value -is [pscredential]) { $text = '{0}|{1}' -f $Value.UserName, (ConvertTo-Plain $Value.Password) }
    elseif ($Value -is [byte[]]) { $text = [Convert]::ToBase64String($Value) }
    elseif ($Value -is [hashtable]) {
        $text = @($Value.Keys | Sort-Object | ForEach-Object { '{0}={1}' -f $_, (Show $Value[$_]).Text }) -join ';'
    }
    elseif ($Value -is [Microsoft.PowerShell.SecretManagement.SecretInformation]) {
        $meta = '<null>'
        if ($null -ne $Value.Metadata) {
            $meta = @($Value.Metadata.Keys | Sort-Object | ForEach-Object {
                    $item = $Value.Metadata[$_]
                    $itemText = if ($item -is [datetime]) { $item.ToString('o') } else { "$item" }
                    '{0}={1}:{2}' -f $_, $item.GetType().Name, $itemText
                }) -join ','
        }
        $text = '{0}|{1}|{2}|{3}' -f $Value.Name, $Value.Type, $Value.VaultName, $meta
    }
    elseif ($Value -is [Microsoft.PowerShell.SecretManagement.SecretVaultInfo]) {
        $text = '{0}|{1}|{2}|{3}' -f $Value.Name, $Value.ModuleName, $Value.IsDefault, $Value.Description
    }
    elseif ($Value -is [System.Management.Automation.InformationalRecord]) { $text = $Value.Message }
    else { $text = "$Value" }
    [pscustomobject]@{ Type = $type; Text = $text }
}

function Show-Error {
    param([System.Management.Automation.ErrorRecord] $Record)
    $chain = @()
    $exception = $Record.Exception.InnerException
    while ($null -ne $exception) { $chain += $exception; $exception = $exception.InnerException }
    [pscustomobject]@{
        Id                    = ($Record.FullyQualifiedErrorId -split ',')[0]
        FullyQualifiedErrorId = $Record.FullyQualifiedErrorId
        Category              = "$($Record.CategoryInfo.Category)"
        ExceptionType         = $Record.Exception.GetType().FullName
        Message               = $Record.Exception.Message
        InnerTypes            = @($chain | ForEach-Object { $_.GetType().FullName })
        InnermostMessage      = if ($chain.Count) { $chain[-1].Message } else { $null }
    }
}

function Step {
    param([string] $Key, [scriptblock] $Script)
    $items = [System.Collections.Generic.List[object]]::new()
    $terminating = $null
    $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        & $Script 2>&1 3>&1 | ForEach-Object { $items.Add($_) }
    }
    catch {
        $terminating = Show-Error $_
    }
    $R[$Key] = [pscustomobject]@{
        Output      = @($items | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.WarningRecord] } | ForEach-Object { Show $_ })
        Errors      = @($items | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { Show-Error $_ })
        Warnings    = @($items | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object { $_.Message })
        Terminating = $terminating
        Milliseconds = $stopwatch.ElapsedMilliseconds
    }
}

function Get-CallLog([string] $Folder, [string] $VaultName) {
    # The vault names its log after the VaultName it is given, which can be the caller's spelling.
    # Read with .NET: Get-Content output carries provider note properties that bloat the CliXml hand-back.
    @(Get-ChildItem -Path $Folder -File -ErrorAction Ignore | Where-Object Name -EQ "$VaultName.calls.log" | ForEach-Object { [IO.File]::ReadAllLines($_.FullName) })
}

function Clear-CallLog([string] $Folder) {
    Get-ChildItem -Path $Folder -File -ErrorAction Ignore | Where-Object Name -Like '*.calls.log' | Remove-Item
}

function New-TestExtensionVault {
    # A throw-away vault module: <Root>/<Name>/<Name>.psd1 + <Name>.Extension/<Name>.Extension.psm1.
    param([string] $Root, [string] $Name, [hashtable] $Functions, [switch] $NoExtension)
    $folder = Join-Path $Root $Name
    $extension = Join-Path $folder "$Name.Extension"
    $null = New-Item -ItemType Directory -Force -Path $extension
    if ($NoExtension) {
        Remove-Item -Recurse -Force $extension
        Set-Content -Path (Join-Path $folder "$Name.psd1") -Value "@{ ModuleVersion = '1.0'; FunctionsToExport = @() }"
        return $folder
    }
    Set-Content -Path (Join-Path $folder "$Name.psd1") -Value "@{ ModuleVersion = '1.0'; NestedModules = @('.\$Name.Extension'); FunctionsToExport = @() }"
    $source = foreach ($function in $Functions.Keys) { "function $function {`n$($Functions[$function])`n}`n" }
    Set-Content -Path (Join-Path $extension "$Name.Extension.psm1") -Value ($source -join "`n")
    return $folder
}
'@

    function Invoke-StandInScenario {
        <#
            Runs the prelude + Body in a child pwsh (-NoProfile -NonInteractive) with HOME in $TestDrive and
            returns the child's $R (deserialised). Throws with the child's output if it did not finish.
        #>
        param(
            [Parameter(Mandatory)] [string] $Name,
            [Parameter(Mandatory)] [scriptblock] $Body
        )

        $root = Join-Path $TestDrive $Name
        $homeFolder = Join-Path $root 'home'
        $dataFolder = Join-Path $root 'data'
        $null = New-Item -ItemType Directory -Force -Path $homeFolder, $dataFolder
        $resultPath = Join-Path $root 'result.clixml'
        $scriptPath = Join-Path $root 'scenario.ps1'
        $scenario = $ChildPrelude + "`n" + $Body.ToString() + "`n" + '$R | Export-Clixml -Path $env:DC_SM_RESULT -Depth 6'
        Set-Content -Path $scriptPath -Value $scenario

        $startInfo = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        if ((Split-Path -Leaf ([Environment]::ProcessPath)) -match '^dotnet(\.exe)?$') {
            $startInfo.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll'))
        }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $scriptPath) {
            $startInfo.ArgumentList.Add($argument)
        }
        $startInfo.RedirectStandardOutput = $true
        $startInfo.RedirectStandardError = $true
        $startInfo.UseShellExecute = $false
        $startInfo.WorkingDirectory = $root
        $startInfo.Environment['HOME'] = $homeFolder
        $startInfo.Environment['DC_SM_STANDIN'] = $StandInRoot
        $startInfo.Environment['DC_SM_VAULTS'] = $VaultsRoot
        $startInfo.Environment['DC_SM_DATA'] = $dataFolder
        $startInfo.Environment['DC_SM_RESULT'] = $resultPath
        $startInfo.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
        $startInfo.Environment['POWERSHELL_UPDATECHECK'] = 'Off'

        $process = [System.Diagnostics.Process]::Start($startInfo)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(120000)) {
            $process.Kill($true)
            throw "Scenario '$Name' timed out."
        }
        $process.WaitForExit()
        if ($process.ExitCode -ne 0 -or -not (Test-Path $resultPath)) {
            throw "Scenario '$Name' failed (exit code $($process.ExitCode)):`n$($stdout.Result)`n$($stderr.Result)"
        }
        return Import-Clixml -Path $resultPath
    }
}

Describe 'Stand-in module surface' {
    BeforeAll {
        $R = Invoke-StandInScenario -Name 'surface' -Body {
            $module = Get-Module Microsoft.PowerShell.SecretManagement
            $R.Version = $module.Version.ToString()
            $R.Guid = $module.Guid.ToString()
            $R.Exported = @($module.ExportedCommands.Keys | Sort-Object)
            $R.ExportedAliasesAndVariables = @($module.ExportedAliases.Keys) + @($module.ExportedVariables.Keys)

            $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
            $R.Parameters = @(foreach ($command in $module.ExportedCommands.Values | Sort-Object Name) {
                    foreach ($set in $command.ParameterSets) {
                        foreach ($parameter in $set.Parameters | Where-Object { $common -notcontains $_.Name }) {
                            $position = if ($parameter.Position -lt 0) { 'named' } else { $parameter.Position }
                            $pipeline = @(if ($parameter.ValueFromPipeline) { 'ByValue' }; if ($parameter.ValueFromPipelineByPropertyName) { 'ByPropertyName' }) -join '+'
                            '{0}|{1}|{2}|{3}|{4}|{5}|{6}' -f $command.Name, $set.Name, $parameter.Name, $parameter.ParameterType.Name, $position, $parameter.IsMandatory, $pipeline
                        }
                    }
                })
            $R.DefaultSets = @(foreach ($command in $module.ExportedCommands.Values | Sort-Object Name) { '{0}={1}' -f $command.Name, $command.DefaultParameterSet })
            $R.OutputTypes = @(foreach ($command in $module.ExportedCommands.Values | Sort-Object Name) { '{0}={1}' -f $command.Name, (@($command.OutputType | ForEach-Object Name) -join ',') })
            $R.ShouldProcess = @($module.ExportedCommands.Values | Where-Object { $_.Parameters.ContainsKey('WhatIf') } | ForEach-Object Name | Sort-Object)
            $R.NameWildcards = @(foreach ($command in 'Get-SecretInfo', 'Get-SecretVault', 'Test-SecretVault', 'Unregister-SecretVault', 'Get-Secret') {
                    $attribute = (Get-Command $command).Parameters['Name'].Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }
                    '{0}={1}' -f $command, [bool] $attribute
                })

            $R.SecretTypeValues = @([enum]::GetValues([Microsoft.PowerShell.SecretManagement.SecretType]) | ForEach-Object { '{0}={1}' -f $_, [int] $_ })
            $R.PasswordRequiredBase = [Microsoft.PowerShell.SecretManagement.PasswordRequiredException].BaseType.FullName
            $R.PasswordRequiredMessage = [Microsoft.PowerShell.SecretManagement.PasswordRequiredException]::new('locked!').Message
            $R.SecretInformationCtors = @([Microsoft.PowerShell.SecretManagement.SecretInformation].GetConstructors() | ForEach-Object {
                    (@($_.GetParameters() | ForEach-Object { $_.ParameterType.Name }) -join ',')
                } | Sort-Object)
            $R.SecretVaultInfoPublicCtors = [Microsoft.PowerShell.SecretManagement.SecretVaultInfo].GetConstructors().Count
            $R.SealedTypes = @('SecretInformation', 'SecretVaultInfo', 'PasswordRequiredException' | ForEach-Object { "$_=$(("Microsoft.PowerShell.SecretManagement.$_" -as [type]).IsSealed)" })

            $plain = [Microsoft.PowerShell.SecretManagement.SecretInformation]::new('n', 'String', 'v')
            $R.ThreeArgMetadataIsNull = $null -eq $plain.Metadata
            $withMetadata = [Microsoft.PowerShell.SecretManagement.SecretInformation]::new('n', 'Hashtable', 'v', [hashtable] @{ Owner = 'ops' })
            $R.HashtableMetadata = '{0}|{1}|{2}' -f $withMetadata.Metadata.GetType().Name, $withMetadata.Metadata['Owner'], $withMetadata.Metadata.ContainsKey('owner')
            $hashtableCtor = [Microsoft.PowerShell.SecretManagement.SecretInformation].GetConstructor([type[]] @([string], [Microsoft.PowerShell.SecretManagement.SecretType], [string], [hashtable]))
            $R.NullHashtableMetadataIsNull = $null -eq $hashtableCtor.Invoke(@('n', [Microsoft.PowerShell.SecretManagement.SecretType]::String, 'v', $null)).Metadata

            $typeBefore = [Microsoft.PowerShell.SecretManagement.SecretInformation]
            Step 'Reimport' { Import-Module Microsoft.PowerShell.SecretManagement -Force }
            $R.SameTypeAfterReimport = [object]::ReferenceEquals($typeBefore, ('Microsoft.PowerShell.SecretManagement.SecretInformation' -as [type]))

            # Module-qualified calls (the way DataCompass calls it) auto-load the module from PSModulePath.
            Remove-Module Microsoft.PowerShell.SecretManagement
            Step 'AutoLoad' { Microsoft.PowerShell.SecretManagement\Get-SecretVault }
            $R.AutoLoadedFrom = (Get-Module Microsoft.PowerShell.SecretManagement).ModuleBase
        }
    }

    It 'is version 1.1.2 with the real module GUID and exports exactly the 11 commands' {
        $R.Version | Should -Be '1.1.2'
        $R.Guid | Should -Be 'a5c858f6-4a8e-41f1-b1ee-0ff8f6ad69d3'
        $R.Exported | Should -Be @('Get-Secret', 'Get-SecretInfo', 'Get-SecretVault', 'Register-SecretVault', 'Remove-Secret',
            'Set-Secret', 'Set-SecretInfo', 'Set-SecretVaultDefault', 'Test-SecretVault', 'Unlock-SecretVault', 'Unregister-SecretVault')
        $R.ExportedAliasesAndVariables | Should -BeNullOrEmpty
    }

    It 'has the parameter sets, positions, mandatory flags and pipeline binding of contract section 2' {
        $expected = @(
            'Get-Secret|NameParameterSet|Name|String|0|True|ByValue'
            'Get-Secret|NameParameterSet|Vault|String|1|False|'
            'Get-Secret|NameParameterSet|AsPlainText|SwitchParameter|named|False|'
            'Get-Secret|InfoParameterSet|InputObject|SecretInformation|named|True|ByValue'
            'Get-Secret|InfoParameterSet|AsPlainText|SwitchParameter|named|False|'
            'Get-SecretInfo|__AllParameterSets|Name|String|0|False|'
            'Get-SecretInfo|__AllParameterSets|Vault|String|1|False|'
            'Get-SecretVault|__AllParameterSets|Name|String[]|0|False|'
            'Register-SecretVault|__AllParameterSets|ModuleName|String|0|True|'
            'Register-SecretVault|__AllParameterSets|Name|String|1|False|'
            'Register-SecretVault|__AllParameterSets|VaultParameters|Hashtable|named|False|'
            'Register-SecretVault|__AllParameterSets|DefaultVault|SwitchParameter|named|False|'
            'Register-SecretVault|__AllParameterSets|AllowClobber|SwitchParameter|named|False|'
            'Register-SecretVault|__AllParameterSets|PassThru|SwitchParameter|named|False|'
            'Register-SecretVault|__AllParameterSets|Description|String|named|False|'
            'Remove-Secret|NameParameterSet|Name|String|0|True|ByValue'
            'Remove-Secret|NameParameterSet|Vault|String|1|True|'
            'Remove-Secret|InfoParameterSet|InputObject|SecretInformation|0|True|ByValue'
            'Set-Secret|ObjectParameterSet|Name|String|0|True|'
            'Set-Secret|ObjectParameterSet|Secret|Object|1|True|ByValue'
            'Set-Secret|ObjectParameterSet|Vault|String|2|False|'
            'Set-Secret|ObjectParameterSet|Metadata|Hashtable|3|False|'
            'Set-Secret|ObjectParameterSet|NoClobber|SwitchParameter|named|False|'
            'Set-Secret|SecureStringParameterSet|Name|String|0|True|'
            'Set-Secret|SecureStringParameterSet|SecureStringSecret|SecureString|1|True|ByValue'
            'Set-Secret|SecureStringParameterSet|Vault|String|2|False|'
            'Set-Secret|SecureStringParameterSet|Metadata|Hashtable|3|False|'
            'Set-Secret|SecureStringParameterSet|NoClobber|SwitchParameter|named|False|'
            'Set-Secret|SecretInfoParameterSet|SecretInfo|SecretInformation|1|True|ByValue'
            'Set-Secret|SecretInfoParameterSet|Vault|String|named|True|'
            'Set-Secret|SecretInfoParameterSet|NoClobber|SwitchParameter|named|False|'
            'Set-SecretInfo|NameParameterSet|Name|String|0|True|'
            'Set-SecretInfo|NameParameterSet|Metadata|Hashtable|1|True|ByValue'
            'Set-SecretInfo|NameParameterSet|Vault|String|2|False|'
            'Set-SecretInfo|InfoParameterSet|Metadata|Hashtable|0|True|'
            'Set-SecretInfo|InfoParameterSet|InputObject|SecretInformation|named|True|ByValue'
            'Set-SecretVaultDefault|NameParameterSet|Name|String|0|True|ByValue'
            'Set-SecretVaultDefault|SecretVaultParameterSet|SecretVault|SecretVaultInfo|0|True|ByValue+ByPropertyName'
            'Set-SecretVaultDefault|ClearParameterSet|ClearDefault|SwitchParameter|named|False|'
            'Test-SecretVault|__AllParameterSets|Name|String[]|0|False|ByValue+ByPropertyName'
            'Unlock-SecretVault|__AllParameterSets|Name|String|0|True|'
            'Unlock-SecretVault|__AllParameterSets|Password|SecureString|1|True|'
            'Unregister-SecretVault|NameParameterSet|Name|String[]|0|True|ByValue'
            'Unregister-SecretVault|SecretVaultParameterSet|SecretVault|SecretVaultInfo|0|True|ByValue+ByPropertyName'
        )
        ($R.Parameters | Sort-Object) | Should -Be ($expected | Sort-Object)
    }

    It 'has the default parameter sets, [OutputType], ShouldProcess and wildcard support of the real cmdlets' {
        $R.DefaultSets | Should -Contain 'Get-Secret=NameParameterSet'
        $R.DefaultSets | Should -Contain 'Set-Secret=SecureStringParameterSet'
        $R.DefaultSets | Should -Contain 'Set-SecretInfo=NameParameterSet'
        $R.DefaultSets | Should -Contain 'Set-SecretVaultDefault=NameParameterSet'
        $R.DefaultSets | Should -Contain 'Remove-Secret='
        $R.DefaultSets | Should -Contain 'Unregister-SecretVault='
        $R.OutputTypes | Should -Contain 'Get-Secret=System.Object'
        $R.OutputTypes | Should -Contain 'Get-SecretInfo=Microsoft.PowerShell.SecretManagement.SecretInformation'
        $R.OutputTypes | Should -Contain 'Get-SecretVault=Microsoft.PowerShell.SecretManagement.SecretVaultInfo'
        $R.OutputTypes | Should -Contain 'Register-SecretVault=Microsoft.PowerShell.SecretManagement.SecretVaultInfo'
        $R.OutputTypes | Should -Contain 'Test-SecretVault=System.Boolean'
        $R.OutputTypes | Should -Contain 'Set-Secret='
        $R.ShouldProcess | Should -Be @('Register-SecretVault', 'Remove-Secret', 'Set-Secret', 'Set-SecretInfo', 'Set-SecretVaultDefault', 'Unregister-SecretVault')
        $R.NameWildcards | Should -Be @('Get-SecretInfo=True', 'Get-SecretVault=True', 'Test-SecretVault=True', 'Unregister-SecretVault=True', 'Get-Secret=False')
    }

    It 'declares the public types of contract section 1' {
        $R.SecretTypeValues | Should -Be @('Unknown=0', 'ByteArray=1', 'String=2', 'SecureString=3', 'PSCredential=4', 'Hashtable=5')
        $R.PasswordRequiredBase | Should -Be 'System.InvalidOperationException'
        $R.PasswordRequiredMessage | Should -Be 'locked!'
        $R.SecretInformationCtors | Should -Be @('String,SecretType,String', 'String,SecretType,String,Hashtable', 'String,SecretType,String,ReadOnlyDictionary`2')
        $R.SecretVaultInfoPublicCtors | Should -Be 0
        $R.SealedTypes | Should -Be @('SecretInformation=True', 'SecretVaultInfo=True', 'PasswordRequiredException=True')
    }

    It 'gives SecretInformation null metadata by default and a case-sensitive copy of a Hashtable' {
        $R.ThreeArgMetadataIsNull | Should -BeTrue
        $R.NullHashtableMetadataIsNull | Should -BeTrue
        $R.HashtableMetadata | Should -Be 'ReadOnlyDictionary`2|ops|False'
    }

    It 're-imports without redefining the types' {
        $R.Reimport.Terminating | Should -BeNullOrEmpty
        $R.Reimport.Errors | Should -BeNullOrEmpty
        $R.SameTypeAfterReimport | Should -BeTrue
    }

    It 'auto-loads from PSModulePath when called by module-qualified name' {
        $R.AutoLoad.Terminating | Should -BeNullOrEmpty
        $R.AutoLoad.Errors | Should -BeNullOrEmpty
        $R.AutoLoadedFrom | Should -Be (Join-Path $StandInRoot 'Microsoft.PowerShell.SecretManagement')
    }
}

Describe 'Registration, default vault and the registry' {
    BeforeAll {
        $R = Invoke-StandInScenario -Name 'registry' -Body {
            $registryFile = Join-Path $HOME '.secretmanagement-standin/vaultinfo'

            # Nothing registered yet.
            Step 'NoVaultGetSecret' { Get-Secret -Name anything }
            Step 'NoVaultSetSecret' { Set-Secret -Name anything -Secret 'value'; 'not reached' }
            Step 'NoVaultGetSecretInfo' { Get-SecretInfo }
            Step 'NoVaultSetSecretInfo' { Set-SecretInfo -Name anything -Metadata @{ a = 1 }; 'not reached' }
            Step 'NoVaultTest' { Test-SecretVault }
            Step 'NoVaultGetSecretVault' { Get-SecretVault }

            Step 'RegisterFirst' {
                Register-SecretVault -ModuleName $TestVault -Name First -Description 'first vault' -PassThru `
                    -VaultParameters @{ Path = $Data; Count = 5; Flag = $true; When = '2024-01-02T03:04:05Z' }
            }
            Step 'RegisterByPsd1WithoutName' {
                Register-SecretVault -ModuleName (Join-Path $NoMetadataVault 'DataCompass.TestVaultNoMetadata.psd1') -VaultParameters @{ Path = $Data } -PassThru
            }
            Step 'RegisterRelative' {
                Push-Location (Split-Path -Parent $TestVault)
                try { Register-SecretVault -ModuleName ./DataCompass.TestVault -Name Relative -VaultParameters @{ Path = $Data } -DefaultVault:$false -PassThru }
                finally { Pop-Location }
            }
            Step 'RegisterNoPassThru' { Register-SecretVault -ModuleName $TestVault -Name Quiet -VaultParameters @{ Path = $Data } }

            $R.RegistryFileExists = Test-Path $registryFile
            $registry = Get-Content -Raw $registryFile | ConvertFrom-Json
            $R.RegistryDefault = $registry.DefaultVaultName
            $R.RegistryFirst = '{0}|{1}|{2}' -f $registry.Vaults.First.ModuleName, $registry.Vaults.First.ModulePath, $registry.Vaults.First.SetSecretSupportsMetadata
            $R.RegistryNoMetadataSupportsMetadata = $registry.Vaults.'DataCompass.TestVaultNoMetadata'.SetSecretSupportsMetadata
            $R.RealRegistryUntouched = -not (Test-Path (Join-Path $HOME '.secretmanagement'))

            $first = Get-SecretVault -Name First
            $R.VaultParameterTypes = @('Path', 'Count', 'Flag', 'When' | ForEach-Object { '{0}={1}' -f $_, $first.VaultParameters[$_].GetType().Name })
            $R.VaultParametersCaseSensitive = -not $first.VaultParameters.ContainsKey('path')
            $R.RelativeModulePath = (Get-SecretVault -Name Relative).ModulePath

            Step 'GetVaultAll' { Get-SecretVault }
            Step 'GetVaultWildcard' { Get-SecretVault -Name 'f*', 'RELATIVE' }
            Step 'GetVaultUnknown' { Get-SecretVault -Name 'NoSuchVault' }
            Step 'GetVaultWildcardNoMatch' { Get-SecretVault -Name 'zz*' }

            Step 'NameTaken' { Register-SecretVault -ModuleName $TestVault -Name first -VaultParameters @{ Path = $Data }; 'not reached' }
            Step 'ReservedVerbose' { Register-SecretVault -ModuleName $TestVault -Name Verbose1 -VaultParameters @{ Verbose = $true }; 'not reached' }
            Step 'MissingModule' { Register-SecretVault -ModuleName (Join-Path $Data 'NoSuchModule') -Name Missing; 'not reached' }
            $broken = New-TestExtensionVault -Root (Join-Path $Data 'modules') -Name 'BrokenVault' -Functions @{
                'Get-Secret'       = 'param($Name, $VaultName, $AdditionalParameters)'
                'Set-Secret'       = 'param($Name, $Secret, $VaultName, $AdditionalParameters)'
                'Get-SecretInfo'   = 'param($Filter, $VaultName, $AdditionalParameters)'
                'Test-SecretVault' = 'param($VaultName, $AdditionalParameters) $true'
            }
            Step 'MissingFunction' { Register-SecretVault -ModuleName $broken -Name Broken; 'not reached' }
            $badParameter = New-TestExtensionVault -Root (Join-Path $Data 'modules') -Name 'BadParameterVault' -Functions @{
                'Get-Secret'       = 'param($Name, $AdditionalParameters)'
                'Set-Secret'       = 'param($Name, $Secret, $VaultName, $AdditionalParameters)'
                'Remove-Secret'    = 'param($Name, $VaultName, $AdditionalParameters)'
                'Get-SecretInfo'   = 'param($Filter, $VaultName, $AdditionalParameters)'
                'Test-SecretVault' = 'param($VaultName, $AdditionalParameters) $true'
            }
            Step 'MissingParameter' { Register-SecretVault -ModuleName $badParameter -Name BadParameter; 'not reached' }
            $noExtension = New-TestExtensionVault -Root (Join-Path $Data 'modules') -Name 'NoExtensionVault' -NoExtension
            Step 'MissingExtension' { Register-SecretVault -ModuleName $noExtension -Name NoExtension; 'not reached' }
            Step 'WhatIfRegister' { Register-SecretVault -ModuleName $TestVault -Name WhatIfVault -VaultParameters @{ Path = $Data } -WhatIf }
            $R.WhatIfRegistered = @(Get-SecretVault -Name 'WhatIfVault*').Count

            Step 'AllowClobber' { Register-SecretVault -ModuleName $NoMetadataVault -Name Quiet -VaultParameters @{ Path = $Data; Swapped = 'yes' } -AllowClobber -PassThru }

            Step 'DefaultTakeover' { Register-SecretVault -ModuleName $TestVault -Name Second -VaultParameters @{ Path = $Data } -DefaultVault }
            $R.DefaultAfterTakeover = @(Get-SecretVault | Where-Object IsDefault | ForEach-Object Name)
            Step 'SetDefaultByName' { Set-SecretVaultDefault -Name first }
            $R.DefaultAfterSetByName = @(Get-SecretVault | Where-Object IsDefault | ForEach-Object Name)
            $R.RegistryDefaultSpelling = (Get-Content -Raw $registryFile | ConvertFrom-Json).DefaultVaultName
            Step 'SetDefaultByPipeline' { Get-SecretVault -Name Second | Set-SecretVaultDefault }
            $R.DefaultAfterPipeline = @(Get-SecretVault | Where-Object IsDefault | ForEach-Object Name)
            Step 'SetDefaultUnknown' { Set-SecretVaultDefault -Name NoSuchVault; 'not reached' }
            Step 'ClearDefault' { Set-SecretVaultDefault -ClearDefault }
            $R.DefaultAfterClear = @(Get-SecretVault | Where-Object IsDefault).Count
            Step 'SetSecretNoDefault' { Set-Secret -Name x -Secret 'y'; 'not reached' }

            Set-SecretVaultDefault -Name Second
            Clear-CallLog $Data
            Step 'UnregisterDefault' { Unregister-SecretVault -Name Second -Verbose }
            $R.DefaultAfterUnregister = @(Get-SecretVault | Where-Object IsDefault).Count
            $R.SecondStillRegistered = @(Get-SecretVault -Name 'Second*').Count
            $R.SecondUnregisterCall = Get-CallLog $Data 'Second'
            Step 'UnregisterUnknown' { Unregister-SecretVault -Name NoSuchVault }

            foreach ($name in 'W1', 'W2', 'W3') { Register-SecretVault -ModuleName $TestVault -Name $name -VaultParameters @{ Path = $Data } }
            Step 'UnregisterWildcardQuirk' { Unregister-SecretVault -Name 'W1*', 'W2' }
            $R.AfterWildcardQuirk = @(Get-SecretVault -Name 'W*' | ForEach-Object Name)
            Step 'UnregisterWhatIf' { Unregister-SecretVault -Name W2 -WhatIf }
            Step 'UnregisterPipeline' { Get-SecretVault -Name W2, W3 | Unregister-SecretVault }
            $R.AfterPipelineUnregister = @(Get-SecretVault -Name 'W*').Count

            # The registry path was fixed at import; a later HOME change (even with a re-import) is ignored.
            $otherHome = Join-Path $Data 'other-home'
            $env:HOME = $otherHome
            Import-Module Microsoft.PowerShell.SecretManagement -Force
            Step 'RegisterAfterHomeChange' { Register-SecretVault -ModuleName $TestVault -Name AfterHomeChange -VaultParameters @{ Path = $Data } }
            $R.OtherHomeRegistryExists = Test-Path (Join-Path $otherHome '.secretmanagement-standin/vaultinfo')
            $R.AfterHomeChangeInOriginal = [bool] ((Get-Content -Raw $registryFile | ConvertFrom-Json).Vaults.PSObject.Properties['AfterHomeChange'])

            # A registry file without both top-level keys is treated as corrupt and deleted.
            Set-Content -Path $registryFile -Value '{ "Vaults": {} }'
            Step 'CorruptRegistry' { Get-SecretVault }
            $R.CorruptRegistryDeleted = -not (Test-Path $registryFile)
        }
    }

    Context 'with no vault registered' {
        It 'Get-Secret warns that no vault is registered, then reports GetSecretNotFound' {
            $R.NoVaultGetSecret.Warnings.Count | Should -Be 1
            $R.NoVaultGetSecret.Warnings[0] | Should -BeExactly ("`n        There are currently no extension vaults registered.`n" +
                "        At least one vault must be registered before SecretManagement can add or retrieve secrets.`n" +
                "        You can download SecretManagement extension vault modules from PowerShellGallery.`n" +
                "        https://aka.ms/SecretManagementVaults`n        ")
            $R.NoVaultGetSecret.Errors.Id | Should -Be 'GetSecretNotFound'
            $R.NoVaultGetSecret.Terminating | Should -BeNullOrEmpty
        }

        It 'Set-Secret warns, then fails terminating with SetSecretCommandFailNoVault' {
            $R.NoVaultSetSecret.Warnings[0] | Should -Match 'There are currently no extension vaults registered'
            $R.NoVaultSetSecret.Output | Should -BeNullOrEmpty
            $R.NoVaultSetSecret.Terminating.Id | Should -Be 'SetSecretCommandFailNoVault'
            $R.NoVaultSetSecret.Terminating.Category | Should -Be 'InvalidOperation'
            $R.NoVaultSetSecret.Terminating.ExceptionType | Should -Be 'System.Management.Automation.PSInvalidOperationException'
            $R.NoVaultSetSecret.Terminating.Message | Should -Be 'Unable to set secret because no vault was provided and there is no default vault designated.'
        }

        It 'Get-SecretInfo warns and returns nothing; Set-SecretInfo warns and fails with SetSecretInfoCommandFailNoVault' {
            $R.NoVaultGetSecretInfo.Warnings.Count | Should -Be 1
            $R.NoVaultGetSecretInfo.Output | Should -BeNullOrEmpty
            $R.NoVaultGetSecretInfo.Errors | Should -BeNullOrEmpty
            $R.NoVaultSetSecretInfo.Warnings.Count | Should -Be 1
            $R.NoVaultSetSecretInfo.Terminating.Id | Should -Be 'SetSecretInfoCommandFailNoVault'
            $R.NoVaultSetSecretInfo.Terminating.Message | Should -Be 'Unable to set secret metadata because no vault was provided and there is no default vault designated.'
        }

        It 'Test-SecretVault and Get-SecretVault write nothing and do not warn' {
            foreach ($step in $R.NoVaultTest, $R.NoVaultGetSecretVault) {
                $step.Output | Should -BeNullOrEmpty
                $step.Errors | Should -BeNullOrEmpty
                $step.Warnings | Should -BeNullOrEmpty
            }
        }
    }

    Context 'registering' {
        It 'makes the first vault the default and -PassThru returns its SecretVaultInfo' {
            $R.RegisterFirst.Errors | Should -BeNullOrEmpty
            $R.RegisterFirst.Output.Count | Should -Be 1
            $R.RegisterFirst.Output[0].Type | Should -Be 'Microsoft.PowerShell.SecretManagement.SecretVaultInfo'
            $R.RegisterFirst.Output[0].Text | Should -Be 'First|DataCompass.TestVault|True|first vault'
        }

        It 'names the vault after the module file when -Name is omitted, and does not make it the default' {
            $R.RegisterByPsd1WithoutName.Output[0].Text | Should -Be 'DataCompass.TestVaultNoMetadata|DataCompass.TestVaultNoMetadata|False|'
        }

        It 'resolves a relative module path against the caller location and stores the module folder' {
            $R.RegisterRelative.Errors | Should -BeNullOrEmpty
            $R.RelativeModulePath | Should -Be (Join-Path $VaultsRoot 'DataCompass.TestVault')
            $R.RegisterNoPassThru.Output | Should -BeNullOrEmpty
        }

        It 'writes the registry JSON under $HOME/.secretmanagement-standin with SetSecretSupportsMetadata per vault' {
            $R.RegistryFileExists | Should -BeTrue
            $R.RealRegistryUntouched | Should -BeTrue
            $R.RegistryDefault | Should -Be 'First'
            $R.RegistryFirst | Should -Be ('DataCompass.TestVault|{0}|True' -f (Join-Path $VaultsRoot 'DataCompass.TestVault'))
            $R.RegistryNoMetadataSupportsMetadata | Should -BeFalse
        }

        It 'reads VaultParameters back through JSON: Int64 numbers, bools, dates from ISO strings, case-sensitive keys' {
            $R.VaultParameterTypes | Should -Be @('Path=String', 'Count=Int64', 'Flag=Boolean', 'When=DateTime')
            $R.VaultParametersCaseSensitive | Should -BeTrue
        }

        It 'refuses a taken name (case-insensitive) with RegisterSecretVaultInvalidVaultName' {
            $R.NameTaken.Terminating.Id | Should -Be 'RegisterSecretVaultInvalidVaultName'
            $R.NameTaken.Terminating.Category | Should -Be 'InvalidArgument'
            $R.NameTaken.Terminating.ExceptionType | Should -Be 'System.InvalidOperationException'
            $R.NameTaken.Terminating.Message | Should -Be 'Provided Name for vault is already being used.'
        }

        It 'reserves the Verbose key in VaultParameters' {
            $R.ReservedVerbose.Terminating.Id | Should -Be 'RegisterSecretVaultCommandCannotUseReservedName'
            $R.ReservedVerbose.Terminating.Message | Should -Be "The 'Verbose' parameter name is reserved and cannot be used in 'VaultParameters'"
        }

        It 'reports a module that cannot be loaded with RegisterSecretVaultCantGetModuleInfo' {
            $R.MissingModule.Terminating.Id | Should -Be 'RegisterSecretVaultCantGetModuleInfo'
            $R.MissingModule.Terminating.ExceptionType | Should -Be 'System.Management.Automation.PSInvalidOperationException'
            $R.MissingModule.Terminating.Message | Should -BeLike 'Could not load and retrieve module information for module: *NoSuchModule with error : *.'
        }

        It 'validates the extension module: missing function, missing parameter, missing .Extension' {
            $R.MissingFunction.Terminating.Id | Should -Be 'RegisterSecretVaultInvalidExtensionVault'
            $R.MissingFunction.Terminating.Message | Should -Be 'Module BrokenVault is not a valid extension vault: Remove-Secret function not found.'
            $R.MissingParameter.Terminating.Message | Should -Be 'Module BadParameterVault is not a valid extension vault: Get-Secret VaultName parameter not found.'
            $R.MissingExtension.Terminating.Id | Should -Be 'RegisterSecretVaultInvalidExtensionVault'
            $R.MissingExtension.Terminating.Message | Should -BeLike 'Module NoExtensionVault is not a valid extension vault: Implementing script module could not be found or loaded at : *NoExtensionVault.Extension with error : *'
        }

        It 'honours -WhatIf' {
            $R.WhatIfRegister.Errors | Should -BeNullOrEmpty
            $R.WhatIfRegistered | Should -Be 0
        }

        It '-AllowClobber replaces an existing registration' {
            $R.AllowClobber.Errors | Should -BeNullOrEmpty
            $R.AllowClobber.Output[0].Text | Should -Be 'Quiet|DataCompass.TestVaultNoMetadata|False|'
        }
    }

    Context 'listing vaults' {
        It 'lists all vaults sorted by name' {
            @($R.GetVaultAll.Output.Text | ForEach-Object { ($_ -split '\|')[0] }) |
                Should -Be @('DataCompass.TestVaultNoMetadata', 'First', 'Quiet', 'Relative')
        }

        It 'matches wildcards and exact names case-insensitively' {
            @($R.GetVaultWildcard.Output.Text | ForEach-Object { ($_ -split '\|')[0] }) | Should -Be @('First', 'Relative')
        }

        It 'reports an unknown exact name non-terminating with GetSecretVaultNotFound; an unmatched wildcard is silent' {
            $R.GetVaultUnknown.Terminating | Should -BeNullOrEmpty
            $R.GetVaultUnknown.Errors.Id | Should -Be 'GetSecretVaultNotFound'
            $R.GetVaultUnknown.Errors.Category | Should -Be 'ObjectNotFound'
            $R.GetVaultUnknown.Errors.ExceptionType | Should -Be 'System.Management.Automation.ItemNotFoundException'
            $R.GetVaultUnknown.Errors.Message | Should -Be 'Vault NoSuchVault does not exist in registry.'
            $R.GetVaultWildcardNoMatch.Output | Should -BeNullOrEmpty
            $R.GetVaultWildcardNoMatch.Errors | Should -BeNullOrEmpty
        }
    }

    Context 'the default vault' {
        It 'moves to a vault registered with -DefaultVault, and to one named by Set-SecretVaultDefault (registered spelling)' {
            $R.DefaultAfterTakeover | Should -Be @('Second')
            $R.DefaultAfterSetByName | Should -Be @('First')
            $R.RegistryDefaultSpelling | Should -BeExactly 'First'
            $R.DefaultAfterPipeline | Should -Be @('Second')
        }

        It 'reports an unknown name with a terminating VaultNotFound' {
            $R.SetDefaultUnknown.Terminating.Id | Should -Be 'VaultNotFound'
            $R.SetDefaultUnknown.Terminating.Category | Should -Be 'ObjectNotFound'
            $R.SetDefaultUnknown.Terminating.ExceptionType | Should -Be 'System.Management.Automation.ItemNotFoundException'
            $R.SetDefaultUnknown.Terminating.Message | Should -Be 'Vault name was not found.'
        }

        It 'can be cleared, after which Set-Secret without -Vault fails with SetSecretCommandFailNoVault' {
            $R.DefaultAfterClear | Should -Be 0
            $R.SetSecretNoDefault.Terminating.Id | Should -Be 'SetSecretCommandFailNoVault'
            $R.SetSecretNoDefault.Warnings | Should -BeNullOrEmpty
        }
    }

    Context 'unregistering' {
        It 'runs the vault''s Unregister-SecretVault and leaves no default after removing the default vault' {
            $R.UnregisterDefault.Errors | Should -BeNullOrEmpty
            $R.SecondStillRegistered | Should -Be 0
            $R.DefaultAfterUnregister | Should -Be 0
            $R.SecondUnregisterCall | Should -Be @('Unregister-SecretVault Second')
        }

        It 'reports an unknown name non-terminating with UnregisterSecretVaultObjectNotFound' {
            $R.UnregisterUnknown.Terminating | Should -BeNullOrEmpty
            $R.UnregisterUnknown.Errors.Id | Should -Be 'UnregisterSecretVaultObjectNotFound'
            $R.UnregisterUnknown.Errors.Message | Should -Be 'Unable to find secret vault NoSuchVault to unregister it.'
        }

        It 'stops after the first wildcard entry of -Name (real module quirk), honours -WhatIf and takes pipeline input' {
            $R.AfterWildcardQuirk | Should -Be @('W2', 'W3')
            $R.UnregisterWhatIf.Errors | Should -BeNullOrEmpty
            $R.UnregisterPipeline.Errors | Should -BeNullOrEmpty
            $R.AfterPipelineUnregister | Should -Be 0
        }
    }

    Context 'the registry file' {
        It 'keeps the path computed at first import even when HOME changes later' {
            $R.RegisterAfterHomeChange.Errors | Should -BeNullOrEmpty
            $R.OtherHomeRegistryExists | Should -BeFalse
            $R.AfterHomeChangeInOriginal | Should -BeTrue
        }

        It 'deletes a registry file that lacks a top-level key' {
            $R.CorruptRegistry.Output | Should -BeNullOrEmpty
            $R.CorruptRegistryDeleted | Should -BeTrue
        }
    }
}

Describe 'Secret types and value shaping' {
    BeforeAll {
        $R = Invoke-StandInScenario -Name 'types' -Body {
            Register-SecretVault -ModuleName $TestVault -Name Main -VaultParameters @{ Path = $Data }
            $secure = ConvertTo-SecureString 'secure-value' -AsPlainText -Force
            $credential = [pscredential]::new('alice', (ConvertTo-SecureString 'cred-pass' -AsPlainText -Force))
            $bytes = [byte[]] (0, 1, 2, 254, 255)

            Step 'SetString' { Set-Secret -Name str -Secret 'plain-value' }
            Step 'SetSecure' { Set-Secret -Name sec -SecureStringSecret $secure }
            Step 'SetCredential' { Set-Secret -Name cred -Secret $credential }
            Step 'SetBytes' { Set-Secret -Name bytes -Secret $bytes }
            Step 'SetHashtable' {
                Set-Secret -Name table -Secret @{ Text = 'text-value'; Secure = $secure; Cred = $credential; Bytes = $bytes; Empty = '' }
            }
            Step 'SetEmpty' { Set-Secret -Name empty -Secret '' }
            Step 'SetUnsupported' { Set-Secret -Name number -Secret 42 }

            foreach ($name in 'str', 'sec', 'cred', 'bytes', 'table', 'empty') {
                Step "Get_$name" { Get-Secret -Name $name }
                Step "Plain_$name" { Get-Secret -Name $name -AsPlainText }
            }
            $table = Get-Secret -Name table
            $R.TableCaseSensitive = $table.ContainsKey('Text') -and -not $table.ContainsKey('text')

            Step 'CaseInsensitiveName' { Get-Secret -Name STR -AsPlainText }
            Step 'ByNamePipeline' { 'str' | Get-Secret -AsPlainText }
            Step 'ByInfoPipeline' { Get-SecretInfo -Name 'str' | Get-Secret -AsPlainText }
            Step 'Overwrite' { Set-Secret -Name str -Secret 'second-value'; Get-Secret -Name str -AsPlainText }
            Step 'Infos' { Get-SecretInfo }

            $file = Get-Content -Raw (Join-Path $Data 'Main.json') | ConvertFrom-Json
            $R.StoredTypes = @($file.Secrets | Sort-Object Name | ForEach-Object { '{0}={1}' -f $_.Name, $_.Type })
            $R.StoredSecurePlain = ($file.Secrets | Where-Object Name -EQ 'sec').Value
            $R.StoredBytes = ($file.Secrets | Where-Object Name -EQ 'bytes').Value
        }
    }

    It 'stores every supported type without error' {
        foreach ($key in 'SetString', 'SetSecure', 'SetCredential', 'SetBytes', 'SetHashtable', 'SetEmpty') {
            $R[$key].Errors | Should -BeNullOrEmpty -Because $key
            $R[$key].Terminating | Should -BeNullOrEmpty -Because $key
        }
        $R.StoredTypes | Should -Be @('bytes=ByteArray', 'cred=PSCredential', 'empty=String', 'sec=SecureString', 'str=String', 'table=Hashtable')
        $R.StoredSecurePlain | Should -Be 'secure-value'
        $R.StoredBytes | Should -Be 'AAEC/v8='
    }

    It 'returns a string secret as SecureString, or as string with -AsPlainText' {
        $R.Get_str.Output.Count | Should -Be 1
        $R.Get_str.Output[0].Type | Should -Be 'System.Security.SecureString'
        $R.Get_str.Output[0].Text | Should -Be 'plain-value'
        $R.Plain_str.Output[0].Type | Should -Be 'System.String'
        $R.Plain_str.Output[0].Text | Should -Be 'plain-value'
    }

    It 'returns a SecureString secret as SecureString, or as string with -AsPlainText' {
        $R.Get_sec.Output[0].Type | Should -Be 'System.Security.SecureString'
        $R.Get_sec.Output[0].Text | Should -Be 'secure-value'
        $R.Plain_sec.Output[0].Type | Should -Be 'System.String'
        $R.Plain_sec.Output[0].Text | Should -Be 'secure-value'
    }

    It 'returns PSCredential and byte[] unchanged, with or without -AsPlainText' {
        foreach ($step in $R.Get_cred, $R.Plain_cred) {
            $step.Output[0].Type | Should -Be 'System.Management.Automation.PSCredential'
            $step.Output[0].Text | Should -Be 'alice|cred-pass'
        }
        foreach ($step in $R.Get_bytes, $R.Plain_bytes) {
            $step.Output.Count | Should -Be 1
            $step.Output[0].Type | Should -Be 'System.Byte[]'
            $step.Output[0].Text | Should -Be 'AAEC/v8='
        }
    }

    It 'returns a Hashtable with string values as SecureString, other values unchanged' {
        $R.Get_table.Output[0].Type | Should -Be 'System.Collections.Hashtable'
        $R.Get_table.Output[0].Text | Should -Be 'Bytes=AAEC/v8=;Cred=alice|cred-pass;Empty=;Secure=secure-value;Text=text-value'
        $R.Plain_table.Output[0].Text | Should -Be 'Bytes=AAEC/v8=;Cred=alice|cred-pass;Empty=;Secure=secure-value;Text=text-value'
    }

    It 'builds a new case-sensitive Hashtable' {
        $R.TableCaseSensitive | Should -BeTrue
    }

    It 'writes $null for an empty string secret (the failed SecureString conversion), and "" with -AsPlainText' {
        $R.Get_empty.Errors | Should -BeNullOrEmpty
        $R.Get_empty.Output.Count | Should -Be 1
        $R.Get_empty.Output[0].Type | Should -Be 'null'
        $R.Plain_empty.Output[0].Type | Should -Be 'System.String'
        $R.Plain_empty.Output[0].Text | Should -Be ''
    }

    It 'reports a type the vault cannot store as SetSecretInvalidOperation with the vault''s exception inside' {
        $R.SetUnsupported.Terminating | Should -BeNullOrEmpty
        $R.SetUnsupported.Errors.Id | Should -Be 'SetSecretInvalidOperation'
        $R.SetUnsupported.Errors.Message | Should -Be 'Unable to add secret number to vault Main'
        $R.SetUnsupported.Errors.InnerTypes | Should -Be @('System.Management.Automation.RuntimeException', 'System.ArgumentException')
    }

    It 'looks names up case-insensitively and takes names and SecretInformation from the pipeline' {
        $R.CaseInsensitiveName.Output[0].Text | Should -Be 'plain-value'
        $R.ByNamePipeline.Output[0].Text | Should -Be 'plain-value'
        $R.ByInfoPipeline.Output[0].Text | Should -Be 'plain-value'
        $R.Overwrite.Output[0].Text | Should -Be 'second-value'
    }

    It 'describes each secret with a real SecretInformation of the right SecretType' {
        $R.Infos.Output.Type | Sort-Object -Unique | Should -Be 'Microsoft.PowerShell.SecretManagement.SecretInformation'
        $R.Infos.Output.Text | Should -Be @('bytes|ByteArray|Main|<null>', 'cred|PSCredential|Main|<null>', 'empty|String|Main|<null>',
            'sec|SecureString|Main|<null>', 'str|String|Main|<null>', 'table|Hashtable|Main|<null>')
    }
}

Describe 'Lookup order and Get-SecretInfo' {
    BeforeAll {
        $R = Invoke-StandInScenario -Name 'lookup' -Body {
            $folder = @{ Default = (Join-Path $Data 'd'); alpha = (Join-Path $Data 'a'); Beta = (Join-Path $Data 'b') }
            Register-SecretVault -ModuleName $TestVault -Name Default -VaultParameters @{ Path = $folder.Default } -DefaultVault
            Register-SecretVault -ModuleName $NoMetadataVault -Name alpha -VaultParameters @{ Path = $folder.alpha }
            Register-SecretVault -ModuleName $TestVault -Name Beta -VaultParameters @{ Path = $folder.Beta }

            Set-Secret -Vault Default -Name both -Secret 'from-default'
            Set-Secret -Vault Default -Name 'wild-one' -Secret 'wild'
            Set-Secret -Vault alpha -Name both -Secret 'from-alpha'
            Set-Secret -Vault alpha -Name shared -Secret 'from-alpha'
            Set-Secret -Vault Beta -Name shared -Secret 'from-beta'
            Set-Secret -Vault Beta -Name betaonly -Secret 'only-beta'
            foreach ($name in 'c-item', 'A-item', 'b-item') { Set-Secret -Vault Beta -Name $name -Secret $name }

            $logs = { param($key) $R[$key] = [pscustomobject]@{ Default = Get-CallLog $folder.Default 'Default'; alpha = Get-CallLog $folder.alpha 'alpha'; Beta = Get-CallLog $folder.Beta 'Beta' } }

            Clear-CallLog $folder.Default; Clear-CallLog $folder.alpha; Clear-CallLog $folder.Beta
            Step 'DefaultWins' { Get-Secret -Name both -AsPlainText }
            & $logs 'DefaultWinsLog'

            Clear-CallLog $folder.Default; Clear-CallLog $folder.alpha; Clear-CallLog $folder.Beta
            Step 'NameOrderWins' { Get-Secret -Name shared -AsPlainText }
            & $logs 'NameOrderWinsLog'

            Clear-CallLog $folder.Default; Clear-CallLog $folder.alpha; Clear-CallLog $folder.Beta
            Step 'LastVault' { Get-Secret -Name betaonly -AsPlainText }
            & $logs 'LastVaultLog'

            Clear-CallLog $folder.Default; Clear-CallLog $folder.alpha; Clear-CallLog $folder.Beta
            Step 'NotFound' { Get-Secret -Name nowhere; 'after' }
            & $logs 'NotFoundLog'

            Clear-CallLog $folder.Default; Clear-CallLog $folder.alpha; Clear-CallLog $folder.Beta
            Step 'WithVault' { Get-Secret -Name shared -Vault beta -AsPlainText }
            & $logs 'WithVaultLog'
            Step 'WithVaultNotFound' { Get-Secret -Name both -Vault Beta; 'after' }
            Step 'UnknownVault' { Get-Secret -Name both -Vault NoSuchVault; 'not reached' }

            Clear-CallLog $folder.Default; Clear-CallLog $folder.alpha; Clear-CallLog $folder.Beta
            Step 'WildcardProbe' { Get-Secret -Name 'wild-*' }
            & $logs 'WildcardProbeLog'

            Set-SecretVaultDefault -ClearDefault
            Step 'NoDefaultNameOrder' { Get-Secret -Name both -AsPlainText }
            Set-SecretVaultDefault -Name Default

            Step 'StopOnNotFound' { Get-Secret -Name nowhere -ErrorAction Stop; 'not reached' }
            Step 'CallerScopeStop' { & { $ErrorActionPreference = 'Stop'; Get-Secret -Name nowhere; 'not reached' } }
            Step 'SilentlyContinue' { Get-Secret -Name nowhere -ErrorAction SilentlyContinue; 'after' }

            Step 'InfoAll' { Get-SecretInfo }
            Step 'InfoFilter' { Get-SecretInfo -Name 'SH*' }
            Step 'InfoVault' { Get-SecretInfo -Vault beta -Name '*-item' }
            Step 'InfoNoMatch' { Get-SecretInfo -Name 'zzz*' }
            Step 'InfoUnknownVault' { Get-SecretInfo -Vault NoSuchVault; 'not reached' }
        }
    }

    It 'prefers the default vault, after probing it with Get-SecretInfo' {
        $R.DefaultWins.Output.Text | Should -Be 'from-default'
        $R.DefaultWinsLog.Default | Should -Be @('Get-SecretInfo both', 'Get-Secret both')
        $R.DefaultWinsLog.alpha | Should -BeNullOrEmpty
        $R.DefaultWinsLog.Beta | Should -BeNullOrEmpty
    }

    It 'then asks the other vaults in case-insensitive name order and stops at the first value' {
        $R.NameOrderWins.Output.Text | Should -Be 'from-alpha'
        $R.NameOrderWinsLog.Default | Should -Be @('Get-SecretInfo shared')
        $R.NameOrderWinsLog.alpha | Should -Be @('Get-Secret shared')
        $R.NameOrderWinsLog.Beta | Should -BeNullOrEmpty
        $R.LastVault.Output.Text | Should -Be 'only-beta'
        $R.LastVaultLog.alpha | Should -Be @('Get-Secret betaonly')
        $R.LastVaultLog.Beta | Should -Be @('Get-Secret betaonly')
    }

    It 'reports a missing secret with a non-terminating GetSecretNotFound after asking every vault once' {
        $R.NotFound.Terminating | Should -BeNullOrEmpty
        $R.NotFound.Output.Text | Should -Be 'after'
        $R.NotFound.Errors.Count | Should -Be 1
        $R.NotFound.Errors[0].Id | Should -Be 'GetSecretNotFound'
        $R.NotFound.Errors[0].Category | Should -Be 'ObjectNotFound'
        $R.NotFound.Errors[0].ExceptionType | Should -Be 'System.Management.Automation.ItemNotFoundException'
        $R.NotFound.Errors[0].Message | Should -Be 'The secret nowhere was not found.'
        $R.NotFound.Errors[0].FullyQualifiedErrorId | Should -Be 'GetSecretNotFound,Get-Secret'
        $R.NotFoundLog.Default | Should -Be @('Get-SecretInfo nowhere')
        $R.NotFoundLog.alpha | Should -Be @('Get-Secret nowhere')
        $R.NotFoundLog.Beta | Should -Be @('Get-Secret nowhere')
    }

    It 'asks only the named vault with -Vault (case-insensitive) and passes it the registered name' {
        $R.WithVault.Output.Text | Should -Be 'from-beta'
        $R.WithVaultLog.Beta | Should -Be @('Get-Secret shared')
        $R.WithVaultLog.Default | Should -BeNullOrEmpty
        $R.WithVaultNotFound.Errors.Id | Should -Be 'GetSecretNotFound'
        $R.WithVaultNotFound.Output.Text | Should -Be 'after'
    }

    It 'fails terminating with GetSecretVaultNotFound for an unknown -Vault' {
        $R.UnknownVault.Output | Should -BeNullOrEmpty
        $R.UnknownVault.Terminating.Id | Should -Be 'GetSecretVaultNotFound'
        $R.UnknownVault.Terminating.Category | Should -Be 'ObjectNotFound'
        $R.UnknownVault.Terminating.ExceptionType | Should -Be 'System.Management.Automation.PSInvalidOperationException'
        $R.UnknownVault.Terminating.Message | Should -Be 'Vault not found in registry: NoSuchVault'
    }

    It 'uses a wildcard name as a pattern only in the default vault probe' {
        $R.WildcardProbeLog.Default | Should -Be @('Get-SecretInfo wild-*', 'Get-Secret wild-*')
        $R.WildcardProbe.Errors.Id | Should -Be 'GetSecretNotFound'
    }

    It 'treats all vaults alike by name order when there is no default' {
        $R.NoDefaultNameOrder.Output.Text | Should -Be 'from-alpha'
    }

    It 'honours -ErrorAction and a Stop preference set in the calling scope, as a compiled cmdlet does' {
        $R.StopOnNotFound.Terminating.Id | Should -Be 'GetSecretNotFound'
        $R.StopOnNotFound.Output | Should -BeNullOrEmpty
        $R.CallerScopeStop.Terminating.Id | Should -Be 'GetSecretNotFound'
        $R.CallerScopeStop.Output | Should -BeNullOrEmpty
        $R.SilentlyContinue.Errors | Should -BeNullOrEmpty
        $R.SilentlyContinue.Output.Text | Should -Be 'after'
    }

    It 'lists the default vault first, then the others by name, each sorted by secret name' {
        $R.InfoAll.Output.Text | ForEach-Object { ($_ -split '\|')[2, 0] -join '/' } | Should -Be @(
            'Default/both', 'Default/wild-one', 'alpha/both', 'alpha/shared',
            'Beta/A-item', 'Beta/b-item', 'Beta/betaonly', 'Beta/c-item', 'Beta/shared')
    }

    It 'filters with wildcards, limits to -Vault, and is silent when nothing matches' {
        $R.InfoFilter.Output.Text | ForEach-Object { ($_ -split '\|')[2, 0] -join '/' } | Should -Be @('alpha/shared', 'Beta/shared')
        $R.InfoVault.Output.Text | ForEach-Object { ($_ -split '\|')[0] } | Should -Be @('A-item', 'b-item', 'c-item')
        $R.InfoNoMatch.Output | Should -BeNullOrEmpty
        $R.InfoNoMatch.Errors | Should -BeNullOrEmpty
        $R.InfoUnknownVault.Terminating.Id | Should -Be 'GetSecretVaultNotFound'
    }
}

Describe 'Writing, metadata and removal' {
    BeforeAll {
        $R = Invoke-StandInScenario -Name 'writing' -Body {
            Register-SecretVault -ModuleName $TestVault -Name Meta -VaultParameters @{ Path = $Data }
            Register-SecretVault -ModuleName $NoMetadataVault -Name Plain -VaultParameters @{ Path = $Data }

            Step 'SetToDefault' { Set-Secret -Name onDefault -Secret 'v1'; Get-SecretInfo -Vault Meta -Name onDefault }

            Clear-CallLog $Data
            Step 'PlainSet' { Set-Secret -Name p0 -Secret 'v' -Vault Meta }
            $R.PlainSetLog = Get-CallLog $Data 'Meta'

            Clear-CallLog $Data
            Step 'NoClobberExisting' { Set-Secret -Name p0 -Secret 'changed' -Vault Meta -NoClobber; 'not reached' }
            $R.NoClobberExistingLog = Get-CallLog $Data 'Meta'
            $R.NoClobberValue = Get-Secret -Name p0 -Vault Meta -AsPlainText

            Clear-CallLog $Data
            Step 'NoClobberNew' { Set-Secret -Name p1 -Secret 'v' -Vault Meta -NoClobber }
            $R.NoClobberNewLog = Get-CallLog $Data 'Meta'

            Step 'WhatIf' { Set-Secret -Name whatif -Secret 'v' -Vault Meta -WhatIf }
            $R.WhatIfStored = @(Get-SecretInfo -Vault Meta -Name whatif).Count
            Step 'SetUnknownVault' { Set-Secret -Name x -Secret 'v' -Vault NoSuchVault; 'not reached' }

            $when = [datetime]::new(2024, 5, 6, 7, 8, 9, [DateTimeKind]::Utc)
            Step 'MetadataSet' { Set-Secret -Name m1 -Secret 'v' -Vault Meta -Metadata @{ Owner = 'ops'; Count = 3; When = $when }; Get-SecretInfo -Vault Meta -Name m1 }
            Step 'MetadataReplace' { Set-SecretInfo -Name m1 -Vault Meta -Metadata @{ Owner = 'dev' }; Get-SecretInfo -Vault Meta -Name m1 }
            Step 'MetadataPipeline' { Get-SecretInfo -Vault Meta -Name m1 | Set-SecretInfo -Metadata @{ Owner = 'pipe' }; Get-SecretInfo -Vault Meta -Name m1 }
            Step 'MetadataDefaultVault' { Set-SecretInfo -Name m1 -Metadata @{ Owner = 'default' }; Get-SecretInfo -Vault Meta -Name m1 }
            Step 'MetadataMissingSecret' { Set-SecretInfo -Name nosuch -Vault Meta -Metadata @{ a = 1 } }

            Clear-CallLog $Data
            Step 'NoMetadataVault' { Set-Secret -Name p2 -Secret 'v' -Vault Plain -Metadata @{ Owner = 'ops' }; 'after' }
            $R.NoMetadataLog = Get-CallLog $Data 'Plain'
            $R.NoMetadataStored = @(Get-SecretInfo -Vault Plain -Name p2).Count
            Step 'NoMetadataEmptyHashtable' { Set-Secret -Name p3 -Secret 'v' -Vault Plain -Metadata @{}; Get-SecretInfo -Vault Plain -Name p3 }
            Step 'NoMetadataSetSecretInfo' { Set-SecretInfo -Name p3 -Vault Plain -Metadata @{ a = 1 } }

            Step 'CopyWithMetadataToPlain' { Get-SecretInfo -Vault Meta -Name m1 | Set-Secret -Vault Plain }
            $R.CopiedToPlain = @(Get-SecretInfo -Vault Plain -Name m1).Count
            Step 'CopyToMeta' { Get-SecretInfo -Vault Plain -Name p3 | Set-Secret -Vault Meta; Get-Secret -Name p3 -Vault Meta -AsPlainText }
            Step 'CopyNoClobber' { Get-SecretInfo -Vault Plain -Name p3 | Set-Secret -Vault Meta -NoClobber; 'after' }

            $R.RemoveVaultMandatory = (Get-Command Remove-Secret).Parameters['Vault'].ParameterSets['NameParameterSet'].IsMandatory
            Step 'RemoveWithoutVault' { Remove-Secret -Name p0; 'not reached' }
            Clear-CallLog $Data
            Step 'RemoveByName' { Remove-Secret -Name p0 -Vault meta }
            $R.RemoveByNameLog = Get-CallLog $Data 'Meta'
            $R.RemovedP0 = @(Get-SecretInfo -Vault Meta -Name p0).Count
            Step 'RemoveByPipeline' { Get-SecretInfo -Vault Meta -Name p1 | Remove-Secret }
            $R.RemovedP1 = @(Get-SecretInfo -Vault Meta -Name p1).Count
            Step 'RemoveWhatIf' { Remove-Secret -Name m1 -Vault Meta -WhatIf }
            $R.AfterRemoveWhatIf = @(Get-SecretInfo -Vault Meta -Name m1).Count
            Step 'RemoveMissing' { Remove-Secret -Name nosuch -Vault Meta; 'after' }
            Step 'RemoveUnknownVault' { Remove-Secret -Name m1 -Vault NoSuchVault; 'not reached' }
        }
    }

    It 'writes to the default vault when -Vault is omitted' {
        $R.SetToDefault.Errors | Should -BeNullOrEmpty
        $R.SetToDefault.Output.Text | Should -Be 'onDefault|String|Meta|<null>'
    }

    It 'does not read the secret first unless -NoClobber is given' {
        $R.PlainSetLog | Should -Be @('Set-Secret p0')
        $R.NoClobberNewLog | Should -Be @('Get-Secret p1', 'Set-Secret p1')
        $R.NoClobberNew.Errors | Should -BeNullOrEmpty
    }

    It 'refuses to overwrite with -NoClobber (terminating SetSecretCommandAlreadyExistsWithNoClobber)' {
        $R.NoClobberExisting.Output | Should -BeNullOrEmpty
        $R.NoClobberExisting.Terminating.Id | Should -Be 'SetSecretCommandAlreadyExistsWithNoClobber'
        $R.NoClobberExisting.Terminating.Category | Should -Be 'ResourceExists'
        $R.NoClobberExisting.Terminating.ExceptionType | Should -Be 'System.Management.Automation.PSInvalidOperationException'
        $R.NoClobberExisting.Terminating.Message | Should -Be 'A secret with name p0 already exists in vault Meta.'
        $R.NoClobberExistingLog | Should -Be @('Get-Secret p0')
        $R.NoClobberValue | Should -Be 'v'
    }

    It 'honours -WhatIf and rejects an unknown vault' {
        $R.WhatIfStored | Should -Be 0
        $R.SetUnknownVault.Terminating.Id | Should -Be 'GetSecretVaultNotFound'
    }

    It 'stores metadata in a vault whose Set-Secret takes it, keeping value types' {
        $R.MetadataSet.Errors | Should -BeNullOrEmpty
        $R.MetadataSet.Output.Text | Should -Be 'm1|String|Meta|Count=Int32:3,Owner=String:ops,When=DateTime:2024-05-06T07:08:09.0000000Z'
    }

    It 'replaces metadata with Set-SecretInfo (by name, by pipeline, in the default vault)' {
        $R.MetadataReplace.Output.Text | Should -Be 'm1|String|Meta|Owner=String:dev'
        $R.MetadataPipeline.Output.Text | Should -Be 'm1|String|Meta|Owner=String:pipe'
        $R.MetadataDefaultVault.Output.Text | Should -Be 'm1|String|Meta|Owner=String:default'
        $R.MetadataMissingSecret.Errors.Id | Should -Be 'SetSecretMetadataInvalidOperation'
        $R.MetadataMissingSecret.Errors.Message | Should -Be "Cannot add secret metadata 'nosuch' to vault 'Meta'"
    }

    It 'reports SetSecretMetadataCommandNotSupported and removes the secret when the vault cannot store metadata' {
        $R.NoMetadataVault.Terminating | Should -BeNullOrEmpty
        $R.NoMetadataVault.Output.Text | Should -Be 'after'
        $R.NoMetadataVault.Errors.Count | Should -Be 1
        $R.NoMetadataVault.Errors[0].Id | Should -Be 'SetSecretMetadataCommandNotSupported'
        $R.NoMetadataVault.Errors[0].Category | Should -Be 'NotImplemented'
        $R.NoMetadataVault.Errors[0].ExceptionType | Should -Be 'System.Management.Automation.PSNotSupportedException'
        $R.NoMetadataVault.Errors[0].Message | Should -Be "Cannot add secret metadata 'p2' to vault 'Plain: The vault does not support the Set-SecretInfo function."
        $R.NoMetadataStored | Should -Be 0
        $R.NoMetadataLog | Should -Be @('Set-Secret p2', 'Remove-Secret p2')
    }

    It 'accepts empty metadata on such a vault and reports Set-SecretInfo as not supported' {
        $R.NoMetadataEmptyHashtable.Errors | Should -BeNullOrEmpty
        $R.NoMetadataEmptyHashtable.Output.Text | Should -Be 'p3|String|Plain|<null>'
        $R.NoMetadataSetSecretInfo.Errors.Id | Should -Be 'SetSecretMetadataCommandNotSupported'
    }

    It 'copies a secret between vaults from SecretInformation, metadata included' {
        $R.CopyWithMetadataToPlain.Errors.Id | Should -Be 'SetSecretMetadataCommandNotSupported'
        $R.CopiedToPlain | Should -Be 0
        $R.CopyToMeta.Errors | Should -BeNullOrEmpty
        $R.CopyToMeta.Output.Text | Should -Be 'v'
        $R.CopyNoClobber.Terminating | Should -BeNullOrEmpty
        $R.CopyNoClobber.Errors.Id | Should -Be 'SetSecretCommandAlreadyExistsWithNoClobber'
        $R.CopyNoClobber.Output.Text | Should -Be 'after'
    }

    It 'requires -Vault for Remove-Secret' {
        $R.RemoveVaultMandatory | Should -BeTrue
        $R.RemoveWithoutVault.Terminating.Id | Should -Be 'MissingMandatoryParameter'
        $R.RemoveWithoutVault.Output | Should -BeNullOrEmpty
    }

    It 'removes by name (caller''s vault spelling) and by SecretInformation, and honours -WhatIf' {
        $R.RemoveByName.Errors | Should -BeNullOrEmpty
        $R.RemoveByNameLog | Should -Be @('Remove-Secret p0')
        $R.RemovedP0 | Should -Be 0
        $R.RemoveByPipeline.Errors | Should -BeNullOrEmpty
        $R.RemovedP1 | Should -Be 0
        $R.AfterRemoveWhatIf | Should -Be 1
    }

    It 'forwards the vault''s own error for a missing secret and rejects an unknown vault' {
        $R.RemoveMissing.Terminating | Should -BeNullOrEmpty
        $R.RemoveMissing.Errors.Id | Should -Be 'DataCompassTestVaultSecretNotFound'
        $R.RemoveMissing.Output.Text | Should -Be 'after'
        $R.RemoveUnknownVault.Terminating.Id | Should -Be 'GetSecretVaultNotFound'
    }
}

Describe 'Vault failures' {
    BeforeAll {
        $R = Invoke-StandInScenario -Name 'failures' -Body {
            foreach ($vault in @(
                    @{ Name = 'Good'; Parameters = @{} }
                    @{ Name = 'FailGet'; Parameters = @{ Fail = 'Get' } }
                    @{ Name = 'FailSet'; Parameters = @{ Fail = 'Set' } }
                    @{ Name = 'FailRemove'; Parameters = @{ Fail = 'Remove' } }
                    @{ Name = 'FailInfo'; Parameters = @{ Fail = 'Info' } }
                    @{ Name = 'FailAll'; Parameters = @{ Fail = 'All' } }
                    @{ Name = 'After2'; Parameters = @{ FailAfter = 2 } }
                )) {
                $parameters = $vault.Parameters
                $parameters.Path = $Data
                Register-SecretVault -ModuleName $TestVault -Name $vault.Name -VaultParameters $parameters -DefaultVault:$false
            }
            Set-Secret -Vault Good -Name g -Secret 'good-value'

            Step 'GetFails' { Get-Secret -Name g -Vault FailGet; 'after' }
            Step 'GetFailsStop' { Get-Secret -Name g -Vault FailGet -ErrorAction Stop; 'not reached' }
            Step 'SetFails' { Set-Secret -Name s -Secret 'v' -Vault FailSet; 'after' }
            Step 'RemoveFails' { Remove-Secret -Name s -Vault FailRemove; 'after' }
            Step 'InfoFails' { Get-SecretInfo -Vault FailInfo; 'after' }
            Step 'AllFailsSet' { Set-Secret -Name s -Secret 'v' -Vault FailAll }
            Step 'AllFailsTest' { Test-SecretVault -Name FailAll }
            Step 'TestAll' { Test-SecretVault }
            Step 'TestGood' { Test-SecretVault -Name Good, 'Fail*' -Verbose 4>&1 }
            Step 'TestUnknown' { Test-SecretVault -Name NoSuchVault }

            Step 'FailAfter' {
                foreach ($i in 1..3) { Set-Secret -Name "n$i" -Secret "v$i" -Vault After2 }
                Get-SecretInfo -Vault After2
            }
            $R.SetCount = [IO.File]::ReadAllText((Join-Path $Data 'After2.setcount'))

            # The default vault's Get-SecretInfo probe fails; the search goes on through the other vaults.
            Set-SecretVaultDefault -Name FailInfo
            Step 'SearchPastFailures' { Get-Secret -Name g -AsPlainText }
        }
    }

    It 'turns a throwing vault Get-Secret into GetSecretInvalidOperation followed by GetSecretNotFound' {
        $R.GetFails.Terminating | Should -BeNullOrEmpty
        $R.GetFails.Output.Text | Should -Be 'after'
        $R.GetFails.Errors.Id | Should -Be @('GetSecretInvalidOperation', 'GetSecretNotFound')
        $R.GetFails.Errors[0].Category | Should -Be 'InvalidOperation'
        $R.GetFails.Errors[0].ExceptionType | Should -Be 'System.Management.Automation.PSInvalidOperationException'
        $R.GetFails.Errors[0].Message | Should -Be 'Unable to get secret g from vault FailGet'
        $R.GetFails.Errors[0].InnerTypes | Should -Be @('System.Management.Automation.RuntimeException', 'System.InvalidOperationException')
        $R.GetFails.Errors[0].InnermostMessage | Should -Be 'Simulated vault failure'
    }

    It 'becomes terminating with -ErrorAction Stop' {
        $R.GetFailsStop.Output | Should -BeNullOrEmpty
        $R.GetFailsStop.Terminating.Id | Should -BeIn @('GetSecretInvalidOperation', 'GetSecretException')
    }

    It 'reports SetSecretInvalidOperation, RemoveSecretInvalidOperation and GetSecretInfoInvalidOperation non-terminating' {
        $R.SetFails.Errors.Id | Should -Be 'SetSecretInvalidOperation'
        $R.SetFails.Errors.Message | Should -Be 'Unable to add secret s to vault FailSet'
        $R.SetFails.Output.Text | Should -Be 'after'
        $R.RemoveFails.Errors.Id | Should -Be 'RemoveSecretInvalidOperation'
        $R.RemoveFails.Errors.Message | Should -Be 'Unable to remove secret s from vault FailRemove'
        $R.RemoveFails.Output.Text | Should -Be 'after'
        $R.InfoFails.Errors.Id | Should -Be 'GetSecretInfoInvalidOperation'
        $R.InfoFails.Errors.Message | Should -Be 'Unable to get secret information from vault FailInfo'
        $R.InfoFails.Output.Text | Should -Be 'after'
        $R.AllFailsSet.Errors.Id | Should -Be 'SetSecretInvalidOperation'
        foreach ($step in $R.SetFails, $R.RemoveFails, $R.InfoFails) {
            $step.Errors[0].InnermostMessage | Should -Be 'Simulated vault failure'
        }
    }

    It 'ANDs Test-SecretVault results into one bool per input and says which vault failed' {
        $R.AllFailsTest.Output.Text | Should -Be 'False'
        $R.TestAll.Output.Count | Should -Be 1
        $R.TestAll.Output[0].Text | Should -Be 'False'
        $verbose = @($R.TestGood.Output | Where-Object Type -EQ 'System.Management.Automation.VerboseRecord' | ForEach-Object Text)
        $verbose | Should -Contain 'Vault Good succeeded validation test'
        $verbose | Should -Contain 'Vault FailAll failed validation test'
        @($R.TestGood.Output | Where-Object Type -EQ 'System.Boolean').Text | Should -Be 'False'
    }

    It 'reports an unknown vault with TestSecretVaultNotFound and writes no bool' {
        $R.TestUnknown.Output | Should -BeNullOrEmpty
        $R.TestUnknown.Errors.Id | Should -Be 'TestSecretVaultNotFound'
        $R.TestUnknown.Errors.Message | Should -Be 'Vault NoSuchVault does not exist in registry.'
    }

    It 'lets FailAfter N succeed N times, then fail' {
        $R.FailAfter.Errors.Id | Should -Be 'SetSecretInvalidOperation'
        $R.FailAfter.Errors.Message | Should -Be 'Unable to add secret n3 to vault After2'
        $R.FailAfter.Output.Text | ForEach-Object { ($_ -split '\|')[0] } | Should -Be @('n1', 'n2')
        $R.SetCount.Trim() | Should -Be '3'
    }

    It 'keeps searching past a failing default-vault probe and failing vaults, reporting each failure' {
        $R.SearchPastFailures.Terminating | Should -BeNullOrEmpty
        $R.SearchPastFailures.Output.Text | Should -Be 'good-value'
        $R.SearchPastFailures.Errors.Id | Should -Be @('GetSecretInfoInvalidOperation', 'GetSecretInvalidOperation', 'GetSecretInvalidOperation')
        $R.SearchPastFailures.Errors.Message | Should -Be @(
            'Unable to get secret information from vault FailInfo', 'Unable to get secret g from vault FailAll', 'Unable to get secret g from vault FailGet')
    }
}

Describe 'Locked vault and Unlock-SecretVault' {
    BeforeAll {
        $R = Invoke-StandInScenario -Name 'locked' -Body {
            Register-SecretVault -ModuleName $TestVault -Name Locked -VaultParameters @{ Path = $Data; Locked = $true; Password = 'pw' }
            Register-SecretVault -ModuleName $TestVault -Name Open -VaultParameters @{ Path = $Data }
            Set-Secret -Vault Open -Name openSecret -Secret 'open-value'

            Step 'TestLocked' { Test-SecretVault -Name Locked }
            Step 'TestOpen' { Test-SecretVault -Name Open }
            Step 'GetWithVault' { Get-Secret -Name x -Vault Locked; 'after' }
            Step 'GetFromDefault' { Get-Secret -Name openSecret -AsPlainText; 'not reached' }
            Step 'InfoAll' { Get-SecretInfo; 'after' }
            Step 'SetDefault' { Set-Secret -Name x -Secret 'v'; 'not reached' }
            Step 'SetWithVault' { Set-Secret -Name x -Secret 'v' -Vault Locked; 'not reached' }
            Step 'RemoveWithVault' { Remove-Secret -Name x -Vault Locked; 'not reached' }
            Step 'UnlockWrongPassword' { Unlock-SecretVault -Name Locked -Password (ConvertTo-SecureString 'wrong' -AsPlainText -Force); 'after' }
            Step 'UnlockUnknownVault' { Unlock-SecretVault -Name NoSuchVault -Password (ConvertTo-SecureString 'pw' -AsPlainText -Force); 'not reached' }
            $R.UnlockedFileBefore = Test-Path (Join-Path $Data 'Locked.unlocked')
            Step 'Unlock' { Unlock-SecretVault -Name locked -Password (ConvertTo-SecureString 'pw' -AsPlainText -Force) }
            $R.UnlockedFileAfter = Test-Path (Join-Path $Data 'Locked.unlocked')
            Step 'AfterUnlock' {
                Set-Secret -Name x -Secret 'locked-value'
                Get-Secret -Name x -AsPlainText
                Test-SecretVault -Name Locked
            }

            # The unlock state is in a file, so it survives reloading the modules.
            Remove-Module Microsoft.PowerShell.SecretManagement -Force
            Get-Module DataCompass.TestVault* | Remove-Module -Force
            Import-Module Microsoft.PowerShell.SecretManagement
            Step 'AfterReload' { Get-Secret -Name x -Vault Locked -AsPlainText }

            Step 'UnregisterLocked' {
                Register-SecretVault -ModuleName $TestVault -Name Relocked -VaultParameters @{ Path = $Data; Locked = $true; Password = 'pw' }
                Unregister-SecretVault -Name Relocked
            }
        }
    }

    It 'fails its self-test while locked' {
        $R.TestLocked.Output.Text | Should -Be 'False'
        $R.TestLocked.Errors | Should -BeNullOrEmpty
        $R.TestOpen.Output.Text | Should -Be 'True'
    }

    It 'gives a non-terminating GetSecretException carrying the PasswordRequiredException with -Vault, and no NotFound' {
        $R.GetWithVault.Terminating | Should -BeNullOrEmpty
        $R.GetWithVault.Output.Text | Should -Be 'after'
        $R.GetWithVault.Errors.Count | Should -Be 1
        $R.GetWithVault.Errors[0].Id | Should -Be 'GetSecretException'
        $R.GetWithVault.Errors[0].Category | Should -Be 'InvalidOperation'
        $R.GetWithVault.Errors[0].ExceptionType | Should -Be 'Microsoft.PowerShell.SecretManagement.PasswordRequiredException'
        $R.GetWithVault.Errors[0].Message | Should -Be 'A valid password is required to access the Microsoft.PowerShell.SecretStore vault.'
    }

    It 'ends Get-Secret with a terminating PasswordRequiredException when the locked vault is the default' {
        $R.GetFromDefault.Output | Should -BeNullOrEmpty
        $R.GetFromDefault.Terminating.ExceptionType | Should -Be 'Microsoft.PowerShell.SecretManagement.PasswordRequiredException'
        $R.GetFromDefault.Terminating.Id | Should -Be 'Microsoft.PowerShell.SecretManagement.PasswordRequiredException'
    }

    It 'writes GetSecretInfoException for the locked vault and still lists the others' {
        $R.InfoAll.Terminating | Should -BeNullOrEmpty
        $R.InfoAll.Errors.Id | Should -Be 'GetSecretInfoException'
        $R.InfoAll.Errors.ExceptionType | Should -Be 'Microsoft.PowerShell.SecretManagement.PasswordRequiredException'
        $R.InfoAll.Output.Text | Should -Be @('openSecret|String|Open|<null>', 'after')
    }

    It 'ends Set-Secret and Remove-Secret with a terminating PasswordRequiredException' {
        foreach ($step in $R.SetDefault, $R.SetWithVault, $R.RemoveWithVault) {
            $step.Output | Should -BeNullOrEmpty
            $step.Terminating.ExceptionType | Should -Be 'Microsoft.PowerShell.SecretManagement.PasswordRequiredException'
        }
    }

    It 'reports a wrong password as UnlockSecretVaultInvalidOperation and an unknown vault as GetSecretVaultNotFound' {
        $R.UnlockWrongPassword.Errors.Id | Should -Be 'UnlockSecretVaultInvalidOperation'
        $R.UnlockWrongPassword.Errors.Message | Should -Be "Unlocking vault 'Locked' failed with error: The password for vault 'Locked' is not valid."
        $R.UnlockWrongPassword.Output.Text | Should -Be 'after'
        $R.UnlockUnknownVault.Terminating.Id | Should -Be 'GetSecretVaultNotFound'
        $R.UnlockedFileBefore | Should -BeFalse
    }

    It 'unlocks with the right password, writing nothing, and the vault then works' {
        $R.Unlock.Output | Should -BeNullOrEmpty
        $R.Unlock.Errors | Should -BeNullOrEmpty
        $R.UnlockedFileAfter | Should -BeTrue
        $R.AfterUnlock.Errors | Should -BeNullOrEmpty
        $R.AfterUnlock.Output.Text | Should -Be @('locked-value', 'True')
    }

    It 'stays unlocked after the modules are reloaded, and a locked vault can still be unregistered' {
        $R.AfterReload.Output.Text | Should -Be 'locked-value'
        $R.UnregisterLocked.Errors | Should -BeNullOrEmpty
        $R.UnregisterLocked.Terminating | Should -BeNullOrEmpty
    }
}

Describe 'Extension vault protocol' {
    BeforeAll {
        $R = Invoke-StandInScenario -Name 'protocol' -Body {
            # A spy vault that records what SecretManagement passes and returns odd values on request.
            $record = '$entry = [ordered]@{ Function = $MyInvocation.MyCommand.Name; VaultName = $VaultName; Keys = (@($AdditionalParameters.Keys | Sort-Object) -join ","); Verbose = $AdditionalParameters["Verbose"]; NumberType = $AdditionalParameters["Number"].GetType().Name; CaseSensitive = -not $AdditionalParameters.ContainsKey("PATH"); ParameterType = $AdditionalParameters.GetType().FullName }
Add-Content -Path (Join-Path $AdditionalParameters["Path"] "spy.log") -Value ($entry | ConvertTo-Json -Compress)'
            $spy = New-TestExtensionVault -Root (Join-Path $Data 'modules') -Name 'SpyVault' -Functions @{
                'Get-Secret'       = "param([string] `$Name, [string] `$VaultName, [hashtable] `$AdditionalParameters)`n$record`n" + @'
switch ($Name) {
    'obj' { [pscustomobject]@{ a = 1 } }
    'int' { 42 }
    'bytes' { [byte[]] (1, 2, 3) }
    'list' { $list = [System.Collections.Generic.List[object]]::new(); $list.Add('in-list'); Write-Output $list -NoEnumerate }
    'errfirst' { Write-Error 'spy error'; 'value' }
    'ok' { 'spy-value' }
}
'@
                'Set-Secret'       = "param([string] `$Name, [object] `$Secret, [string] `$VaultName, [hashtable] `$AdditionalParameters)`n$record"
                'Remove-Secret'    = "param([string] `$Name, [string] `$VaultName, [hashtable] `$AdditionalParameters)`n$record"
                'Get-SecretInfo'   = "param([string] `$Filter, [string] `$VaultName, [hashtable] `$AdditionalParameters)`n$record`n" + @'
switch ($Filter) {
    'pco' { [pscustomobject]@{ Name = 'pco'; Type = 'String'; VaultName = $VaultName } }
    'dup' {
        [Microsoft.PowerShell.SecretManagement.SecretInformation]::new('dup', 'String', $VaultName)
        [Microsoft.PowerShell.SecretManagement.SecretInformation]::new('DUP', 'String', $VaultName)
    }
    default { [Microsoft.PowerShell.SecretManagement.SecretInformation]::new('ok', 'String', $VaultName) }
}
'@
                'Test-SecretVault' = "[CmdletBinding()] param([string] `$VaultName, [hashtable] `$AdditionalParameters)`n$record`n" + @'
Write-Warning 'spy warning'
Write-Error 'spy test error'
$true
'@
            }
            Register-SecretVault -ModuleName $TestVault -Name Main -VaultParameters @{ Path = $Data }
            Register-SecretVault -ModuleName $spy -Name Spy -VaultParameters @{ Path = $Data; Alpha = 'a'; Number = 7 }
            $spyLog = Join-Path $Data 'spy.log'
            $readSpy = { @(Get-Content $spyLog | ForEach-Object { $_ | ConvertFrom-Json }) }

            Step 'Test' { Test-SecretVault -Name Spy }
            Step 'TestVerbose' { Test-SecretVault -Name Spy -Verbose 4>$null }
            $R.SpyTestCalls = & $readSpy
            Remove-Item $spyLog

            Step 'InvalidObject' { Get-Secret -Name obj -Vault Spy }
            Step 'InvalidInt' { Get-Secret -Name int -Vault Spy }
            Step 'EnumeratedBytes' { Get-Secret -Name bytes -Vault Spy }
            Step 'WrappedList' { Get-Secret -Name list -Vault Spy -AsPlainText }
            Step 'ErrorBeforeValue' { Get-Secret -Name errfirst -Vault Spy }
            Step 'InfoCustomObject' { Get-SecretInfo -Name pco -Vault Spy }
            Step 'InfoDuplicate' { Get-SecretInfo -Name dup -Vault Spy }
            Step 'GetCallerSpelling' { Get-Secret -Name ok -Vault spy -AsPlainText }
            Step 'RemoveCallerSpelling' { Remove-Secret -Name ok -Vault spy }
            $R.SpellingCalls = & $readSpy
            Remove-Item $spyLog

            Step 'UnlockUnsupported' { Unlock-SecretVault -Name Spy -Password (ConvertTo-SecureString 'x' -AsPlainText -Force) }
            Step 'MetadataUnsupported' { Set-Secret -Name m -Secret 'v' -Vault Spy -Metadata @{ a = 1 } }
            $R.MetadataCalls = @(& $readSpy | ForEach-Object Function)
            Remove-Item $spyLog

            # A default vault whose Get-SecretInfo emits a PSCustomObject: the probe finds nothing, so its
            # Get-Secret is never called.
            Set-SecretVaultDefault -Name Spy
            Step 'ProbeDropsCustomObject' { Get-Secret -Name pco }
            $R.ProbeCalls = @(& $readSpy | ForEach-Object Function)
            Set-SecretVaultDefault -Name Main

            # A vault whose module is gone after registration.
            $gone = New-TestExtensionVault -Root (Join-Path $Data 'modules') -Name 'GoneVault' -Functions @{
                'Get-Secret'       = 'param($Name, $VaultName, $AdditionalParameters)'
                'Set-Secret'       = 'param($Name, $Secret, $VaultName, $AdditionalParameters)'
                'Remove-Secret'    = 'param($Name, $VaultName, $AdditionalParameters)'
                'Get-SecretInfo'   = 'param($Filter, $VaultName, $AdditionalParameters)'
                'Test-SecretVault' = 'param($VaultName, $AdditionalParameters) $true'
            }
            Register-SecretVault -ModuleName $gone -Name Gone
            Remove-Item -Recurse -Force $gone
            Step 'GoneGet' { Get-Secret -Name x -Vault Gone }
            Step 'GoneUnlock' { Unlock-SecretVault -Name Gone -Password (ConvertTo-SecureString 'x' -AsPlainText -Force) }

            Step 'UnregisterWithoutFunction' { Unregister-SecretVault -Name Spy }
        }
    }

    It 'passes AdditionalParameters as a case-sensitive Hashtable of VaultParameters plus a Verbose bool' {
        $R.SpyTestCalls.Count | Should -Be 2
        $R.SpyTestCalls[0].Keys | Should -Be 'Alpha,Number,Path,Verbose'
        $R.SpyTestCalls[0].ParameterType | Should -Be 'System.Collections.Hashtable'
        $R.SpyTestCalls[0].CaseSensitive | Should -BeTrue
        $R.SpyTestCalls[0].NumberType | Should -Be 'Int64'
        $R.SpyTestCalls[0].VaultName | Should -Be 'Spy'
        $R.SpyTestCalls[0].Verbose | Should -BeFalse
        $R.SpyTestCalls[1].Verbose | Should -BeTrue
    }

    It 'forwards the vault''s errors and warnings from Test-SecretVault' {
        $R.Test.Output.Text | Should -Be 'True'
        $R.Test.Errors.Count | Should -Be 1
        $R.Test.Errors[0].Id | Should -Be 'Microsoft.PowerShell.Commands.WriteErrorException'
        $R.Test.Errors[0].Message | Should -Be 'spy test error'
        $R.Test.Warnings | Should -Be @('spy warning')
    }

    It 'rejects values of other types with GetSecretInvalidOperation, then GetSecretNotFound' {
        $R.InvalidObject.Errors.Id | Should -Be @('GetSecretInvalidOperation', 'GetSecretNotFound')
        $R.InvalidObject.Errors[0].Message | Should -Be "Secret object returned for 'obj' from vault 'Spy' is of invalid type 'System.Management.Automation.PSCustomObject'"
        $R.InvalidInt.Errors[0].Message | Should -Be "Secret object returned for 'int' from vault 'Spy' is of invalid type 'System.Int32'"
    }

    It 'rebuilds enumerated bytes into one byte[] and unwraps a one-element List' {
        $R.EnumeratedBytes.Errors | Should -BeNullOrEmpty
        $R.EnumeratedBytes.Output.Count | Should -Be 1
        $R.EnumeratedBytes.Output[0].Type | Should -Be 'System.Byte[]'
        $R.EnumeratedBytes.Output[0].Text | Should -Be 'AQID'
        $R.WrappedList.Output.Text | Should -Be 'in-list'
    }

    It 'takes a Get-Secret error written before the value as the (invalid) value, as the real module does' {
        $R.ErrorBeforeValue.Errors.Id | Should -Be @('GetSecretInvalidOperation', 'GetSecretNotFound')
        $R.ErrorBeforeValue.Errors[0].Message | Should -BeLike "*is of invalid type 'System.Management.Automation.ErrorRecord'"
    }

    It 'drops Get-SecretInfo output that is not SecretInformation, and a vault''s results with duplicate names' {
        $R.InfoCustomObject.Output | Should -BeNullOrEmpty
        $R.InfoCustomObject.Errors | Should -BeNullOrEmpty
        $R.InfoDuplicate.Output | Should -BeNullOrEmpty
        $R.InfoDuplicate.Errors.Id | Should -Be 'GetSecretInfoException'
    }

    It 'passes the registered vault name to Get-Secret and the caller''s spelling to Remove-Secret' {
        $R.GetCallerSpelling.Output.Text | Should -Be 'spy-value'
        @($R.SpellingCalls | Where-Object Function -EQ 'Get-Secret' | ForEach-Object VaultName | Sort-Object -Unique) | Should -BeExactly @('Spy')
        @($R.SpellingCalls | Where-Object Function -EQ 'Remove-Secret' | ForEach-Object VaultName) | Should -BeExactly @('spy')
    }

    It 'warns when the vault has no Unlock-SecretVault' {
        $R.UnlockUnsupported.Errors | Should -BeNullOrEmpty
        $R.UnlockUnsupported.Warnings | Should -Be @("Cannot unlock extension vault 'Spy': The vault does not support the Unlock-SecretVault function.")
    }

    It 'removes a secret written with metadata the vault cannot take' {
        $R.MetadataUnsupported.Errors.Id | Should -Be 'SetSecretMetadataCommandNotSupported'
        $R.MetadataCalls | Should -Be @('Set-Secret', 'Remove-Secret')
    }

    It 'skips the default vault''s Get-Secret when its probe returns no SecretInformation' {
        $R.ProbeCalls | Should -Be @('Get-SecretInfo')
        $R.ProbeDropsCustomObject.Errors.Id | Should -Be 'GetSecretNotFound'
    }

    It 'reports a vault module that no longer loads' {
        $R.GoneGet.Errors.Id | Should -Be @('GetSecretInvalidOperation', 'GetSecretNotFound')
        $R.GoneUnlock.Errors.Id | Should -Contain 'UnlockSecretVaultCommandModuleLoadFail'
    }

    It 'unregisters a vault without Unregister-SecretVault' {
        $R.UnregisterWithoutFunction.Errors | Should -BeNullOrEmpty
    }
}

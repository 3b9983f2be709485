# Test stand-in for Microsoft.PowerShell.SecretManagement 1.1.2 (the PowerShell Gallery is unreachable here).
# Behaviour follows /work/shared/secretmanagement-contract.md, i.e. the real module's code: same cmdlet names,
# parameter sets, error ids, messages, categories and exception types, the same lookup order and value shaping,
# and the same extension-vault protocol, so a real vault module works under it unchanged.
# Known differences (see ../../README.md): commands are advanced functions, so FullyQualifiedErrorId ends in
# ',Get-Secret' rather than ',Microsoft.PowerShell.SecretManagement.GetSecretCommand'; vaults run in this module's
# session state on the caller's runspace, not in a private runspace; the registry lives in a separate file
# ($HOME/.secretmanagement-standin/vaultinfo) and is re-read on every call instead of being cached.

Set-StrictMode -Version 3.0

#region Types

function Import-StandInType {
    # Compiling with Add-Type costs 2-3 s per process, so the assembly is cached (keyed by a hash of the source
    # and the PowerShell version) under obj/ beside this file, which the repository ignores, or under
    # $env:SECRETMANAGEMENT_STANDIN_TYPECACHE. Any cache problem falls back to an in-memory compile.
    $sourcePath = Join-Path $PSScriptRoot 'Microsoft.PowerShell.SecretManagement.Types.cs'
    $source = [IO.File]::ReadAllText($sourcePath)
    $sha = [Security.Cryptography.SHA256]::Create()
    try {
        $keyBytes = [Text.Encoding]::UTF8.GetBytes($source + '|' + $PSVersionTable.PSVersion.ToString())
        $hash = -join ($sha.ComputeHash($keyBytes)[0..7] | ForEach-Object { $_.ToString('x2') })
    }
    finally {
        $sha.Dispose()
    }

    $cacheRoot = if ($env:SECRETMANAGEMENT_STANDIN_TYPECACHE) { $env:SECRETMANAGEMENT_STANDIN_TYPECACHE } else { Join-Path $PSScriptRoot 'obj' }
    $cachedDll = Join-Path $cacheRoot "Microsoft.PowerShell.SecretManagement.StandIn.$hash.dll"
    try {
        if (-not [IO.File]::Exists($cachedDll)) {
            $null = [IO.Directory]::CreateDirectory($cacheRoot)
            $partial = "$cachedDll.$([guid]::NewGuid().ToString('n')).tmp"
            Add-Type -TypeDefinition $source -OutputAssembly $partial -OutputType Library -ErrorAction Stop
            try {
                [IO.File]::Move($partial, $cachedDll, $true)
            }
            catch {
                # Another process won the race (or the file is locked on Windows): use our own copy.
                $cachedDll = $partial
            }
        }
        $null = [Reflection.Assembly]::LoadFrom($cachedDll)
    }
    catch {
        if (-not ('Microsoft.PowerShell.SecretManagement.SecretInformation' -as [type])) {
            Add-Type -TypeDefinition $source -ErrorAction Stop
        }
    }
}

# Re-importing the module (or importing it after the real one) must not try to redefine the types.
if (-not ('Microsoft.PowerShell.SecretManagement.SecretInformation' -as [type])) {
    Import-StandInType
}

#endregion

#region Constants

$script:NoVaultRegistered = @'

        There are currently no extension vaults registered.
        At least one vault must be registered before SecretManagement can add or retrieve secrets.
        You can download SecretManagement extension vault modules from PowerShellGallery.
        https://aka.ms/SecretManagementVaults
        
'@

$script:PasswordRequiredTypeName = 'Microsoft.PowerShell.SecretManagement.PasswordRequiredException'

#endregion

#region Registry (process-wide path, like the real module's static constructor)

$script:RegistryPathSlot = 'Microsoft.PowerShell.SecretManagement.StandIn.RegistryFilePath'

function Initialize-RegistryPath {
    # Computed once per process, the first time the module is imported; later changes to HOME have no effect.
    $known = [AppDomain]::CurrentDomain.GetData($script:RegistryPathSlot)
    if ($null -ne $known) {
        return [string] $known
    }

    $homePath = [Environment]::GetEnvironmentVariable('HOME')
    if ([string]::IsNullOrEmpty($homePath) -and $IsWindows) {
        $homePath = [Environment]::GetFolderPath('UserProfile')
    }

    $registryFile = ''
    if (-not [string]::IsNullOrEmpty($homePath)) {
        $registryFolder = Join-Path $homePath '.secretmanagement-standin'
        $null = [IO.Directory]::CreateDirectory($registryFolder)
        $registryFile = Join-Path $registryFolder 'vaultinfo'
    }

    [AppDomain]::CurrentDomain.SetData($script:RegistryPathSlot, $registryFile)
    return $registryFile
}

$script:RegistryFilePath = Initialize-RegistryPath

function ConvertTo-RegistryHashtable {
    # The real module's ConvertToHash: objects become case-insensitive hashtables, arrays are mapped element by
    # element (so an array of scalars becomes an array of empty hashtables), everything else is kept.
    param($Object)

    $output = @{}
    if ($null -eq $Object -or $Object.psobject.BaseObject -isnot [System.Management.Automation.PSCustomObject]) {
        return $output
    }

    foreach ($property in $Object.psobject.Properties) {
        if ($property.MemberType -ne 'NoteProperty') {
            continue
        }

        $value = $property.Value
        if ($value -is [object[]]) {
            $array = @()
            foreach ($element in $value) {
                $array += , (ConvertTo-RegistryHashtable $element)
            }
            $output[$property.Name] = $array
        }
        elseif ($null -ne $value -and $value.psobject.BaseObject -is [System.Management.Automation.PSCustomObject]) {
            $output[$property.Name] = ConvertTo-RegistryHashtable $value
        }
        else {
            $output[$property.Name] = $value
        }
    }

    return $output
}

function Remove-RegistryFile {
    try {
        [IO.File]::Delete($script:RegistryFilePath)
    }
    catch {
        Write-Debug "Could not delete the vault registry file: $_"
    }
}

function Read-VaultRegistry {
    <#
        Returns @{ DefaultVaultName; Vaults } where Vaults maps vault name -> raw registry hashtable
        (case-insensitive keys). The file is re-read on every call.
    #>
    $empty = @{ DefaultVaultName = ''; Vaults = @{} }
    if ([string]::IsNullOrEmpty($script:RegistryFilePath) -or -not [IO.File]::Exists($script:RegistryFilePath)) {
        return $empty
    }

    for ($attempt = 0; $attempt -lt 4; $attempt++) {
        try {
            $json = [IO.File]::ReadAllText($script:RegistryFilePath)
        }
        catch [System.IO.IOException] {
            Start-Sleep -Milliseconds 250
            continue
        }

        try {
            $parsed = ConvertFrom-Json -InputObject $json -ErrorAction Stop
        }
        catch {
            # Unreadable JSON: the real module keeps its previous (here: empty) view and leaves the file alone.
            return $empty
        }

        $registry = ConvertTo-RegistryHashtable $parsed
        $defaultName = $registry['DefaultVaultName']
        $vaults = $registry['Vaults']
        if ($null -eq $defaultName -or $vaults -isnot [hashtable]) {
            # Missing expected values: assumed corrupt and deleted, as the real module does.
            Remove-RegistryFile
            return $empty
        }

        foreach ($entry in $vaults.Values) {
            $parameters = if ($entry -is [hashtable]) { $entry['VaultParameters'] } else { $null }
            $moduleName = if ($entry -is [hashtable]) { $entry['ModuleName'] } else { $null }
            if ($entry -isnot [hashtable] -or ($entry.ContainsKey('VaultParameters') -and $parameters -isnot [hashtable]) -or
                ($null -ne $moduleName -and $moduleName -isnot [string])) {
                # The real cache build throws on these and then deletes the registry file.
                Remove-RegistryFile
                return $empty
            }
        }

        return @{ DefaultVaultName = [string] $defaultName; Vaults = $vaults }
    }

    return $empty
}

function Write-VaultRegistry {
    param(
        [hashtable] $Vaults,
        [string] $DefaultVaultName
    )

    if ([string]::IsNullOrEmpty($script:RegistryFilePath)) {
        throw [System.InvalidOperationException]::new(
            "Unable to find a 'HOME' path location for the current user, which is needed to store vault registry information.")
    }

    $json = ConvertTo-Json -InputObject @{ DefaultVaultName = $DefaultVaultName; Vaults = $Vaults } -Depth 10
    for ($attempt = 0; $attempt -lt 4; $attempt++) {
        try {
            [IO.File]::WriteAllText($script:RegistryFilePath, $json)
            return
        }
        catch [System.IO.IOException] {
            Start-Sleep -Milliseconds 250
        }
    }
}

function ConvertTo-VaultRecord {
    # The real module's ExtensionVaultModule: what the cmdlets work with.
    param(
        [string] $Name,
        [hashtable] $Entry,
        [string] $DefaultVaultName
    )

    $parameters = [System.Collections.Generic.Dictionary[string, object]]::new()
    $rawParameters = $Entry['VaultParameters']
    if ($rawParameters -is [hashtable]) {
        foreach ($key in $rawParameters.Keys) {
            $parameters.Add([string] $key, $rawParameters[$key])
        }
    }

    [pscustomobject]@{
        VaultName                 = $Name
        ModuleName                = [string] $Entry['ModuleName']
        ModuleExtensionName       = "$($Entry['ModuleName']).Extension"
        ModulePath                = [string] $Entry['ModulePath']
        Description               = if ($Entry.ContainsKey('Description')) { [string] $Entry['Description'] } else { '' }
        SetSecretSupportsMetadata = if ($Entry.ContainsKey('SetSecretSupportsMetadata')) { [bool] $Entry['SetSecretSupportsMetadata'] } else { $false }
        VaultParameters           = $parameters
        IsDefault                 = $Name -eq $DefaultVaultName
    }
}

function Get-VaultExtension {
    # Registered vaults sorted by name (case-insensitive), as the real VaultExtensions property.
    $registry = Read-VaultRegistry
    $sorted = [System.Collections.Generic.SortedDictionary[string, object]]::new([StringComparer]::OrdinalIgnoreCase)
    foreach ($name in $registry.Vaults.Keys) {
        $sorted[$name] = ConvertTo-VaultRecord -Name $name -Entry $registry.Vaults[$name] -DefaultVaultName $registry.DefaultVaultName
    }
    return , $sorted
}

function Get-DefaultVaultName {
    return (Read-VaultRegistry).DefaultVaultName
}

function Add-RegisteredVault {
    param(
        [string] $Name,
        [hashtable] $Entry,
        [bool] $DefaultVault
    )

    $registry = Read-VaultRegistry
    $vaults = $registry.Vaults
    if ($vaults.ContainsKey($Name)) {
        $vaults.Remove($Name)
    }
    $vaults[$Name] = $Entry
    $defaultName = if ($DefaultVault) { $Name } else { $registry.DefaultVaultName }
    Write-VaultRegistry -Vaults $vaults -DefaultVaultName $defaultName
}

function Set-RegisteredDefaultVault {
    param([string] $Name)

    $registry = Read-VaultRegistry
    if ([string]::IsNullOrEmpty($Name)) {
        $defaultName = ''
    }
    else {
        $vault = (Get-VaultExtension)[$Name]
        if ($null -eq $vault) {
            throw [System.Management.Automation.ItemNotFoundException]::new('Vault name was not found.')
        }
        $defaultName = $vault.VaultName
    }
    Write-VaultRegistry -Vaults $registry.Vaults -DefaultVaultName $defaultName
}

function Remove-RegisteredVault {
    param([string] $Name)

    $registry = Read-VaultRegistry
    if (-not $registry.Vaults.ContainsKey($Name)) {
        return
    }
    $registry.Vaults.Remove($Name)
    $defaultName = if ($registry.DefaultVaultName -eq $Name) { '' } else { $registry.DefaultVaultName }
    Write-VaultRegistry -Vaults $registry.Vaults -DefaultVaultName $defaultName
}

function New-SecretVaultInfo {
    param($Vault)

    $constructor = [Microsoft.PowerShell.SecretManagement.SecretVaultInfo].GetConstructors(
        [Reflection.BindingFlags]'NonPublic, Instance')[0]
    return $constructor.Invoke(@(
            $Vault.VaultName,
            $Vault.ModuleName,
            $Vault.ModulePath,
            $Vault.Description,
            [System.Collections.Generic.IDictionary[string, object]] $Vault.VaultParameters,
            $Vault.IsDefault))
}

#endregion

#region Errors

function New-ErrorRecord {
    param(
        [Exception] $Exception,
        [string] $ErrorId,
        [System.Management.Automation.ErrorCategory] $Category,
        $TargetObject = $null
    )
    return [System.Management.Automation.ErrorRecord]::new($Exception, $ErrorId, $Category, $TargetObject)
}

function Write-NoVaultWarning {
    param([System.Management.Automation.PSCmdlet] $Cmdlet)

    if ((Get-VaultExtension).Count -eq 0) {
        $Cmdlet.WriteWarning($script:NoVaultRegistered)
    }
}

function Get-ExtensionVault {
    # The real SecretCmdlet.GetExtensionVault: unknown names are a terminating error.
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        [string] $Name
    )

    $vault = $null
    if (-not [string]::IsNullOrEmpty($Name)) {
        $vault = (Get-VaultExtension)[$Name]
    }
    if ($null -eq $vault) {
        $Cmdlet.ThrowTerminatingError((New-ErrorRecord `
                    ([System.Management.Automation.PSInvalidOperationException]::new("Vault not found in registry: $Name")) `
                    'GetSecretVaultNotFound' ObjectNotFound))
    }
    return $vault
}

function Assert-NotPasswordRequired {
    # The real ThrowPasswordRequiredException: a vault's PasswordRequiredException is rethrown as-is.
    param([Exception] $TerminatingError)

    if ($null -ne $TerminatingError.InnerException -and
        $TerminatingError.InnerException.GetType().FullName -eq $script:PasswordRequiredTypeName) {
        throw $TerminatingError.InnerException
    }
}

function Invoke-WithPasswordRequiredAsTerminating {
    <#
        Runs a cmdlet body. A PasswordRequiredException that escapes it ends the command with a terminating error,
        as an exception escaping a compiled cmdlet's ProcessRecord does (error id = the exception type name).
    #>
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        [scriptblock] $Body
    )

    $passwordRequired = $null
    try {
        & $Body
    }
    catch [Microsoft.PowerShell.SecretManagement.PasswordRequiredException] {
        $passwordRequired = $_.Exception
    }

    if ($null -ne $passwordRequired) {
        $Cmdlet.ThrowTerminatingError((New-ErrorRecord $passwordRequired $script:PasswordRequiredTypeName NotSpecified))
    }
}

function Use-CallerPreference {
    <#
        Dot-source at the start of each command. A compiled cmdlet honours preference variables set in its
        caller's scope ($ErrorActionPreference = 'Stop' in a script, ...); a module function normally sees only
        the global ones. This copies the caller's values into the command's scope unless the matching common
        parameter was given, so the stand-in reacts to them as the real cmdlets do.
    #>
    param([System.Management.Automation.PSCmdlet] $CallerCmdlet)

    $preferenceParameters = [ordered]@{
        ErrorActionPreference = 'ErrorAction'
        WarningPreference     = 'WarningAction'
        InformationPreference = 'InformationAction'
        VerbosePreference     = 'Verbose'
        DebugPreference       = 'Debug'
        WhatIfPreference      = 'WhatIf'
        ConfirmPreference     = 'Confirm'
    }
    foreach ($preference in $preferenceParameters.GetEnumerator()) {
        if ($CallerCmdlet.MyInvocation.BoundParameters.ContainsKey($preference.Value)) {
            continue
        }
        $callerVariable = $CallerCmdlet.SessionState.PSVariable.Get($preference.Key)
        if ($null -ne $callerVariable) {
            Set-Variable -Name $preference.Key -Value $callerVariable.Value
        }
    }
}

#endregion

#region Calling extension vaults

function Get-AdditionalParameter {
    # VaultParameters plus an always-present Verbose bool; a case-sensitive Hashtable, as in the real module.
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault
    )

    $additional = [hashtable]::new()
    foreach ($pair in $Vault.VaultParameters.GetEnumerator()) {
        $additional.Add($pair.Key, $pair.Value)
    }

    $bound = $Cmdlet.MyInvocation.BoundParameters
    $verbose = $bound.ContainsKey('Verbose') -and ([System.Management.Automation.SwitchParameter] $bound['Verbose']).IsPresent
    $additional.Remove('Verbose')
    $additional.Add('Verbose', $verbose)
    return $additional
}

function Get-VaultModule {
    # Imports the vault module into this module's session state (not the global one) on first use.
    param(
        $Vault,
        [System.Collections.Generic.List[object]] $Records
    )

    # As in the real module's private runspace: a failed import is a non-terminating error, whatever the caller's
    # preferences are.
    $ErrorActionPreference = 'Continue'
    $module = Get-Module -Name $Vault.ModuleName -ErrorAction Ignore | Select-Object -First 1
    if ($null -eq $module) {
        Import-Module -Name $Vault.ModulePath -PassThru 2>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.PSModuleInfo]) {
                if ($null -eq $module) {
                    $module = $_
                }
            }
            else {
                $Records.Add($_)
            }
        }
    }
    return $module
}

function Invoke-VaultFunction {
    <#
        Calls <ModuleName>.Extension\<Command> inside the vault module's scope with splatted parameters.
        Mode: Run (command must exist), RunIf (optional command, absence is fine), Conditional (optional command;
        Status 0 = ran, 1 = module did not load, 2 = command not found).
        OutputKind mirrors the real InvokeScriptWithHost<T> filter: Object keeps every non-null item (including
        the vault's ErrorRecords, which are then *not* written); SecretInformation/Bool keep that type and write
        ErrorRecords; None keeps nothing and writes ErrorRecords.
        Returns @{ Output; Terminating (exception or $null); Status }.
    #>
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault,
        [string] $Command,
        [hashtable] $Parameters,
        [ValidateSet('Run', 'RunIf', 'Conditional')] [string] $Mode = 'Run',
        [ValidateSet('Object', 'SecretInformation', 'Bool', 'None')] [string] $OutputKind = 'None'
    )

    $Parameters['AdditionalParameters'] = Get-AdditionalParameter -Cmdlet $Cmdlet -Vault $Vault
    $verboseEnabled = $Parameters['AdditionalParameters']['Verbose']
    $records = [System.Collections.Generic.List[object]]::new()
    $terminating = $null
    $status = 0

    try {
        $module = Get-VaultModule -Vault $Vault -Records $records
        if ($null -eq $module) {
            $status = 1
        }
        else {
            if ($verboseEnabled) {
                $Cmdlet.WriteVerbose("Invoking command $Command on module $($Vault.ModuleExtensionName)")
            }
            $qualifiedName = "$($Vault.ModuleExtensionName)\$Command"
            try {
                if ($Mode -eq 'Conditional') {
                    & $module $qualifiedName @Parameters 2>&1 | ForEach-Object {
                        if ($_ -is [System.Management.Automation.ErrorRecord]) { $records.Add($_) }
                    }
                }
                else {
                    & $module $qualifiedName @Parameters 2>&1 | ForEach-Object { $records.Add($_) }
                }
            }
            catch [System.Management.Automation.CommandNotFoundException] {
                if ($Mode -eq 'Run') {
                    throw
                }
                $status = 2
                if ($Mode -eq 'RunIf' -and $verboseEnabled) {
                    $Cmdlet.WriteVerbose("Module $($Vault.ModuleExtensionName) does not support command : $Command")
                }
            }
        }
    }
    catch {
        # What PowerShell.Invoke() throws for a script's terminating error: a RuntimeException whose inner
        # exception is the one the vault threw.
        $caught = $_.Exception
        $terminating = if ($caught -is [System.Management.Automation.RuntimeException]) {
            $caught
        }
        else {
            [System.Management.Automation.RuntimeException]::new($caught.Message, $caught, $_)
        }
        # Output collected before the throw is lost, as with PowerShell.Invoke().
        $records.Clear()
    }

    $output = [System.Collections.Generic.List[object]]::new()
    foreach ($record in $records) {
        if ($null -eq $record) {
            continue
        }
        $item = $record.psobject.BaseObject
        if ($null -eq $item) {
            continue
        }

        switch ($OutputKind) {
            'Object' {
                $output.Add($item)
            }
            'SecretInformation' {
                if ($item -is [Microsoft.PowerShell.SecretManagement.SecretInformation]) { $output.Add($item) }
                elseif ($item -is [Microsoft.PowerShell.SecretManagement.SecretInformation[]]) { $output.AddRange($item) }
                elseif ($item -is [System.Management.Automation.ErrorRecord]) { $Cmdlet.WriteError($item) }
            }
            'Bool' {
                if ($item -is [bool]) { $output.Add($item) }
                elseif ($item -is [bool[]]) { foreach ($flag in $item) { $output.Add($flag) } }
                elseif ($item -is [System.Management.Automation.ErrorRecord]) { $Cmdlet.WriteError($item) }
            }
            'None' {
                if ($item -is [System.Management.Automation.ErrorRecord]) { $Cmdlet.WriteError($item) }
            }
        }
    }

    return [pscustomobject]@{ Output = $output; Terminating = $terminating; Status = $status }
}

function Invoke-VaultGetSecret {
    # Returns @{ Value } or $null when the vault produced no usable value.
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault,
        [string] $Name,
        [string] $VaultName
    )

    $result = Invoke-VaultFunction -Cmdlet $Cmdlet -Vault $Vault -Command 'Get-Secret' -OutputKind Object `
        -Parameters @{ Name = $Name; VaultName = $VaultName }
    if ($null -ne $result.Terminating) {
        Assert-NotPasswordRequired $result.Terminating
        $Cmdlet.WriteError((New-ErrorRecord `
                    ([System.Management.Automation.PSInvalidOperationException]::new(
                        "Unable to get secret $Name from vault $($Vault.VaultName)", $result.Terminating)) `
                    'GetSecretInvalidOperation' InvalidOperation $Vault))
    }
    else {
        $Cmdlet.WriteVerbose("Secret $Name was successfully retrieved from vault $($Vault.VaultName).")
    }

    $items = $result.Output
    if ($items.Count -eq 0) {
        return $null
    }

    if ($items[0] -is [byte]) {
        # Bytes written one at a time are rebuilt into one array.
        $bytes = [byte[]]::new($items.Count)
        for ($i = 0; $i -lt $items.Count; $i++) {
            $bytes[$i] = [byte] $items[$i]
        }
        $value = $bytes
    }
    else {
        $value = $items[0]
    }

    if ($value -is [System.Collections.Generic.List[object]] -and $value.Count -gt 0) {
        $value = $value[0]
    }

    if ($value -is [string] -or $value -is [securestring] -or $value -is [byte[]] -or
        $value -is [pscredential] -or $value -is [hashtable]) {
        return [pscustomobject]@{ Value = $value }
    }

    $Cmdlet.WriteError((New-ErrorRecord `
                ([System.Management.Automation.PSInvalidOperationException]::new(
                    "Secret object returned for '$Name' from vault '$($Vault.VaultName)' is of invalid type '$($value.GetType().ToString())'",
                    $result.Terminating)) `
                'GetSecretInvalidOperation' InvalidOperation $Vault))
    return $null
}

function Invoke-VaultGetSecretInfo {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault,
        [string] $Filter,
        [string] $VaultName
    )

    $result = Invoke-VaultFunction -Cmdlet $Cmdlet -Vault $Vault -Command 'Get-SecretInfo' -OutputKind SecretInformation `
        -Parameters @{ Filter = $Filter; VaultName = $VaultName }
    if ($null -ne $result.Terminating) {
        Assert-NotPasswordRequired $result.Terminating
        $Cmdlet.WriteError((New-ErrorRecord `
                    ([System.Management.Automation.PSInvalidOperationException]::new(
                        "Unable to get secret information from vault $($Vault.VaultName)", $result.Terminating)) `
                    'GetSecretInfoInvalidOperation' InvalidOperation $Vault))
    }
    else {
        $Cmdlet.WriteVerbose("Secret information was successfully retrieved from vault $($Vault.VaultName).")
    }
    return , ([Microsoft.PowerShell.SecretManagement.SecretInformation[]] $result.Output.ToArray())
}

function Invoke-VaultRemoveSecret {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault,
        [string] $Name,
        [string] $VaultName
    )

    $result = Invoke-VaultFunction -Cmdlet $Cmdlet -Vault $Vault -Command 'Remove-Secret' -OutputKind None `
        -Parameters @{ Name = $Name; VaultName = $VaultName }
    if ($null -ne $result.Terminating) {
        Assert-NotPasswordRequired $result.Terminating
        $Cmdlet.WriteError((New-ErrorRecord `
                    ([System.Management.Automation.PSInvalidOperationException]::new(
                        "Unable to remove secret $Name from vault $($Vault.VaultName)", $result.Terminating)) `
                    'RemoveSecretInvalidOperation' InvalidOperation $Vault))
    }
    else {
        $Cmdlet.WriteVerbose("Secret $Name was successfully removed from vault $($Vault.VaultName).")
    }
}

function Invoke-VaultSetSecretMetadata {
    # Returns $true when the vault's Set-SecretInfo ran.
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault,
        [string] $Name,
        [hashtable] $Metadata,
        [string] $VaultName
    )

    $result = Invoke-VaultFunction -Cmdlet $Cmdlet -Vault $Vault -Command 'Set-SecretInfo' -Mode Conditional `
        -Parameters @{ Name = $Name; Metadata = $Metadata; VaultName = $VaultName }
    if ($null -ne $result.Terminating) {
        Assert-NotPasswordRequired $result.Terminating
        $Cmdlet.WriteError((New-ErrorRecord `
                    ([System.Management.Automation.PSInvalidOperationException]::new(
                        "Cannot add secret metadata '$Name' to vault '$($Vault.VaultName)'", $result.Terminating)) `
                    'SetSecretMetadataInvalidOperation' InvalidOperation $Vault))
        return $false
    }

    switch ($result.Status) {
        0 {
            $Cmdlet.WriteVerbose("Secret metadata '$Name' was successfully added to vault '$($Vault.VaultName)'.")
        }
        1 {
            $Cmdlet.WriteError((New-ErrorRecord `
                        ([System.Management.Automation.PSInvalidOperationException]::new(
                            "Cannot add secret metadata '$Name' to vault '$($Vault.VaultName)': Extension module could not load.")) `
                        'SetSecretMetaDataCommandModuleLoadFail' InvalidOperation $Vault))
        }
        2 {
            # The missing closing quote after the vault name is in the real message too.
            $Cmdlet.WriteError((New-ErrorRecord `
                        ([System.Management.Automation.PSNotSupportedException]::new(
                            "Cannot add secret metadata '$Name' to vault '$($Vault.VaultName): The vault does not support the Set-SecretInfo function.")) `
                        'SetSecretMetadataCommandNotSupported' NotImplemented $Vault))
        }
    }
    return $result.Status -eq 0
}

function Invoke-VaultSetSecret {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault,
        [string] $Name,
        $Secret,
        [string] $VaultName,
        [hashtable] $Metadata
    )

    $parameters = @{ Name = $Name; Secret = $Secret; VaultName = $VaultName }
    if ($Vault.SetSecretSupportsMetadata) {
        $parameters['Metadata'] = if ($null -ne $Metadata) { $Metadata } else { [hashtable]::new() }
    }

    $result = Invoke-VaultFunction -Cmdlet $Cmdlet -Vault $Vault -Command 'Set-Secret' -OutputKind None -Parameters $parameters
    if ($null -ne $result.Terminating) {
        Assert-NotPasswordRequired $result.Terminating
        $Cmdlet.WriteError((New-ErrorRecord `
                    ([System.Management.Automation.PSInvalidOperationException]::new(
                        "Unable to add secret $Name to vault $($Vault.VaultName)", $result.Terminating)) `
                    'SetSecretInvalidOperation' InvalidOperation $Vault))
        return
    }

    # Metadata the vault's Set-Secret cannot take goes through its optional Set-SecretInfo; if that is missing
    # or fails, the secret just written is removed again.
    if ($null -ne $Metadata -and $Metadata.Count -gt 0 -and -not $Vault.SetSecretSupportsMetadata -and
        -not (Invoke-VaultSetSecretMetadata -Cmdlet $Cmdlet -Vault $Vault -Name $Name -Metadata $Metadata -VaultName $VaultName)) {
        Invoke-VaultRemoveSecret -Cmdlet $Cmdlet -Vault $Vault -Name $Name -VaultName $VaultName
        return
    }

    $Cmdlet.WriteVerbose("Secret $Name was successfully added to vault $($Vault.VaultName).")
}

function Invoke-VaultTest {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault
    )

    $result = Invoke-VaultFunction -Cmdlet $Cmdlet -Vault $Vault -Command 'Test-SecretVault' -OutputKind Bool `
        -Parameters @{ VaultName = $Vault.VaultName }
    if ($null -ne $result.Terminating) {
        Assert-NotPasswordRequired $result.Terminating
        $Cmdlet.WriteError((New-ErrorRecord `
                    ([System.Management.Automation.PSInvalidOperationException]::new(
                        "Unable to run Test-SecretVault on vault $($Vault.VaultName)", $result.Terminating)) `
                    'TestSecretVaultInvalidOperation' InvalidOperation $Vault))
    }
    if ($result.Output.Count -gt 0) {
        return [bool] $result.Output[0]
    }
    return $false
}

function Invoke-VaultUnlock {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault,
        [securestring] $Password,
        [string] $VaultName
    )

    $result = Invoke-VaultFunction -Cmdlet $Cmdlet -Vault $Vault -Command 'Unlock-SecretVault' -Mode Conditional `
        -Parameters @{ Password = $Password; VaultName = $VaultName }
    if ($null -ne $result.Terminating) {
        Assert-NotPasswordRequired $result.Terminating
        $Cmdlet.WriteError((New-ErrorRecord `
                    ([System.Management.Automation.PSInvalidOperationException]::new(
                        "Unlocking vault '$VaultName' failed with error: $($result.Terminating.Message)", $result.Terminating)) `
                    'UnlockSecretVaultInvalidOperation' InvalidOperation $Vault))
        return
    }

    switch ($result.Status) {
        0 {
            $Cmdlet.WriteVerbose("Secret vault '$VaultName' was successfully unlocked.")
        }
        1 {
            $Cmdlet.WriteError((New-ErrorRecord `
                        ([System.Management.Automation.PSInvalidOperationException]::new(
                            "Cannot unlock extension vault '$VaultName': Extension module could not load.")) `
                        'UnlockSecretVaultCommandModuleLoadFail' InvalidOperation $Vault))
        }
        2 {
            $Cmdlet.WriteWarning("Cannot unlock extension vault '$VaultName': The vault does not support the Unlock-SecretVault function.")
        }
    }
}

function Invoke-VaultUnregister {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Vault
    )

    $result = Invoke-VaultFunction -Cmdlet $Cmdlet -Vault $Vault -Command 'Unregister-SecretVault' -Mode RunIf -OutputKind None `
        -Parameters @{ VaultName = $Vault.VaultName }
    if ($null -ne $result.Terminating) {
        Assert-NotPasswordRequired $result.Terminating
        $Cmdlet.WriteError((New-ErrorRecord `
                    ([System.Management.Automation.PSInvalidOperationException]::new(
                        "An error occurred while running Unregister-SecretVault on vault $($Vault.VaultName), Error: $($result.Terminating.Message)",
                        $result.Terminating)) `
                    'UnregisterSecretVaultInvalidOperation' InvalidOperation $Vault))
    }
}

#endregion

#region Value shaping (Get-Secret)

function ConvertTo-SecretSecureString {
    # ConvertTo-SecureString rejects an empty string; the real module swallows that and yields $null.
    param([string] $Value)

    if ([string]::IsNullOrEmpty($Value)) {
        return $null
    }
    return ConvertTo-SecureString -String $Value -AsPlainText -Force
}

function ConvertTo-ShapedItem {
    param(
        $Item,
        [bool] $AsPlainText
    )

    if (-not $AsPlainText -and $Item -is [string]) {
        return ConvertTo-SecretSecureString $Item
    }
    if ($AsPlainText -and $Item -is [securestring]) {
        return [System.Net.NetworkCredential]::new('', $Item).Password
    }
    return , $Item
}

function Write-ShapedSecret {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        $Secret,
        [bool] $AsPlainText
    )

    if ($Secret -is [hashtable]) {
        # A new Hashtable with the default (case-sensitive) comparer; values shaped one level deep.
        $shaped = [hashtable]::new($Secret.Count)
        foreach ($key in $Secret.Keys) {
            $shaped.Add($key, (ConvertTo-ShapedItem -Item $Secret[$key] -AsPlainText $AsPlainText))
        }
        $Cmdlet.WriteObject($shaped)
        return
    }

    $Cmdlet.WriteObject((ConvertTo-ShapedItem -Item $Secret -AsPlainText $AsPlainText), $false)
}

#endregion

#region Cmdlets

function Get-Secret {
    [CmdletBinding(DefaultParameterSetName = 'NameParameterSet')]
    [OutputType([object])]
    param(
        [Parameter(Position = 0, Mandatory, ValueFromPipeline, ParameterSetName = 'NameParameterSet')]
        [string] $Name,

        [Parameter(Position = 1, ParameterSetName = 'NameParameterSet')]
        [string] $Vault,

        [Parameter(Mandatory, ValueFromPipeline, ParameterSetName = 'InfoParameterSet')]
        [Microsoft.PowerShell.SecretManagement.SecretInformation] $InputObject,

        [switch] $AsPlainText
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
        Write-NoVaultWarning $PSCmdlet
    }

    process {
        $cmdlet = $PSCmdlet
        $secretName = $Name
        $vaultName = $Vault
        if ($PSCmdlet.ParameterSetName -eq 'InfoParameterSet') {
            $secretName = $InputObject.Name
            $vaultName = $InputObject.VaultName
        }
        $plain = $AsPlainText.IsPresent

        # 'Success', 'Failed' or 'FailedWithTerminatingError', as the real TryInvokeAndWrite.
        $tryInvokeAndWrite = {
            param($extensionVault)
            try {
                $found = Invoke-VaultGetSecret -Cmdlet $cmdlet -Vault $extensionVault -Name $secretName -VaultName $extensionVault.VaultName
                if ($null -ne $found) {
                    Write-ShapedSecret -Cmdlet $cmdlet -Secret $found.Value -AsPlainText $plain
                    return 'Success'
                }
            }
            catch {
                $cmdlet.WriteError((New-ErrorRecord $_.Exception 'GetSecretException' InvalidOperation))
                return 'FailedWithTerminatingError'
            }
            return 'Failed'
        }

        $writeNotFound = {
            $cmdlet.WriteError((New-ErrorRecord `
                        ([System.Management.Automation.ItemNotFoundException]::new("The secret $secretName was not found.")) `
                        'GetSecretNotFound' ObjectNotFound))
        }

        Invoke-WithPasswordRequiredAsTerminating -Cmdlet $cmdlet -Body {
            if (-not [string]::IsNullOrEmpty($vaultName)) {
                $extensionVault = Get-ExtensionVault -Cmdlet $cmdlet -Name $vaultName
                if ((& $tryInvokeAndWrite $extensionVault) -eq 'Failed') {
                    & $writeNotFound
                }
                return
            }

            # The default vault first, but only if its Get-SecretInfo finds the name (a PasswordRequiredException
            # here is not caught, so it ends the command).
            $defaultName = Get-DefaultVaultName
            if (-not [string]::IsNullOrEmpty($defaultName)) {
                $defaultVault = Get-ExtensionVault -Cmdlet $cmdlet -Name $defaultName
                $info = Invoke-VaultGetSecretInfo -Cmdlet $cmdlet -Vault $defaultVault -Filter $secretName -VaultName $defaultVault.VaultName
                if ($info.Length -gt 0 -and (& $tryInvokeAndWrite $defaultVault) -eq 'Success') {
                    return
                }
            }

            foreach ($extensionVault in (Get-VaultExtension).Values) {
                if ($extensionVault.VaultName -eq $defaultName) {
                    continue
                }
                if ((& $tryInvokeAndWrite $extensionVault) -eq 'Success') {
                    return
                }
            }

            & $writeNotFound
        }
    }
}

function Set-Secret {
    [CmdletBinding(SupportsShouldProcess, DefaultParameterSetName = 'SecureStringParameterSet')]
    param(
        [Parameter(ParameterSetName = 'ObjectParameterSet', Position = 0, Mandatory)]
        [Parameter(ParameterSetName = 'SecureStringParameterSet', Position = 0, Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Parameter(Position = 1, Mandatory, ValueFromPipeline, ParameterSetName = 'ObjectParameterSet')]
        [object] $Secret,

        [Parameter(Position = 1, Mandatory, ValueFromPipeline, ParameterSetName = 'SecureStringParameterSet')]
        [securestring] $SecureStringSecret,

        [Parameter(Position = 1, Mandatory, ValueFromPipeline, ParameterSetName = 'SecretInfoParameterSet')]
        [Microsoft.PowerShell.SecretManagement.SecretInformation] $SecretInfo,

        [Parameter(Position = 2, ParameterSetName = 'ObjectParameterSet')]
        [Parameter(Position = 2, ParameterSetName = 'SecureStringParameterSet')]
        [Parameter(ParameterSetName = 'SecretInfoParameterSet', Mandatory)]
        [string] $Vault,

        [Parameter(Position = 3, ParameterSetName = 'ObjectParameterSet')]
        [Parameter(Position = 3, ParameterSetName = 'SecureStringParameterSet')]
        [hashtable] $Metadata,

        [switch] $NoClobber
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
        Write-NoVaultWarning $PSCmdlet
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Vault, 'Write secret to vault and override any existing secret of the same name')) {
            return
        }

        $cmdlet = $PSCmdlet
        $secretExists = {
            param($extensionVault, [string] $secretName)
            $null -ne (Invoke-VaultGetSecret -Cmdlet $cmdlet -Vault $extensionVault -Name $secretName -VaultName $extensionVault.VaultName)
        }

        Invoke-WithPasswordRequiredAsTerminating -Cmdlet $cmdlet -Body {
            if ($cmdlet.ParameterSetName -eq 'SecretInfoParameterSet') {
                # Copy a secret (and its metadata) from the vault named in SecretInfo to -Vault.
                $sourceVault = Get-ExtensionVault -Cmdlet $cmdlet -Name $SecretInfo.VaultName
                $copied = Invoke-VaultGetSecret -Cmdlet $cmdlet -Vault $sourceVault -Name $SecretInfo.Name -VaultName $SecretInfo.VaultName
                $destinationVault = Get-ExtensionVault -Cmdlet $cmdlet -Name $Vault
                if ($NoClobber -and (& $secretExists $destinationVault $SecretInfo.Name)) {
                    $cmdlet.WriteError((New-ErrorRecord `
                                ([System.Management.Automation.PSInvalidOperationException]::new(
                                    "A secret with name $($SecretInfo.Name) already exists in vault $($destinationVault.VaultName).")) `
                                'SetSecretCommandAlreadyExistsWithNoClobber' ResourceExists))
                    return
                }

                $metadataCopy = [hashtable]::new()
                if ($null -ne $SecretInfo.Metadata) {
                    foreach ($pair in $SecretInfo.Metadata.GetEnumerator()) {
                        $metadataCopy.Add($pair.Key, $pair.Value)
                    }
                }
                # Plain assignments (not 'if' expressions) so a byte[] is not unrolled into object[].
                $copiedValue = $null
                if ($null -ne $copied) {
                    $copiedValue = $copied.Value
                }
                Invoke-VaultSetSecret -Cmdlet $cmdlet -Vault $destinationVault -Name $SecretInfo.Name -Secret $copiedValue `
                    -VaultName $Vault -Metadata $metadataCopy
                return
            }

            $secretToWrite = $null
            if ($cmdlet.ParameterSetName -eq 'SecureStringParameterSet') {
                $secretToWrite = $SecureStringSecret
            }
            elseif ($null -ne $Secret) {
                $secretToWrite = $Secret.psobject.BaseObject
            }

            $targetVault = $null
            if (-not [string]::IsNullOrEmpty($Vault)) {
                $targetVault = Get-ExtensionVault -Cmdlet $cmdlet -Name $Vault
            }
            else {
                $defaultName = Get-DefaultVaultName
                if (-not [string]::IsNullOrEmpty($defaultName)) {
                    $targetVault = Get-ExtensionVault -Cmdlet $cmdlet -Name $defaultName
                }
            }

            if ($null -eq $targetVault) {
                $cmdlet.ThrowTerminatingError((New-ErrorRecord `
                            ([System.Management.Automation.PSInvalidOperationException]::new(
                                'Unable to set secret because no vault was provided and there is no default vault designated.')) `
                            'SetSecretCommandFailNoVault' InvalidOperation))
            }

            if ($NoClobber -and (& $secretExists $targetVault $Name)) {
                $cmdlet.ThrowTerminatingError((New-ErrorRecord `
                            ([System.Management.Automation.PSInvalidOperationException]::new(
                                "A secret with name $Name already exists in vault $($targetVault.VaultName).")) `
                            'SetSecretCommandAlreadyExistsWithNoClobber' ResourceExists))
            }

            Invoke-VaultSetSecret -Cmdlet $cmdlet -Vault $targetVault -Name $Name -Secret $secretToWrite `
                -VaultName $targetVault.VaultName -Metadata $Metadata
        }
    }
}

function Remove-Secret {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Position = 0, Mandatory, ValueFromPipeline, ParameterSetName = 'NameParameterSet')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Parameter(Position = 1, Mandatory, ParameterSetName = 'NameParameterSet')]
        [ValidateNotNullOrEmpty()]
        [string] $Vault,

        [Parameter(Position = 0, Mandatory, ValueFromPipeline, ParameterSetName = 'InfoParameterSet')]
        [Microsoft.PowerShell.SecretManagement.SecretInformation] $InputObject
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Vault, 'Remove secret by name from vault')) {
            return
        }

        $cmdlet = $PSCmdlet
        $secretName = $Name
        $vaultName = $Vault
        if ($PSCmdlet.ParameterSetName -eq 'InfoParameterSet') {
            $secretName = $InputObject.Name
            $vaultName = $InputObject.VaultName
        }

        Invoke-WithPasswordRequiredAsTerminating -Cmdlet $cmdlet -Body {
            # The vault gets the caller's spelling of the vault name here, as in the real module.
            $extensionVault = Get-ExtensionVault -Cmdlet $cmdlet -Name $vaultName
            Invoke-VaultRemoveSecret -Cmdlet $cmdlet -Vault $extensionVault -Name $secretName -VaultName $vaultName
        }
    }
}

function Get-SecretInfo {
    [CmdletBinding()]
    [OutputType([Microsoft.PowerShell.SecretManagement.SecretInformation])]
    param(
        [Parameter(Position = 0)]
        [SupportsWildcards()]
        [string] $Name,

        [Parameter(Position = 1)]
        [string] $Vault
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
        Write-NoVaultWarning $PSCmdlet
    }

    end {
        $cmdlet = $PSCmdlet
        $filter = if ([string]::IsNullOrEmpty($Name)) { '*' } else { $Name }

        $writeExtensionResults = {
            param($extensionVault)
            try {
                $infos = Invoke-VaultGetSecretInfo -Cmdlet $cmdlet -Vault $extensionVault -Filter $filter -VaultName $extensionVault.VaultName
                # Each vault's results sorted by name; duplicate (case-insensitive) or null names throw here and
                # drop the whole vault's results.
                $sorted = [System.Collections.Generic.SortedDictionary[string, object]]::new([StringComparer]::OrdinalIgnoreCase)
                foreach ($info in $infos) {
                    $sorted.Add($info.Name, $info)
                }
                foreach ($info in $sorted.Values) {
                    $cmdlet.WriteObject($info)
                }
            }
            catch {
                $cmdlet.WriteError((New-ErrorRecord $_.Exception 'GetSecretInfoException' InvalidOperation))
            }
        }

        if (-not [string]::IsNullOrEmpty($Vault)) {
            & $writeExtensionResults (Get-ExtensionVault -Cmdlet $cmdlet -Name $Vault)
            return
        }

        $defaultName = Get-DefaultVaultName
        if (-not [string]::IsNullOrEmpty($defaultName)) {
            & $writeExtensionResults (Get-ExtensionVault -Cmdlet $cmdlet -Name $defaultName)
        }

        foreach ($extensionVault in (Get-VaultExtension).Values) {
            if ($extensionVault.VaultName -eq $defaultName) {
                continue
            }
            & $writeExtensionResults $extensionVault
        }
    }
}

function Set-SecretInfo {
    [CmdletBinding(SupportsShouldProcess, DefaultParameterSetName = 'NameParameterSet')]
    param(
        [Parameter(Position = 0, Mandatory, ParameterSetName = 'NameParameterSet')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Parameter(Position = 1, Mandatory, ValueFromPipeline, ParameterSetName = 'NameParameterSet')]
        [Parameter(Position = 0, Mandatory, ParameterSetName = 'InfoParameterSet')]
        [hashtable] $Metadata,

        [Parameter(Position = 2, ParameterSetName = 'NameParameterSet')]
        [string] $Vault,

        [Parameter(Mandatory, ValueFromPipeline, ParameterSetName = 'InfoParameterSet')]
        [Microsoft.PowerShell.SecretManagement.SecretInformation] $InputObject
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
        Write-NoVaultWarning $PSCmdlet
    }

    process {
        if (-not $PSCmdlet.ShouldProcess($Vault, 'Write secret metadata to vault and override any existing metadata associated with the secret')) {
            return
        }

        $cmdlet = $PSCmdlet
        $secretName = $Name
        $vaultName = $Vault
        if ($PSCmdlet.ParameterSetName -eq 'InfoParameterSet') {
            $secretName = $InputObject.Name
            $vaultName = $InputObject.VaultName
        }

        Invoke-WithPasswordRequiredAsTerminating -Cmdlet $cmdlet -Body {
            if ([string]::IsNullOrEmpty($vaultName)) {
                $vaultName = Get-DefaultVaultName
                if ([string]::IsNullOrEmpty($vaultName)) {
                    $cmdlet.ThrowTerminatingError((New-ErrorRecord `
                                ([System.Management.Automation.PSInvalidOperationException]::new(
                                    'Unable to set secret metadata because no vault was provided and there is no default vault designated.')) `
                                'SetSecretInfoCommandFailNoVault' InvalidOperation))
                }
            }

            $extensionVault = Get-ExtensionVault -Cmdlet $cmdlet -Name $vaultName
            $null = Invoke-VaultSetSecretMetadata -Cmdlet $cmdlet -Vault $extensionVault -Name $secretName -Metadata $Metadata `
                -VaultName $extensionVault.VaultName
        }
    }
}

function Get-SecretVault {
    [CmdletBinding()]
    [OutputType([Microsoft.PowerShell.SecretManagement.SecretVaultInfo])]
    param(
        [Parameter(Position = 0)]
        [SupportsWildcards()]
        [string[]] $Name
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
    }

    end {
        $names = if ($null -eq $Name) { @('*') } else { $Name }
        $vaults = Get-VaultExtension
        foreach ($vaultName in $names) {
            if ([System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($vaultName)) {
                $pattern = [System.Management.Automation.WildcardPattern]::new($vaultName, [System.Management.Automation.WildcardOptions]::IgnoreCase)
                foreach ($candidate in $vaults.Values) {
                    if ($pattern.IsMatch($candidate.VaultName)) {
                        $PSCmdlet.WriteObject((New-SecretVaultInfo $candidate))
                    }
                }
            }
            elseif ($vaults.ContainsKey($vaultName)) {
                $PSCmdlet.WriteObject((New-SecretVaultInfo $vaults[$vaultName]))
            }
            else {
                $PSCmdlet.WriteError((New-ErrorRecord `
                            ([System.Management.Automation.ItemNotFoundException]::new("Vault $vaultName does not exist in registry.")) `
                            'GetSecretVaultNotFound' ObjectNotFound))
            }
        }
    }
}

function Register-SecretVault {
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([Microsoft.PowerShell.SecretManagement.SecretVaultInfo])]
    param(
        [Parameter(Position = 0, Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $ModuleName,

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [hashtable] $VaultParameters = @{},

        [switch] $DefaultVault,

        [switch] $AllowClobber,

        [switch] $PassThru,

        [string] $Description = ''
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
        if ($null -ne $VaultParameters -and $VaultParameters.ContainsKey('Verbose')) {
            $PSCmdlet.ThrowTerminatingError((New-ErrorRecord `
                        ([System.Management.Automation.PSInvalidOperationException]::new(
                            "The 'Verbose' parameter name is reserved and cannot be used in 'VaultParameters'")) `
                        'RegisterSecretVaultCommandCannotUseReservedName' InvalidOperation))
        }

        if (-not $PSBoundParameters.ContainsKey('Name')) {
            $leaf = Split-Path -Path $ModuleName -Leaf -ErrorAction SilentlyContinue
            if ([string]::IsNullOrEmpty($leaf)) {
                $PSCmdlet.ThrowTerminatingError((New-ErrorRecord `
                            ([System.Management.Automation.PSInvalidOperationException]::new(
                                "Unable to get friendly name from ModuleName : $ModuleName")) `
                            'RegisterSecretVaultCommandCannotParseModuleName' InvalidOperation))
            }
            $extension = [IO.Path]::GetExtension($leaf)
            if ($extension -eq '.psd1' -or $extension -eq '.psm1') {
                $leaf = [IO.Path]::GetFileNameWithoutExtension($leaf)
            }
            $Name = $leaf
        }
    }

    end {
        $registry = Read-VaultRegistry
        if ($registry.Vaults.ContainsKey($Name) -and -not $AllowClobber) {
            $PSCmdlet.ThrowTerminatingError((New-ErrorRecord `
                        ([System.InvalidOperationException]::new('Provided Name for vault is already being used.')) `
                        'RegisterSecretVaultInvalidVaultName' InvalidArgument))
        }

        if (-not $PSCmdlet.ShouldProcess($Name, 'Register module as a SecretManagement extension vault for current user')) {
            return
        }

        # A path is resolved against the caller's location; anything else is taken as a module name.
        $resolved = @(Resolve-Path -Path $ModuleName -ErrorAction Ignore)
        $moduleNameOrPath = if ($resolved.Count -eq 1) { $resolved[0].Path } else { $ModuleName }

        $loadError = $null
        $moduleInfo = Get-ProbeModuleInfo -ModulePath $moduleNameOrPath -LoadError ([ref] $loadError)
        if ($null -eq $moduleInfo) {
            $PSCmdlet.ThrowTerminatingError((New-ErrorRecord `
                        ([System.Management.Automation.PSInvalidOperationException]::new(
                            "Could not load and retrieve module information for module: $ModuleName with error : $loadError.")) `
                        'RegisterSecretVaultCantGetModuleInfo' InvalidOperation))
        }

        $supportsMetadata = $false
        $validationError = Test-ImplementingModule -DirectoryPath $moduleInfo.ModuleBase -ModuleName $moduleInfo.Name `
            -SetSecretSupportsMetadata ([ref] $supportsMetadata)
        if ($null -ne $validationError) {
            $PSCmdlet.ThrowTerminatingError((New-ErrorRecord `
                        ([System.Management.Automation.PSInvalidOperationException]::new(
                            "Module $($moduleInfo.Name) is not a valid extension vault: $($validationError.Message)", $validationError)) `
                        'RegisterSecretVaultInvalidExtensionVault' InvalidOperation))
        }

        # Store the folder named like the module, skipping any version folder below it.
        $directoryPath = $moduleInfo.ModuleBase
        if ((Split-Path -Path $directoryPath -Leaf) -ne $moduleInfo.Name) {
            $parent = [IO.Directory]::GetParent($moduleInfo.ModuleBase)
            while ($null -ne $parent -and $parent.Name -ne $moduleInfo.Name) {
                $parent = $parent.Parent
            }
            $directoryPath = if ($null -ne $parent) { $parent.FullName } else { $moduleInfo.ModuleBase }
        }

        $entry = @{
            ModulePath                = $directoryPath
            ModuleName                = $moduleInfo.Name
            VaultParameters           = $VaultParameters
            Description               = $Description
            SetSecretSupportsMetadata = $supportsMetadata
        }

        # The first vault registered becomes the default unless -DefaultVault:$false is given.
        $isDefault = if ($PSBoundParameters.ContainsKey('DefaultVault')) { $DefaultVault.IsPresent } else { $registry.Vaults.Count -eq 0 }

        try {
            Add-RegisteredVault -Name $Name -Entry $entry -DefaultVault $isDefault
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((New-ErrorRecord $_.Exception $_.Exception.GetType().FullName NotSpecified))
        }

        if ($PassThru) {
            $registered = (Get-VaultExtension)[$Name]
            if ($null -ne $registered) {
                $PSCmdlet.WriteObject((New-SecretVaultInfo $registered))
            }
        }
    }
}

$script:ProbePowerShell = $null

function Get-ProbeModuleInfo {
    # Imports a module in a private runspace (as the real module does) just to inspect it.
    param(
        [string] $ModulePath,
        [ref] $LoadError
    )

    if ($null -eq $script:ProbePowerShell) {
        $script:ProbePowerShell = [powershell]::Create([System.Management.Automation.RunspaceMode]::NewRunspace)
    }

    $probe = $script:ProbePowerShell
    $script = @'
param ([string] $ModulePath, [string] $SecretMgtModulePath)
# The vault module may depend on SecretManagement, so make sure it is loaded.
$null = Microsoft.PowerShell.Core\Import-Module -Name $SecretMgtModulePath -ErrorAction Ignore
Microsoft.PowerShell.Core\Import-Module -Name $ModulePath -Force -PassThru
'@
    try {
        $probe.Streams.Error.Clear()
        $results = $probe.AddScript($script).AddParameters(@{
                ModulePath          = $ModulePath
                SecretMgtModulePath = (Join-Path $PSScriptRoot 'Microsoft.PowerShell.SecretManagement.psd1')
            }).Invoke()
        $LoadError.Value = if ($probe.Streams.Error.Count -gt 0) { $probe.Streams.Error[0].ToString() } else { '' }
    }
    catch {
        $LoadError.Value = $_.Exception.Message
        $results = @()
    }
    finally {
        $probe.Commands.Clear()
    }

    $modules = @($results | Where-Object { $null -ne $_ -and $_.psobject.BaseObject -is [System.Management.Automation.PSModuleInfo] })
    if ($modules.Count -eq 1) {
        return $modules[0].psobject.BaseObject
    }
    return $null
}

function Test-ImplementingModule {
    # Checks <ModuleBase>/<Name>.Extension exports the required functions with the required parameter names.
    # Returns $null when valid, else an ItemNotFoundException describing the first problem.
    param(
        [string] $DirectoryPath,
        [string] $ModuleName,
        [ref] $SetSecretSupportsMetadata
    )

    $SetSecretSupportsMetadata.Value = $false
    $implementingPath = Join-Path $DirectoryPath "$ModuleName.Extension"
    $loadError = $null
    $implementing = Get-ProbeModuleInfo -ModulePath $implementingPath -LoadError ([ref] $loadError)
    if ($null -eq $implementing) {
        return [System.Management.Automation.ItemNotFoundException]::new(
            "Implementing script module could not be found or loaded at : $implementingPath with error : $loadError.")
    }

    $required = [ordered]@{
        'Get-Secret'       = @('Name', 'VaultName', 'AdditionalParameters')
        'Set-Secret'       = @('Name', 'Secret', 'VaultName', 'AdditionalParameters')
        'Remove-Secret'    = @('Name', 'VaultName', 'AdditionalParameters')
        'Get-SecretInfo'   = @('Filter', 'VaultName', 'AdditionalParameters')
        'Test-SecretVault' = @('VaultName', 'AdditionalParameters')
    }
    foreach ($function in $required.Keys) {
        if (-not $implementing.ExportedCommands.ContainsKey($function)) {
            return [System.Management.Automation.ItemNotFoundException]::new("$function function not found.")
        }
        $parameters = $implementing.ExportedCommands[$function].Parameters
        foreach ($parameter in $required[$function]) {
            if (-not $parameters.ContainsKey($parameter)) {
                return [System.Management.Automation.ItemNotFoundException]::new("$function $parameter parameter not found.")
            }
        }
        if ($function -eq 'Set-Secret' -and $parameters.ContainsKey('Metadata')) {
            $SetSecretSupportsMetadata.Value = $true
        }
    }
    return $null
}

function Unregister-SecretVault {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Position = 0, Mandatory, ValueFromPipeline, ParameterSetName = 'NameParameterSet')]
        [SupportsWildcards()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(Position = 0, Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName, ParameterSetName = 'SecretVaultParameterSet')]
        [ValidateNotNull()]
        [Microsoft.PowerShell.SecretManagement.SecretVaultInfo] $SecretVault
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
    }

    process {
        $cmdlet = $PSCmdlet
        $vaultNames = if ($PSCmdlet.ParameterSetName -eq 'NameParameterSet') { $Name } else { @($SecretVault.Name) }

        $removeVault = {
            param([string] $vaultName)
            if (-not $cmdlet.ShouldProcess($vaultName, 'Unregister SecretManagement extension vault module for current user')) {
                return
            }
            $extensionVault = (Get-VaultExtension)[$vaultName]
            if ($null -eq $extensionVault) {
                $cmdlet.WriteError((New-ErrorRecord `
                            ([System.Management.Automation.ItemNotFoundException]::new("Unable to find secret vault $vaultName to unregister it.")) `
                            'UnregisterSecretVaultObjectNotFound' ObjectNotFound))
                return
            }
            Invoke-VaultUnregister -Cmdlet $cmdlet -Vault $extensionVault
            Remove-RegisteredVault -Name $vaultName
            $cmdlet.WriteVerbose("Removed vault $($extensionVault.VaultName) from registry.")
        }

        Invoke-WithPasswordRequiredAsTerminating -Cmdlet $cmdlet -Body {
            foreach ($vaultName in $vaultNames) {
                if ([System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($vaultName)) {
                    $pattern = [System.Management.Automation.WildcardPattern]::new($vaultName, [System.Management.Automation.WildcardOptions]::IgnoreCase)
                    foreach ($candidate in @((Get-VaultExtension).Keys)) {
                        if ($pattern.IsMatch($candidate)) {
                            & $removeVault $candidate
                        }
                    }
                    # Quirk kept from the real module: names after the first wildcard entry are ignored.
                    return
                }
                & $removeVault $vaultName
            }
        }
    }
}

function Set-SecretVaultDefault {
    [CmdletBinding(SupportsShouldProcess, DefaultParameterSetName = 'NameParameterSet')]
    param(
        [Parameter(Position = 0, Mandatory, ValueFromPipeline, ParameterSetName = 'NameParameterSet')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Parameter(Position = 0, Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName, ParameterSetName = 'SecretVaultParameterSet')]
        [ValidateNotNull()]
        [Microsoft.PowerShell.SecretManagement.SecretVaultInfo] $SecretVault,

        [Parameter(ParameterSetName = 'ClearParameterSet')]
        [switch] $ClearDefault
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
    }

    end {
        if (-not $PSCmdlet.ShouldProcess($Name, 'Set vault as default')) {
            return
        }

        $vaultName = switch ($PSCmdlet.ParameterSetName) {
            'NameParameterSet' { $Name }
            'SecretVaultParameterSet' { $SecretVault.Name }
            default { '' }
        }

        try {
            Set-RegisteredDefaultVault -Name $vaultName
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((New-ErrorRecord $_.Exception 'VaultNotFound' ObjectNotFound))
        }
    }
}

function Test-SecretVault {
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [SupportsWildcards()]
        [string[]] $Name
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
    }

    process {
        $cmdlet = $PSCmdlet
        $names = if ($null -eq $Name) { @('*') } else { $Name }

        Invoke-WithPasswordRequiredAsTerminating -Cmdlet $cmdlet -Body {
            $vaults = Get-VaultExtension
            $count = 0
            $allPassed = $true

            $runTest = {
                param($extensionVault)
                $passed = Invoke-VaultTest -Cmdlet $cmdlet -Vault $extensionVault
                $message = if ($passed) { "Vault $($extensionVault.VaultName) succeeded validation test" } else { "Vault $($extensionVault.VaultName) failed validation test" }
                $cmdlet.WriteVerbose($message)
                return $passed
            }

            foreach ($vaultName in $names) {
                if ([System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($vaultName)) {
                    $pattern = [System.Management.Automation.WildcardPattern]::new($vaultName, [System.Management.Automation.WildcardOptions]::IgnoreCase)
                    foreach ($candidate in $vaults.Values) {
                        if ($pattern.IsMatch($candidate.VaultName)) {
                            $count++
                            if (-not (& $runTest $candidate)) {
                                $allPassed = $false
                            }
                        }
                    }
                }
                elseif ($vaults.ContainsKey($vaultName)) {
                    $count++
                    if (-not (& $runTest $vaults[$vaultName])) {
                        $allPassed = $false
                    }
                }
                else {
                    $cmdlet.WriteError((New-ErrorRecord `
                                ([System.Management.Automation.ItemNotFoundException]::new("Vault $vaultName does not exist in registry.")) `
                                'TestSecretVaultNotFound' ObjectNotFound))
                }
            }

            if ($count -gt 0) {
                $cmdlet.WriteObject($allPassed)
            }
        }
    }
}

function Unlock-SecretVault {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0, Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Parameter(Position = 1, Mandatory)]
        [securestring] $Password
    )

    begin {
        . Use-CallerPreference -CallerCmdlet $PSCmdlet
    }

    end {
        $cmdlet = $PSCmdlet
        Invoke-WithPasswordRequiredAsTerminating -Cmdlet $cmdlet -Body {
            $extensionVault = Get-ExtensionVault -Cmdlet $cmdlet -Name $Name
            Invoke-VaultUnlock -Cmdlet $cmdlet -Vault $extensionVault -Password $Password -VaultName $extensionVault.VaultName
        }
    }
}

#endregion

Export-ModuleMember -Function @(
    'Get-Secret'
    'Get-SecretInfo'
    'Get-SecretVault'
    'Register-SecretVault'
    'Remove-Secret'
    'Set-Secret'
    'Set-SecretInfo'
    'Set-SecretVaultDefault'
    'Test-SecretVault'
    'Unlock-SecretVault'
    'Unregister-SecretVault'
)

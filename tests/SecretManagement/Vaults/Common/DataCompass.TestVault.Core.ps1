# Shared implementation of the DataCompass test vaults (dot-sourced by each vault's .Extension module).
# A file-backed SecretManagement extension vault that works under the real Microsoft.PowerShell.SecretManagement
# as well as under the test stand-in. Everything it needs comes from AdditionalParameters (the registered
# VaultParameters plus 'Verbose'); all state is in files under VaultParameters.Path, re-read on every call:
#   <Path>/<VaultName>.json        the secrets (plain text: test data only)
#   <Path>/<VaultName>.unlocked    present after a successful Unlock-SecretVault (Locked = $true vaults)
#   <Path>/<VaultName>.setcount    Set-Secret calls so far (FailAfter)
#   <Path>/<VaultName>.calls.log   one '<Function> <Name>' line per call
#   <Path>/<VaultName>.lock        held (exclusively) while a call changes the store, so that processes writing
#                                  at once lose none of each other's secrets, as with any real vault
#   <Path>/<VaultName>.rotate.json { "<secret name>": "<next value>" }: right after Get-Secret hands out a listed
#                                  secret, the secret takes its next value and leaves the list (a rotation that
#                                  lands just after a reader read the old value)
# Behaviour switches (flat scalar VaultParameters):
#   Locked = $true, Password = '<plain>'   PasswordRequiredException until Unlock-SecretVault gets the password
#   Fail = Get|Set|Remove|Info|SetInfo|Test|Unlock|All   the named function(s) throw InvalidOperationException
#   FailAfter = N                          the first N Set-Secret calls succeed, later ones throw
#   PauseBeforeRemoveMs = N                Remove-Secret waits N ms before it removes (a crash test's kill window)
#   Timeout = Get|Set|Remove|Info|All, TimeoutMs = N   the named function(s) wait N ms (default 500), then throw
#                                          TimeoutException, as a remote vault that does not answer in time
# Written for Windows PowerShell 5.1 as well as PowerShell 7 (no ternaries or null-coalescing).

Set-StrictMode -Version 3.0

$script:TvPasswordRequiredMessage = 'A valid password is required to access the Microsoft.PowerShell.SecretStore vault.'
$script:TvFailAllCovers = @('Get', 'Set', 'Remove', 'Info', 'SetInfo')
$script:TvJsonSupportsDateKind = (Get-Command -Name ConvertFrom-Json).Parameters.ContainsKey('DateKind')

#region Settings and state files

function Get-TvSetting {
    # VaultParameters keys are matched case-insensitively (SecretManagement hands over a case-sensitive Hashtable).
    param(
        [hashtable] $AdditionalParameters,
        [string] $Key
    )

    if ($null -eq $AdditionalParameters) {
        return $null
    }
    foreach ($candidate in $AdditionalParameters.Keys) {
        if ([string] $candidate -eq $Key) {
            return $AdditionalParameters[$candidate]
        }
    }
    return $null
}

function Test-TvFlag {
    param($Value)

    if ($null -eq $Value) {
        return $false
    }
    if ($Value -is [string]) {
        return $Value -eq 'true' -or $Value -eq '1' -or $Value -eq '$true'
    }
    return [bool] $Value
}

function Get-TvFolder {
    param(
        [hashtable] $AdditionalParameters,
        [string] $VaultName
    )

    $folder = Get-TvSetting $AdditionalParameters 'Path'
    if ([string]::IsNullOrEmpty([string] $folder)) {
        throw [System.ArgumentException]::new(
            "Vault '$VaultName' needs a 'Path' entry in its VaultParameters: the folder that holds its files.")
    }
    return [string] $folder
}

function Get-TvStateFile {
    # <Path>/<VaultName><Suffix>. SecretManagement passes the caller's spelling of the vault name to some
    # functions, so an existing file whose name differs only in case is reused.
    param(
        [hashtable] $AdditionalParameters,
        [string] $VaultName,
        [string] $Suffix
    )

    $folder = Get-TvFolder $AdditionalParameters $VaultName
    $wanted = "$VaultName$Suffix"
    $exact = Join-Path $folder $wanted
    if ([IO.File]::Exists($exact) -or -not [IO.Directory]::Exists($folder)) {
        return $exact
    }
    foreach ($file in [IO.Directory]::GetFiles($folder)) {
        if ([IO.Path]::GetFileName($file) -eq $wanted) {
            return $file
        }
    }
    return $exact
}

function Write-TvCall {
    param(
        [hashtable] $AdditionalParameters,
        [string] $VaultName,
        [string] $Function,
        [string] $Subject
    )

    $folder = Get-TvFolder $AdditionalParameters $VaultName
    $null = [IO.Directory]::CreateDirectory($folder)
    $logFile = Get-TvStateFile $AdditionalParameters $VaultName '.calls.log'
    [IO.File]::AppendAllText($logFile, "$Function $Subject" + [Environment]::NewLine)
}

function Test-TvLocked {
    param(
        [hashtable] $AdditionalParameters,
        [string] $VaultName
    )

    if (-not (Test-TvFlag (Get-TvSetting $AdditionalParameters 'Locked'))) {
        return $false
    }
    return -not [IO.File]::Exists((Get-TvStateFile $AdditionalParameters $VaultName '.unlocked'))
}

function Test-TvFailure {
    # True when VaultParameters.Fail names this operation (or is 'All' and the operation is a data operation).
    param(
        [hashtable] $AdditionalParameters,
        [string] $Operation
    )

    $fail = [string] (Get-TvSetting $AdditionalParameters 'Fail')
    if ([string]::IsNullOrEmpty($fail)) {
        return $false
    }
    if ($fail -eq $Operation) {
        return $true
    }
    return $fail -eq 'All' -and $script:TvFailAllCovers -contains $Operation
}

function Enter-TvCall {
    <#
        Common prologue: log the call, honour -Verbose, then refuse if locked or told to fail.
        Operation is the Fail key (Get, Set, Remove, Info, SetInfo, Test, Unlock) or '' for none.
    #>
    param(
        [hashtable] $AdditionalParameters,
        [string] $VaultName,
        [string] $Function,
        [string] $Subject,
        [string] $Operation,
        [switch] $IgnoreLock
    )

    Write-TvCall $AdditionalParameters $VaultName $Function $Subject
    if (Test-TvFlag (Get-TvSetting $AdditionalParameters 'Verbose')) {
        Write-Verbose -Message "DataCompass test vault '$VaultName': $Function $Subject" -Verbose
    }
    if (-not $IgnoreLock -and (Test-TvLocked $AdditionalParameters $VaultName)) {
        throw [Microsoft.PowerShell.SecretManagement.PasswordRequiredException]::new($script:TvPasswordRequiredMessage)
    }
    if ($Operation -and (Test-TvFailure $AdditionalParameters $Operation)) {
        throw [System.InvalidOperationException]::new('Simulated vault failure')
    }
    $timeout = [string] (Get-TvSetting $AdditionalParameters 'Timeout')
    if ($Operation -and $timeout -and ($timeout -eq $Operation -or ($timeout -eq 'All' -and $script:TvFailAllCovers -contains $Operation))) {
        $wait = Get-TvSetting $AdditionalParameters 'TimeoutMs'
        if ($null -eq $wait -or "$wait" -eq '') { $wait = 500 }
        Start-Sleep -Milliseconds ([int] $wait)
        throw [System.TimeoutException]::new("Simulated vault timeout: no answer within $wait ms")
    }
}

#endregion

#region Store

function Read-TvStore {
    # Returns a List of entry hashtables: @{ Name; Type; Value; Metadata }.
    param(
        [hashtable] $AdditionalParameters,
        [string] $VaultName
    )

    $entries = New-Object 'System.Collections.Generic.List[hashtable]'
    $file = Get-TvStateFile $AdditionalParameters $VaultName '.json'
    if (-not [IO.File]::Exists($file)) {
        return , $entries
    }

    $json = [IO.File]::ReadAllText($file)
    if ([string]::IsNullOrWhiteSpace($json)) {
        return , $entries
    }

    # Keep ISO-8601 looking strings as strings (PowerShell 7.5+); older versions would turn them into dates.
    $jsonOptions = @{}
    if ($script:TvJsonSupportsDateKind) {
        $jsonOptions['DateKind'] = 'String'
    }
    $document = ConvertFrom-Json -InputObject $json @jsonOptions
    foreach ($item in @($document.Secrets)) {
        if ($null -eq $item) {
            continue
        }
        $entries.Add(@{
                Name     = [string] $item.Name
                Type     = [string] $item.Type
                Value    = $item.Value
                Metadata = $item.Metadata
            })
    }
    return , $entries
}

function Enter-TvStoreLock {
    # The store is read, changed and written back under this lock; waits for another process's change.
    param([hashtable] $AdditionalParameters, [string] $VaultName)
    $null = [IO.Directory]::CreateDirectory((Get-TvFolder $AdditionalParameters $VaultName))
    $file = Get-TvStateFile $AdditionalParameters $VaultName '.lock'
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        try {
            return [IO.File]::Open($file, [IO.FileMode]::OpenOrCreate, [IO.FileAccess]::ReadWrite, [IO.FileShare]::None)
        }
        catch [System.IO.IOException] {
            if ([DateTime]::UtcNow -gt $deadline) { throw }
            Start-Sleep -Milliseconds 10
        }
    }
}

function Write-TvStore {
    param(
        [hashtable] $AdditionalParameters,
        [string] $VaultName,
        [System.Collections.Generic.List[hashtable]] $Entries
    )

    $folder = Get-TvFolder $AdditionalParameters $VaultName
    $null = [IO.Directory]::CreateDirectory($folder)
    $file = Get-TvStateFile $AdditionalParameters $VaultName '.json'
    $json = ConvertTo-Json -InputObject @{ Secrets = @($Entries.ToArray()) } -Depth 10
    # Written beside the store and renamed over it: a process killed mid-write (the chaos tests do that) leaves
    # the old store or the new one, never a truncated file that has lost every other secret.
    $staging = "$file.$([guid]::NewGuid().ToString('n')).tmp"
    [IO.File]::WriteAllText($staging, $json)
    [IO.File]::Move($staging, $file, $true)
}

function Find-TvEntryIndex {
    # Secret names compare case-insensitively, as in SecretStore.
    param(
        [System.Collections.Generic.List[hashtable]] $Entries,
        [string] $Name
    )

    for ($i = 0; $i -lt $Entries.Count; $i++) {
        if ($Entries[$i].Name -eq $Name) {
            return $i
        }
    }
    return -1
}

#endregion

#region Value conversion

function ConvertTo-TvPlainText {
    param([securestring] $SecureString)
    return [System.Net.NetworkCredential]::new('', $SecureString).Password
}

function ConvertTo-TvSecureString {
    param([string] $Text)

    $secure = New-Object System.Security.SecureString
    foreach ($character in $Text.ToCharArray()) {
        $secure.AppendChar($character)
    }
    $secure.MakeReadOnly()
    return , $secure
}

function ConvertTo-TvStoredValue {
    # Secret -> @{ Type; Value } for the JSON file. Hashtable values may be string, SecureString, PSCredential
    # or byte[] (no nested hashtables), as in SecretStore.
    param(
        $Secret,
        [string] $VaultName,
        [switch] $InHashtable
    )

    if ($null -ne $Secret) {
        $Secret = $Secret.psobject.BaseObject
    }

    if ($Secret -is [string]) {
        return @{ Type = 'String'; Value = $Secret }
    }
    if ($Secret -is [securestring]) {
        return @{ Type = 'SecureString'; Value = (ConvertTo-TvPlainText $Secret) }
    }
    if ($Secret -is [pscredential]) {
        return @{
            Type  = 'PSCredential'
            Value = @{ UserName = $Secret.UserName; Password = (ConvertTo-TvPlainText $Secret.Password) }
        }
    }
    if ($Secret -is [byte[]]) {
        return @{ Type = 'ByteArray'; Value = [Convert]::ToBase64String($Secret) }
    }
    if ($Secret -is [hashtable] -and -not $InHashtable) {
        $items = @()
        foreach ($key in $Secret.Keys) {
            $stored = ConvertTo-TvStoredValue -Secret $Secret[$key] -VaultName $VaultName -InHashtable
            $items += , @{ Key = [string] $key; Type = $stored.Type; Value = $stored.Value }
        }
        return @{ Type = 'Hashtable'; Value = $items }
    }

    $typeName = if ($null -eq $Secret) { 'null' } else { $Secret.GetType().FullName }
    $where = if ($InHashtable) { 'a Hashtable secret value' } else { 'a secret' }
    throw [System.ArgumentException]::new(
        "Vault '$VaultName' cannot store $typeName as $where. Supported: String, SecureString, PSCredential, byte[], Hashtable.")
}

function ConvertFrom-TvStoredValue {
    param(
        [string] $Type,
        $Value
    )

    switch ($Type) {
        'String' { return [string] $Value }
        'SecureString' { return ConvertTo-TvSecureString ([string] $Value) }
        'PSCredential' {
            return New-Object System.Management.Automation.PSCredential -ArgumentList @(
                [string] $Value.UserName, (ConvertTo-TvSecureString ([string] $Value.Password)))
        }
        'ByteArray' { return , [Convert]::FromBase64String([string] $Value) }
        'Hashtable' {
            $table = @{}
            foreach ($item in @($Value)) {
                if ($null -eq $item) {
                    continue
                }
                $table[[string] $item.Key] = ConvertFrom-TvStoredValue -Type ([string] $item.Type) -Value $item.Value
            }
            return $table
        }
    }
    throw [System.InvalidOperationException]::new("Unknown stored secret type '$Type'.")
}

function ConvertTo-TvStoredMetadata {
    # Metadata values keep their type: string, int, long, double, bool and DateTime are supported.
    param(
        [hashtable] $Metadata,
        [string] $VaultName
    )

    if ($null -eq $Metadata -or $Metadata.Count -eq 0) {
        return $null
    }

    $items = @()
    foreach ($key in $Metadata.Keys) {
        $value = $Metadata[$key]
        if ($null -ne $value) {
            $value = $value.psobject.BaseObject
        }
        $item = @{ Key = [string] $key }
        if ($value -is [string]) { $item.Type = 'String'; $item.Value = $value }
        elseif ($value -is [int]) { $item.Type = 'Int32'; $item.Value = $value }
        elseif ($value -is [long]) { $item.Type = 'Int64'; $item.Value = $value }
        elseif ($value -is [double]) { $item.Type = 'Double'; $item.Value = $value }
        elseif ($value -is [bool]) { $item.Type = 'Boolean'; $item.Value = $value }
        elseif ($value -is [datetime]) { $item.Type = 'DateTime'; $item.Value = $value.ToString('o', [Globalization.CultureInfo]::InvariantCulture) }
        else {
            $typeName = if ($null -eq $value) { 'null' } else { $value.GetType().FullName }
            throw [System.ArgumentException]::new(
                "Vault '$VaultName' cannot store metadata '$key' of type $typeName. Supported: string, int, long, double, bool, DateTime.")
        }
        $items += , $item
    }
    return , $items
}

function ConvertFrom-TvStoredMetadata {
    # Returns a Hashtable, or $null when the secret has no metadata.
    param($Stored)

    if ($null -eq $Stored) {
        return $null
    }
    $metadata = @{}
    foreach ($item in @($Stored)) {
        if ($null -eq $item) {
            continue
        }
        $value = switch ([string] $item.Type) {
            'Int32' { [int] $item.Value }
            'Int64' { [long] $item.Value }
            'Double' { [double] $item.Value }
            'Boolean' { [bool] $item.Value }
            'DateTime' { [datetime]::Parse([string] $item.Value, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind) }
            default { [string] $item.Value }
        }
        $metadata[[string] $item.Key] = $value
    }
    if ($metadata.Count -eq 0) {
        return $null
    }
    return $metadata
}

#endregion

#region Operations (called by the .Extension modules' public functions)

function Invoke-TvGetSecret {
    param([string] $Name, [string] $VaultName, [hashtable] $AdditionalParameters)

    Enter-TvCall $AdditionalParameters $VaultName 'Get-Secret' $Name 'Get'
    $entries = Read-TvStore $AdditionalParameters $VaultName
    $index = Find-TvEntryIndex $entries $Name
    if ($index -lt 0) {
        return
    }
    $entry = $entries[$index]
    # -NoEnumerate keeps a byte[] in one piece.
    Write-Output -InputObject (ConvertFrom-TvStoredValue -Type $entry.Type -Value $entry.Value) -NoEnumerate
    Invoke-TvPendingRotation $AdditionalParameters $VaultName $entries[$index].Name
}

function Invoke-TvPendingRotation {
    param([hashtable] $AdditionalParameters, [string] $VaultName, [string] $Name)
    $file = Get-TvStateFile $AdditionalParameters $VaultName '.rotate.json'
    if (-not [IO.File]::Exists($file)) {
        return
    }
    $pending = ConvertFrom-Json -InputObject ([IO.File]::ReadAllText($file))
    $next = $pending.PSObject.Properties | Where-Object { $_.Name -eq $name } | Select-Object -First 1
    if (-not $next) {
        return
    }
    $stored = ConvertTo-TvStoredValue -Secret ([string] $next.Value) -VaultName $VaultName
    $lock = Enter-TvStoreLock $AdditionalParameters $VaultName
    try {
        $current = Read-TvStore $AdditionalParameters $VaultName
        $at = Find-TvEntryIndex $current $name
        if ($at -ge 0) {
            $current[$at] = @{ Name = $name; Type = $stored.Type; Value = $stored.Value; Metadata = $current[$at].Metadata }
            Write-TvStore $AdditionalParameters $VaultName $current
        }
    }
    finally {
        $lock.Dispose()
    }
    $pending.PSObject.Properties.Remove($next.Name)
    [IO.File]::WriteAllText($file, (ConvertTo-Json -InputObject $pending -Compress))
}

function Invoke-TvSetSecret {
    param(
        [string] $Name,
        $Secret,
        [string] $VaultName,
        [hashtable] $AdditionalParameters,
        [hashtable] $Metadata
    )

    Enter-TvCall $AdditionalParameters $VaultName 'Set-Secret' $Name 'Set'

    $failAfter = Get-TvSetting $AdditionalParameters 'FailAfter'
    if ($null -ne $failAfter -and "$failAfter" -ne '') {
        $counterFile = Get-TvStateFile $AdditionalParameters $VaultName '.setcount'
        $count = 0
        if ([IO.File]::Exists($counterFile)) {
            $count = [int] ([IO.File]::ReadAllText($counterFile).Trim())
        }
        $count++
        [IO.File]::WriteAllText($counterFile, [string] $count)
        if ($count -gt [int] $failAfter) {
            throw [System.InvalidOperationException]::new('Simulated vault failure')
        }
    }

    $stored = ConvertTo-TvStoredValue -Secret $Secret -VaultName $VaultName
    # Writing a secret replaces its metadata (none given = none kept).
    $storedMetadata = ConvertTo-TvStoredMetadata -Metadata $Metadata -VaultName $VaultName
    $entry = @{ Name = $Name; Type = $stored.Type; Value = $stored.Value; Metadata = $storedMetadata }
    $lock = Enter-TvStoreLock $AdditionalParameters $VaultName
    try {
        $entries = Read-TvStore $AdditionalParameters $VaultName
        $index = Find-TvEntryIndex $entries $Name
        if ($index -ge 0) {
            $entries[$index] = $entry
        }
        else {
            $entries.Add($entry)
        }
        Write-TvStore $AdditionalParameters $VaultName $entries
    }
    finally {
        $lock.Dispose()
    }

    # The secret is stored; a pause before returning widens the window a crash test aims its kill at.
    $pause = Get-TvSetting $AdditionalParameters 'PauseAfterSetMs'
    if ($null -ne $pause -and "$pause" -ne '') {
        Start-Sleep -Milliseconds ([int] $pause)
    }
}

function Invoke-TvRemoveSecret {
    param([string] $Name, [string] $VaultName, [hashtable] $AdditionalParameters)

    Enter-TvCall $AdditionalParameters $VaultName 'Remove-Secret' $Name 'Remove'
    $pause = Get-TvSetting $AdditionalParameters 'PauseBeforeRemoveMs'
    if ($null -ne $pause -and "$pause" -ne '') {
        Start-Sleep -Milliseconds ([int] $pause)
    }
    $lock = Enter-TvStoreLock $AdditionalParameters $VaultName
    try {
        $entries = Read-TvStore $AdditionalParameters $VaultName
        $index = Find-TvEntryIndex $entries $Name
        if ($index -ge 0) {
            $entries.RemoveAt($index)
            Write-TvStore $AdditionalParameters $VaultName $entries
        }
    }
    finally {
        $lock.Dispose()
    }
    if ($index -lt 0) {
        Write-Error -Message "Unable to remove secret '$Name' from vault '$VaultName': the secret was not found." `
            -Category ObjectNotFound -ErrorId 'DataCompassTestVaultSecretNotFound' -TargetObject $Name
    }
}

function Invoke-TvGetSecretInfo {
    param([string] $Filter, [string] $VaultName, [hashtable] $AdditionalParameters)

    Enter-TvCall $AdditionalParameters $VaultName 'Get-SecretInfo' $Filter 'Info'
    if ([string]::IsNullOrEmpty($Filter)) {
        $Filter = '*'
    }
    $pattern = New-Object System.Management.Automation.WildcardPattern -ArgumentList @(
        $Filter, [System.Management.Automation.WildcardOptions]::IgnoreCase)

    $entries = Read-TvStore $AdditionalParameters $VaultName
    foreach ($entry in ($entries | Sort-Object -Property { $_.Name })) {
        if (-not $pattern.IsMatch($entry.Name)) {
            continue
        }
        $type = [Microsoft.PowerShell.SecretManagement.SecretType] $entry.Type
        $metadata = ConvertFrom-TvStoredMetadata $entry.Metadata
        if ($null -eq $metadata) {
            New-Object Microsoft.PowerShell.SecretManagement.SecretInformation -ArgumentList @($entry.Name, $type, $VaultName)
        }
        else {
            New-Object Microsoft.PowerShell.SecretManagement.SecretInformation -ArgumentList @($entry.Name, $type, $VaultName, $metadata)
        }
    }
}

function Invoke-TvSetSecretInfo {
    param([string] $Name, [hashtable] $Metadata, [string] $VaultName, [hashtable] $AdditionalParameters)

    Enter-TvCall $AdditionalParameters $VaultName 'Set-SecretInfo' $Name 'SetInfo'
    $lock = Enter-TvStoreLock $AdditionalParameters $VaultName
    try {
        $entries = Read-TvStore $AdditionalParameters $VaultName
        $index = Find-TvEntryIndex $entries $Name
        if ($index -lt 0) {
            throw [System.Management.Automation.ItemNotFoundException]::new(
                "Cannot set metadata: secret '$Name' was not found in vault '$VaultName'.")
        }
        # An empty Hashtable removes the metadata.
        $entries[$index].Metadata = ConvertTo-TvStoredMetadata -Metadata $Metadata -VaultName $VaultName
        Write-TvStore $AdditionalParameters $VaultName $entries
    }
    finally {
        $lock.Dispose()
    }
}

function Invoke-TvTestSecretVault {
    param([string] $VaultName, [hashtable] $AdditionalParameters)

    Enter-TvCall $AdditionalParameters $VaultName 'Test-SecretVault' $VaultName 'Test' -IgnoreLock
    if (Test-TvLocked $AdditionalParameters $VaultName) {
        return $false
    }
    # Fail = 'All' makes the data functions throw; the self-test reports that as a failed test.
    return [string] (Get-TvSetting $AdditionalParameters 'Fail') -ne 'All'
}

function Invoke-TvUnlockSecretVault {
    param([securestring] $Password, [string] $VaultName, [hashtable] $AdditionalParameters)

    Enter-TvCall $AdditionalParameters $VaultName 'Unlock-SecretVault' $VaultName 'Unlock' -IgnoreLock
    $expected = Get-TvSetting $AdditionalParameters 'Password'
    if ($null -eq $expected) {
        throw [System.InvalidOperationException]::new(
            "Vault '$VaultName' has no 'Password' entry in its VaultParameters to unlock with.")
    }
    if ($null -eq $Password -or (ConvertTo-TvPlainText $Password) -cne [string] $expected) {
        throw [System.UnauthorizedAccessException]::new("The password for vault '$VaultName' is not valid.")
    }
    [IO.File]::WriteAllText((Get-TvStateFile $AdditionalParameters $VaultName '.unlocked'), [DateTime]::UtcNow.ToString('o'))
}

function Invoke-TvUnregisterSecretVault {
    # Not subject to Locked, so a locked vault can always be unregistered. Forgets the unlock state; keeps secrets.
    param([string] $VaultName, [hashtable] $AdditionalParameters)

    Enter-TvCall $AdditionalParameters $VaultName 'Unregister-SecretVault' $VaultName '' -IgnoreLock
    $unlocked = Get-TvStateFile $AdditionalParameters $VaultName '.unlocked'
    if ([IO.File]::Exists($unlocked)) {
        [IO.File]::Delete($unlocked)
    }
}

#endregion

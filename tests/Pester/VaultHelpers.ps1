# Vaults for the Pester suite, dot-sourced after TestHelpers.ps1. They are registered through the public
# Register-SecretVault, so the same calls work against the stand-in and against the real SecretManagement
# (build.ps1 -SecretManagement Real). The vault itself is tests/SecretManagement/Vaults/DataCompass.TestVault:
# file-backed, with switches for a locked vault, failures and a call log.

$script:TestVaultModule = Join-Path $PSScriptRoot '../SecretManagement/Vaults/DataCompass.TestVault'
$script:TestVaultNoMetadataModule = Join-Path $PSScriptRoot '../SecretManagement/Vaults/DataCompass.TestVaultNoMetadata'

function New-TestVault {
    <#
    .SYNOPSIS
        Registers a file-backed test vault under a unique name and returns its name. -Default makes it the default.
    .PARAMETER Behaviour
        Extra flat VaultParameters: Locked = $true, Password = 'pw', Fail = 'Get'|'Set'|..., FailAfter = N, PauseAfterSetMs = N, PauseBeforeRemoveMs = N,
        Timeout = 'Get'|'Set'|... with TimeoutMs = N (waits, then throws TimeoutException).
    #>
    param(
        [string] $Prefix = 'DcTest',
        [hashtable] $Behaviour = @{},
        [switch] $Default,
        [switch] $NoMetadata
    )
    $name = '{0}{1}' -f $Prefix, ([guid]::NewGuid().ToString('n').Substring(0, 8))
    $folder = Join-Path ([IO.Path]::GetTempPath()) "dc-vault-$name"
    New-Item -ItemType Directory -Force -Path $folder | Out-Null
    $parameters = @{ Path = $folder }
    foreach ($key in $Behaviour.Keys) { $parameters[$key] = $Behaviour[$key] }
    $module = if ($NoMetadata) { $script:TestVaultNoMetadataModule } else { $script:TestVaultModule }
    Register-SecretVault -Name $name -ModuleName (Resolve-Path $module).Path -VaultParameters $parameters -DefaultVault:$Default -AllowClobber
    if ($Default) { Set-SecretVaultDefault -Name $name }
    return $name
}

function Get-TestVaultFolder([string] $Name) {
    return Join-Path ([IO.Path]::GetTempPath()) "dc-vault-$Name"
}

function Get-TestVaultCall {
    <#
    .SYNOPSIS
        The vault functions called so far, one '<Function> <Name>' string each (e.g. 'Get-Secret DataCompass-prod-password').
    #>
    param([Parameter(Mandatory)] [string] $Name)
    $log = Get-ChildItem -Path (Get-TestVaultFolder $Name) -Filter '*.calls.log' -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($log) { @(Get-Content -LiteralPath $log.FullName) } else { @() }
}

function Clear-TestVaultCall([string] $Name) {
    Get-ChildItem -Path (Get-TestVaultFolder $Name) -Filter '*.calls.log' -ErrorAction SilentlyContinue | Remove-Item
}

function Remove-TestVault {
    <#
    .SYNOPSIS
        Unregisters test vaults (all DcTest* ones by default) and deletes their files.
    #>
    param([string[]] $Name)
    $vaults = if ($Name) { $Name } else { @(Get-SecretVault | Where-Object Name -like 'DcTest*' | ForEach-Object Name) }
    foreach ($vault in $vaults) {
        Unregister-SecretVault -Name $vault -ErrorAction SilentlyContinue
        Remove-Item -Recurse -Force -LiteralPath (Get-TestVaultFolder $vault) -ErrorAction SilentlyContinue
    }
}

function Get-TestVaultFiles([string] $Name) {
    # The vault's own files hold the secrets in clear (they are the "vault"): canary sweeps leave them out.
    Get-ChildItem -Path (Get-TestVaultFolder $Name) -File -ErrorAction SilentlyContinue
}

function Set-TestVaultRotation {
    <#
    .SYNOPSIS
        Makes the vault rotate a secret just after its next read: Get-Secret hands out the current value, then the
        secret holds $NextValue (a rotation that lands between a reader's read and its use of the value).
    #>
    param([Parameter(Mandatory)] [string] $Vault, [Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $NextValue)
    $file = Join-Path (Get-TestVaultFolder $Vault) "$Vault.rotate.json"
    $pending = if (Test-Path -LiteralPath $file) { Get-Content -Raw -LiteralPath $file | ConvertFrom-Json -AsHashtable } else { @{} }
    $pending[$Name] = $NextValue
    Set-Content -LiteralPath $file -Value ($pending | ConvertTo-Json -Compress) -NoNewline
}

# SecretManagement extension functions of DataCompass.TestVaultNoMetadata: like DataCompass.TestVault, but
# Set-Secret has NO Metadata parameter and Set-SecretInfo does not exist.

. (Join-Path $PSScriptRoot '../../Common/DataCompass.TestVault.Core.ps1')

function Get-Secret {
    [CmdletBinding()]
    param(
        [string] $Name,
        [string] $VaultName,
        [hashtable] $AdditionalParameters
    )
    Invoke-TvGetSecret -Name $Name -VaultName $VaultName -AdditionalParameters $AdditionalParameters
}

function Set-Secret {
    [CmdletBinding()]
    param(
        [string] $Name,
        [object] $Secret,
        [string] $VaultName,
        [hashtable] $AdditionalParameters
    )
    Invoke-TvSetSecret -Name $Name -Secret $Secret -VaultName $VaultName -AdditionalParameters $AdditionalParameters
}

function Remove-Secret {
    [CmdletBinding()]
    param(
        [string] $Name,
        [string] $VaultName,
        [hashtable] $AdditionalParameters
    )
    Invoke-TvRemoveSecret -Name $Name -VaultName $VaultName -AdditionalParameters $AdditionalParameters
}

function Get-SecretInfo {
    [CmdletBinding()]
    param(
        [string] $Filter,
        [string] $VaultName,
        [hashtable] $AdditionalParameters
    )
    Invoke-TvGetSecretInfo -Filter $Filter -VaultName $VaultName -AdditionalParameters $AdditionalParameters
}

function Test-SecretVault {
    [CmdletBinding()]
    param(
        [string] $VaultName,
        [hashtable] $AdditionalParameters
    )
    Invoke-TvTestSecretVault -VaultName $VaultName -AdditionalParameters $AdditionalParameters
}

function Unlock-SecretVault {
    [CmdletBinding()]
    param(
        [securestring] $Password,
        [string] $VaultName,
        [hashtable] $AdditionalParameters
    )
    Invoke-TvUnlockSecretVault -Password $Password -VaultName $VaultName -AdditionalParameters $AdditionalParameters
}

function Unregister-SecretVault {
    [CmdletBinding()]
    param(
        [string] $VaultName,
        [hashtable] $AdditionalParameters
    )
    Invoke-TvUnregisterSecretVault -VaultName $VaultName -AdditionalParameters $AdditionalParameters
}

Export-ModuleMember -Function Get-Secret, Set-Secret, Remove-Secret, Get-SecretInfo, Test-SecretVault, Unlock-SecretVault, Unregister-SecretVault

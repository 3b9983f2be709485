# Test stand-in for Microsoft.PowerShell.SecretManagement 1.1.2. Loaded only when the real module is absent:
# prepend tests/SecretManagement/StandIn to $env:PSModulePath. See tests/SecretManagement/README.md.
@{
    RootModule           = 'Microsoft.PowerShell.SecretManagement.psm1'
    ModuleVersion        = '1.1.2'
    # The real module's GUID, so -FullyQualifiedName / RequiredModules specifications match either one.
    GUID                 = 'a5c858f6-4a8e-41f1-b1ee-0ff8f6ad69d3'
    Author               = 'DataCompass tests'
    CompanyName          = 'DataCompass'
    Copyright            = 'Test stand-in; behaviour modelled on PowerShell/SecretManagement (MIT).'
    Description          = 'Test stand-in for Microsoft.PowerShell.SecretManagement: the same cmdlets, types and errors, running in-process.'
    PowerShellVersion    = '7.0'
    FormatsToProcess     = @('Microsoft.PowerShell.SecretManagement.Format.ps1xml')
    FunctionsToExport    = @(
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
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        # Lets a test suite report which SecretManagement it ran against.
        IsTestStandIn = $true
        PSData        = @{
            Tags = @('SecretManagement', 'TestStandIn')
        }
    }
}

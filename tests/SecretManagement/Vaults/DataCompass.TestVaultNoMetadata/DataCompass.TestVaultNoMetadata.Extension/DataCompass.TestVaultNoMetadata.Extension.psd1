@{
    RootModule        = 'DataCompass.TestVaultNoMetadata.Extension.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = 'c3f7e9a1-2b4d-4d6f-a8c0-5e1b3d7f9a44'
    Author            = 'DataCompass tests'
    Description       = 'SecretManagement extension functions of the DataCompass.TestVaultNoMetadata test vault.'
    PowerShellVersion = '5.1'
    FunctionsToExport = @(
        'Get-Secret'
        'Set-Secret'
        'Remove-Secret'
        'Get-SecretInfo'
        'Test-SecretVault'
        'Unlock-SecretVault'
        'Unregister-SecretVault'
    )
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}

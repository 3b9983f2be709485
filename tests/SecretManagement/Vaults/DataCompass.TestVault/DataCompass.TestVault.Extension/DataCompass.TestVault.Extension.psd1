@{
    RootModule        = 'DataCompass.TestVault.Extension.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '6e0c2b7d-8f53-4c1a-b0de-2a9d4f5e7c21'
    Author            = 'DataCompass tests'
    Description       = 'SecretManagement extension functions of the DataCompass.TestVault test vault.'
    PowerShellVersion = '5.1'
    FunctionsToExport = @(
        'Get-Secret'
        'Set-Secret'
        'Remove-Secret'
        'Get-SecretInfo'
        'Test-SecretVault'
        'Set-SecretInfo'
        'Unlock-SecretVault'
        'Unregister-SecretVault'
    )
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}

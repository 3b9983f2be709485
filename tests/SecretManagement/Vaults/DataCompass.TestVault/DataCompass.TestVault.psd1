# DataCompass test vault: a file-backed SecretManagement extension vault with metadata support.
# Register with:  Register-SecretVault -ModuleName <this folder> -Name <vault> -VaultParameters @{ Path = '<folder>' }
# Behaviour switches and state files: see ../Common/DataCompass.TestVault.Core.ps1.
@{
    ModuleVersion     = '1.0.0'
    GUID              = '0b6f3c1e-5d0a-4f4e-9a57-3f1f0c6d2a11'
    Author            = 'DataCompass tests'
    Description       = 'File-backed SecretManagement test vault (supports metadata, Locked/Fail/FailAfter switches).'
    PowerShellVersion = '5.1'
    NestedModules     = @('.\DataCompass.TestVault.Extension')
    FunctionsToExport = @()
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}

# DataCompass test vault WITHOUT metadata support: its Set-Secret has no Metadata parameter and there is no
# Set-SecretInfo, so SecretManagement reports SetSecretMetadataCommandNotSupported for -Metadata.
# Same files and switches as DataCompass.TestVault: see ../Common/DataCompass.TestVault.Core.ps1.
@{
    ModuleVersion     = '1.0.0'
    GUID              = '9d4a1f62-3c7b-4e08-8b15-6a2e0d9c4f33'
    Author            = 'DataCompass tests'
    Description       = 'File-backed SecretManagement test vault without metadata support.'
    PowerShellVersion = '5.1'
    NestedModules     = @('.\DataCompass.TestVaultNoMetadata.Extension')
    FunctionsToExport = @()
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}

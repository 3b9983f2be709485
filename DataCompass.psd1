@{
    # ModuleVersion is injected by build.ps1 from Directory.Build.props; 0.0.0 here marks an unbuilt manifest.
    RootModule           = 'DataCompass.dll'
    ModuleVersion        = '0.0.0'
    GUID                 = '6f0b8d0e-4a53-4c1e-9f3e-2b7d5c1a9e41'
    Author               = 'DataCompass contributors'
    CompanyName          = 'DataCompass'
    Copyright            = '(c) DataCompass contributors. MIT License.'
    Description          = 'A catalog of data sources (PostgreSQL, Snowflake, Databricks) that keeps every credential out of its database: environment references resolved at connection time, secrets in SecretManagement vaults.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('DataCompass.Format.ps1xml')
    TypesToProcess       = @('DataCompass.Types.ps1xml')
    CmdletsToExport      = @(
        'Add-DcSource'
        'Convert-DcSourceSecret'
        'Export-DcSource'
        'Get-DcAuditEvent'
        'Get-DcConfig'
        'Get-DcEncryptionStatus'
        'Get-DcSecretInventory'
        'Get-DcSource'
        'Get-DcSourceConnection'
        'Import-DcSource'
        'New-DcEncryptionKey'
        'Protect-DcDatabase'
        'Remove-DcSource'
        'Set-DcConfig'
        'Set-DcSource'
        'Set-DcSourceSecret'
        'Test-DcSource'
        'Unprotect-DcDatabase'
        'Update-DcEncryptionKey'
        'Remove-DcEncryptionKey'
        'Move-DcSourceSecret'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('DataCatalog', 'Credentials', 'SecretManagement', 'SQLite', 'PostgreSQL', 'Snowflake', 'Databricks')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            # The repository; each cmdlet's HelpUri (src/DataCompass/HelpLinks.cs) points into its docs/help.
            ProjectUri   = 'https://github.com/datacompass-ps/DataCompass'
            ReleaseNotes = 'See CHANGELOG.md in the module folder, or https://github.com/datacompass-ps/DataCompass/blob/main/CHANGELOG.md'
        }
    }
}

# Help text for Get-DcConfig. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Gets the DataCompass settings from config.yaml beside the catalog database.'

    Description  = @'
Get-DcConfig reads config.yaml in the folder of the catalog database and returns its settings as one DataCompass.DcConfigInfo. A missing file is not an error: it means no settings, so SecretVault and EncryptionKeyRef are empty and SecretNameTemplate shows the default, DataCompass-{source}-{field}.

The file's keys are secrets_backend, secret_name_template, encryption_key_ref, database_key_ref, audit_retention_days, audit_resolution, vault_map and vault_unlock. An unknown key, a value that is not text, an unusable template or broken YAML is an error that names the problem, so a typo cannot silently switch a setting off. Set-DcConfig changes the settings.
'@

    Parameters   = @{
        Database = 'The catalog database whose config.yaml is read; the file itself need not exist. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db, so the config is $env:DATACOMPASS_DATA_DIR/config.yaml, else ~/.datacompass/config.yaml. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Show the settings in force'
            Code    = @'
Get-DcConfig
'@
            Remarks = 'SecretVault is the vault Add-DcSource and Set-DcSourceSecret write new secrets to when no -Vault is given; Path is the config file.'
        }
        @{
            Title   = 'Check the settings of a throw-away catalog'
            Code    = @'
$saved = $env:DATACOMPASS_DATA_DIR
$env:DATACOMPASS_DATA_DIR = Join-Path ([IO.Path]::GetTempPath()) 'dc-test'
(Get-DcConfig).Path
Get-DcConfig -Database ./ci/datacompass.db | Format-List SecretVault, SecretNameTemplate
$env:DATACOMPASS_DATA_DIR = $saved
'@
            Remarks = 'The first call reads config.yaml in the folder named by DATACOMPASS_DATA_DIR; the second reads ./ci/config.yaml. The last line puts the session''s data folder back.'
        }
    )

    Outputs      = 'DataCompass.DcConfigInfo: SecretVault (config key secrets_backend), SecretNameTemplate (secret_name_template, or the default), EncryptionKeyRef (encryption_key_ref), DatabaseKeyRef (database_key_ref: the vault secret with the key of an encrypted catalog file), AuditRetentionDays, AuditResolution, VaultMap (vault_map: a catalog''s vault names to this machine''s vaults), VaultUnlock (vault_unlock: where each locking vault''s password comes from, never the password) and Path (the config file).'

    Notes        = @'
Errors (ErrorId): DcConfigInvalid when config.yaml cannot be read or holds an unknown key, a value that is not text or an unusable secret_name_template. DcPathNotFileSystem for a -Database on another provider. Both stop the command.
'@

    RelatedLinks = @(
        'Set-DcConfig'
        'Add-DcSource'
        'about_DataCompass'
    )
}

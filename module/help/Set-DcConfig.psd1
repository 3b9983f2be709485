# Help text for Set-DcConfig. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Changes DataCompass settings in config.yaml. An empty string removes a setting.'

    Description  = @'
Set-DcConfig writes config.yaml in the folder of the catalog database. Only the settings named on the command line change; the others keep their values. An empty string removes a setting, which then falls back to its default.

The file is replaced in one step, and on Unix it is created with mode 0600 (its folder 0700 when it is new). An existing config.yaml must be valid before it can be changed: an unknown key or broken YAML is an error (DcConfigInvalid) to fix by hand. A file that cannot be written (a full disk, a read-only folder) is DcConfigFileUnavailable, and the old file stays as it was.
'@

    Parameters   = @{
        SecretVault        = 'The SecretManagement vault that Add-DcSource and Set-DcSourceSecret write new secrets to when they get no -Vault (config key secrets_backend). Without it they use SecretManagement''s default vault. A vault that is not registered is stored anyway, with a warning. Alias: SecretsBackend. Also -Vault (as on Add-DcSource) and -SecretsBackend (the config key).'
        SecretNameTemplate = 'How new vault secrets are named (config key secret_name_template). It must contain {source} and {field}, and besides them only letters, digits and "-". Default: DataCompass-{source}-{field}. In a source or field name, characters other than letters, digits and "-" become "-" (access_token gives access-token), and then a short hash of the source and field is appended to keep the name unique; a name over 127 characters is shortened the same way.'
        EncryptionKeyRef   = 'The vault secret that holds the encryption key ring (config key encryption_key_ref), written Vault/Name, vault://Vault/Name or ${secret:Vault/Name}. DataCompass reads its keys from there unless $env:DATACOMPASS_ENCRYPTION_KEY is set; New-DcEncryptionKey -Vault sets it for you. A value that names no vault is refused with DcConfigInvalid. An empty string removes the setting, and the key file beside the catalog is used again.'
        DatabaseKeyRef     = 'The vault secret that holds the key of an encrypted catalog file (config key database_key_ref), written Vault/Name, vault://Vault/Name or ${secret:Vault/Name}; the secret is a String or SecureString passphrase. $env:DATACOMPASS_DATABASE_KEY, when set, comes first. With a key set, Protect-DcDatabase encrypts the catalog with it, a new catalog is created encrypted, and an encrypted one is opened with it (SQLCipher must be installed; see about_DataCompass_Security). Set it before the first DataCompass command of a session. An empty string removes the setting; an encrypted catalog then cannot be opened until a key is set again.'
        AuditRetentionDays = 'How many days audit events are kept (config key audit_retention_days), from 1 to 36500. Older events are removed by the next change to the catalog (an add, a removal, a conversion, a rotation), never by a read. 0 removes the setting: events are then kept for good, which is the default. The change of the setting is itself recorded as a set-config event.'
        AuditResolution    = 'Which resolutions of secrets the audit trail records (config key audit_resolution): All (the default) records every Get-DcSourceConnection and Test-DcSource of a source, Failures only those that failed, Off none. Changes are always recorded, whatever this says. For a catalog resolved thousands of times a day.'
        VaultMap           = 'Maps the vault names a catalog''s references use to the vaults registered on this machine (config key vault_map), for a catalog shared by machines whose vault registrations differ: with @{ Corp = ''CorpKeyVault'' }, ${secret:Corp/pg} is read from the vault CorpKeyVault here, and secrets written to Corp go there, while the catalog keeps the name Corp. Names are compared ignoring case; a name not in the map is used as it is. @{} or $null clears the map. Only this machine''s config changes.'
        VaultUnlock        = 'Where the password of each vault that locks (SecretStore with a password) comes from (config key vault_unlock), for scheduled jobs: @{ Store = ''${STORE_PASSWORD}'' } reads it from an environment variable (an automation account''s secret variable), @{ Store = ''~/.datacompass/store.pw'' } from a file that only its owner may read (0600; on Unix a file others may read is refused with DcVaultUnlockFailed; on Windows its ACL is not checked). When a command finds the vault locked, it unlocks it once with Unlock-SecretVault -Password and goes on; it never prompts, -NonInteractive or not. Keys are vault names as registered on this machine. A value that is neither ${VARIABLE} nor a path (absolute, or starting with ~/) is refused with DcConfigInvalid, so a password cannot be written into the config by mistake. @{} or $null clears it.'
        PassThru           = 'Returns the settings as written, as a DataCompass.DcConfigInfo. By default Set-DcConfig returns nothing.'
        Database           = 'The catalog database whose config.yaml is written; the change is recorded in its audit trail as a set-config event when the catalog exists (none is created for it). By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Send literal secrets to a SecretStore vault'
            Code    = @'
Register-SecretVault -Name Store -ModuleName Microsoft.PowerShell.SecretStore
Set-DcConfig -SecretVault Store
Add-DcSource -Name wh -Type snowflake -Path ./wh.yaml
'@
            Remarks = 'The literal password in wh.yaml goes to the vault Store, although Store is not SecretManagement''s default vault.'
        }
        @{
            Title   = 'Name secrets after a team and show the result'
            Code    = @'
Set-DcConfig -SecretNameTemplate 'dc-analytics-{source}-{field}' -PassThru
'@
            Remarks = 'The next literal password of source prod goes to the vault as dc-analytics-prod-password. Secrets that already exist keep their names.'
        }
        @{
            Title   = 'Remove a setting'
            Code    = @'
Set-DcConfig -SecretVault '' -WhatIf
Set-DcConfig -SecretVault ''
'@
            Remarks = 'secrets_backend is removed from config.yaml, so new secrets go to SecretManagement''s default vault again.'
        }
        @{
            Title   = 'Let a scheduled job unlock a password-protected SecretStore'
            Code    = @'
Set-DcConfig -VaultUnlock @{ Store = '${STORE_PASSWORD}' } -WhatIf
Set-DcConfig -VaultUnlock @{ Store = '${STORE_PASSWORD}' }
'@
            Remarks = 'The job defines STORE_PASSWORD (a secret variable of its automation account). When a DataCompass command finds Store locked, it unlocks it once with that password and goes on, without a prompt. The config holds the variable''s name, never the password.'
        }
    )

    Outputs      = 'None by default. With -PassThru, one DataCompass.DcConfigInfo with the settings as written.'

    Notes        = @'
Errors (ErrorId): DcConfigInvalid when the existing config.yaml is invalid, the new secret name template is unusable, or the file cannot be written. DcPathNotFileSystem for a -Database on another provider. Both stop the command.

Checking -SecretVault asks SecretManagement for its vaults, even with -WhatIf; when that fails the problem is a warning, not an error.
'@

    RelatedLinks = @(
        'Get-DcConfig'
        'Add-DcSource'
        'Set-DcSourceSecret'
        'about_DataCompass'
    )
}

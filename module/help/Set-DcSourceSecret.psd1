# Help text for Set-DcSourceSecret. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Rotates one credential of a source: writes the vault secret and keeps the source and its catalog.'

    Description  = @'
Set-DcSourceSecret gives one secret field of a source a new value without removing and re-adding the source, so everything catalogued under it stays.

When the field already holds exactly one vault reference, ${secret:Vault/Name}, the new value is written to that secret and the source itself does not change. This happens whoever created the secret, and every other source that refers to the same secret sees the new value too.

Any other field value (an environment placeholder, plaintext, or text mixed with references), or a -Vault that names another vault than the reference, gets a new secret that DataCompass owns: it is named with the secret name template (default DataCompass-{source}-{field}) and written to -Vault, else secrets_backend in config.yaml, else SecretManagement's default vault. Only after the secret is written does the field change to refer to it, in one transaction, so the source never points at a secret that does not exist. An existing secret of that name is overwritten only when DataCompass created it for this source.

A field stored encrypted (enc:v1:...) stays encrypted: the new value is encrypted under the primary key of the key ring and no vault is involved, unless -Vault is given, which moves the field to a DataCompass-owned secret in that vault. When no vault is available at all but an encryption key is configured, any field gets its new value encrypted the same way.

With -Credential the user name field is set to the credential's user name as well, and the password field is rotated. Only adapters with a user name and password pair (postgresql, snowflake) accept a credential. When the user name changes, the password is never written in place: it goes to a DataCompass-owned secret the field does not use yet (DataCompass-<source>-password, or DataCompass-<source>-password-2 when the field uses that name), and one catalog transaction switches the user name and the reference, so the pair changes together or not at all. The DataCompass-owned secret it replaced is removed afterwards (a secret DataCompass did not create is left as it is). Run again after an interruption, the command converges.
'@

    Parameters   = @{
        Name       = 'The name of the source. Wildcards are not supported. A name also finds a source whose name differs only in case, when exactly one does.'
        Field      = 'The secret field to rotate: password for postgresql and snowflake, access_token or client_secret for databricks. Case is ignored. A field that is not secret is an error (DcFieldNotSecret) that lists the secret fields. Tab completion offers the secret fields of the source''s type, for a source named with -Name or piped from Get-DcSource <name>.'
        Secret     = 'The new value, as a SecureString, for example from Read-Host -AsSecureString. It is stored in the vault as a SecureString secret and never reaches an output or error stream.'
        Credential = 'A user name and password: the source''s username field is set to the user name and its password field is rotated to the password. Only for postgresql and snowflake sources.'
        Vault      = 'The vault for a new DataCompass-owned secret. By default, secrets_backend from config.yaml, else SecretManagement''s default vault. When the field already refers to a secret in another vault, -Vault moves the field to a new secret in this vault; the old secret stays where it is (Get-DcSecretInventory lists it as Orphaned when DataCompass created it, and Remove-DcSource -RemoveSecret removes it with the source). A field stored encrypted moves to this vault too.'
        PassThru   = 'Returns the source after the rotation as a DataCompass.DcSource. By default Set-DcSourceSecret returns nothing.'
        Database   = 'The catalog database file that holds the source. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. The config.yaml beside it supplies secrets_backend and secret_name_template. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Rotate a password typed at a prompt'
            Code    = @'
Set-DcSourceSecret -Name wh -Field password -Secret (Read-Host -AsSecureString 'New password')
'@
            Remarks = 'If wh refers to ${secret:Store/DataCompass-wh-password}, the new password is written to that secret and the source is unchanged.'
        }
        @{
            Title   = 'Rotate a user name and password together'
            Code    = @'
Set-DcSourceSecret -Name prod -Credential (Get-Credential) -PassThru | Select-Object -ExpandProperty Fields
'@
            Remarks = 'The username field becomes the credential''s user name. If the password was an ${DB_PASSWORD} placeholder, it becomes a reference to a new vault secret, DataCompass-prod-password; Fields shows password with the provenance Vault.'
        }
        @{
            Title   = 'Move a Databricks token from an environment variable to a named vault'
            Code    = @'
$token = ConvertTo-SecureString $env:DATABRICKS_TOKEN -AsPlainText -Force
Set-DcSourceSecret dbx access_token $token -Vault Store -WhatIf
Set-DcSourceSecret dbx access_token $token -Vault Store
'@
            Remarks = 'Name, Field and Secret are positional. -WhatIf names the vault secret that would be written and the reference the field would get.'
        }
    )

    Outputs      = 'None by default. With -PassThru, the rotated source as a DataCompass.DcSource.'

    Notes        = @'
Errors (ErrorId), all non-terminating: DcCatalogNotFound (the catalog database does not exist: the message names the path and where it came from), DcSourceNotFound, DcSourceTypeUnknown, DcFieldNotSecret (also for -Credential on a databricks source), DcReferenceInvalid, DcNoVaultAvailable, DcVaultNotFound, DcSecretNameConflict (the vault holds a secret of the generated name that DataCompass did not create for this source), DcVaultLocked, DcVaultFailed, DcSecretManagementNotInstalled, DcConfigInvalid, DcDatabaseUnavailable, DcDatabaseInvalid, DcDatabaseVersionUnsupported and DcConnectionInfoInvalid. DcPathNotFileSystem stops the command.

If the vault write fails, the source is left as it was. Messages name the source, field, vault and secret, never the value.
'@

    RelatedLinks = @(
        'Add-DcSource'
        'Get-DcSourceConnection'
        'Test-DcSource'
        'Set-DcConfig'
        'about_DataCompass'
    )
}

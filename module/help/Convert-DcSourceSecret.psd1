# Help text for Convert-DcSourceSecret. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Moves plaintext secret values of existing sources into a vault and leaves references in their place.'

    Description  = @'
Convert-DcSourceSecret finds every secret field that holds a plaintext value: in sources added with -AllowPlaintext, and in catalogs written by the Python datacompass tool, which stored resolved passwords, tokens and client secrets in connection_info. It writes each value to a vault under a portable name (secret_name_template, default DataCompass-{source}-{field}), reads it back and compares it, and then replaces the field's value with its ${secret:Vault/Name} reference. The row is only changed if it still holds that plaintext, in a transaction of its own.

The command is safe to interrupt. If it is killed after a secret was written but before the row was changed, running it again finds a secret of that name with exactly that value and uses it; nothing is lost and nothing is duplicated. If the vault fails, the command stops: the fields converted so far stay converted, the rest are unchanged, and the error says how far it got.

Afterwards no byte of a converted value remains in the database file or its -wal: freed cells are zeroed (secure_delete), the WAL is checkpointed and emptied, and the database is rewritten (VACUUM).

The value "**********", which older versions of the Python tool stored instead of the real password, is reported as Broken with a warning and never written to a vault. A value that mixes literal text with references is reported as Mixed and left alone.

Notification channels of the Python tool (its notification_channels table) hold credentials too: an email channel's smtp_password, a webhook URL (Slack and Teams URLs carry their token, so the whole URL is the secret), and HTTP headers that carry a credential (Authorization, Proxy-Authorization, Cookie, or a name containing key, token, secret, auth, password or signature, ignoring case). Every run reports each plaintext value there as NotSelected, with one warning, and changes nothing about them. With -IncludeNotificationChannel they are converted like source fields: written to the vault, read back, and swapped for their reference in the channel's config, every other key of which keeps its value and its place. Their secret names use "channel-<name>" as the {source} and the value's field as the {field} of secret_name_template (DataCompass-channel-alerts-headers-Authorization-1a2b3c4d). The Python tool then has to resolve those ${secret:...} references when it sends a notification.

Its ConfirmImpact is High. -WhatIf lists each field with the reference it would get, and changes nothing.
'@

    Parameters   = @{
        Name        = 'The sources to convert; wildcards are supported. Default: every source. An exact name that matches no source is reported as an error.'
        InputObject = 'Sources from Get-DcSource, usually piped. Exactly those are converted, each in the catalog database it was read from unless -Database names another. An empty pipeline converts nothing.'
        Vault       = 'The SecretManagement vault the values go to. Default: secrets_backend in the DataCompass config (Set-DcConfig -SecretVault), else SecretManagement''s default vault.'
        IncludeNotificationChannel = 'Also converts the secret values in the config of every notification channel of the Python tool (smtp_password, webhook_url and credential headers). -Name and piped sources choose data sources only: with this switch every channel is converted. Without it, plaintext channel values are only reported, as NotSelected, with one warning.'
        Database    = 'The catalog database file. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db (the Python tool''s default). It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Preview the conversion of a whole catalog'
            Code    = @'
Convert-DcSourceSecret -WhatIf
'@
            Remarks = 'One line per plaintext field, naming the source, the field and the reference it would get. Nothing is written.'
        }
        @{
            Title   = 'Convert everything into the Store vault, then check that nothing is left'
            Code    = @'
Convert-DcSourceSecret -Vault Store -Confirm:$false
Get-DcSource | Where-Object { $_.HasPlaintextSecret }
'@
            Remarks = 'Returns one result per secret field (Converted, AlreadySafe, Broken, Mixed or Failed). The second command lists only sources that still hold plaintext, such as a Broken legacy value.'
        }
        @{
            Title   = 'Convert the notification channels too'
            Code    = @'
Convert-DcSourceSecret -IncludeNotificationChannel -WhatIf
Convert-DcSourceSecret -IncludeNotificationChannel -Vault Store -Confirm:$false | Where-Object Kind -eq NotificationChannel
'@
            Remarks = 'The first command lists every source field and every channel value with the reference it would get. The second converts them; its results for channels have Kind NotificationChannel, with the channel''s name in Source and the value in Field (smtp_password, webhook_url, headers.Authorization).'
        }
        @{
            Title   = 'Convert the sources of one type, with a summary'
            Code    = @'
Get-DcSource -Type snowflake | Convert-DcSourceSecret -Confirm:$false -InformationAction Continue
'@
            Remarks = 'The summary (converted, already safe, broken, mixed, failed) is written to the information stream.'
        }
    )

    Outputs      = 'DataCompass.DcConversionResult: one object per secret field, with Kind (DataSource or NotificationChannel), Source, Field, Status, Reference and Message. Status is Converted, Planned (-WhatIf), Declined (answered no at the -Confirm prompt), AlreadySafe, Broken, Mixed, Failed, or NotSelected (a channel''s plaintext value without -IncludeNotificationChannel). It never holds a secret value. The table shows Source (channel:<name> for a notification channel), Field, Status and the reference (Converted, Planned, Declined) or else the message; Format-List shows every property.'

    Notes        = @'
Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and whether it came from -Database, $env:DATACOMPASS_DATA_DIR or the default location: a mistyped path is never read as an empty catalog) (stops the command). DcSecretNameConflict (a secret of that name with another value is in the vault) and DcSourceInvalid (the row changed during the conversion) are non-terminating: that field is reported as Failed and the command goes on. DcSourceNotFound is non-terminating, for an exact name that matches no source. DcNotificationChannelInvalid is non-terminating too: with -IncludeNotificationChannel, for a channel whose config cannot be read (it is left as it is) or whose value changed during the conversion.

DataCompass records which secrets it created for a source, but not for a channel. A channel's secret is recognised by its name and value alone: if the Python tool stored a new plaintext value in a channel after its conversion, the next conversion reports DcSecretNameConflict rather than overwrite the old secret; remove that secret (Remove-Secret) and run it again.

A vault failure stops the command: DcVaultFailed, DcVaultLocked, DcVaultNotFound, DcSecretManagementNotInstalled. So do DcNoVaultAvailable (no vault to write to), DcConfigInvalid, DcDatabaseUnavailable, DcDatabaseInvalid and DcDatabaseVersionUnsupported.
'@

    RelatedLinks = @(
        'Get-DcSource'
        'Set-DcSourceSecret'
        'Set-DcConfig'
        'about_DataCompass'
    )
}

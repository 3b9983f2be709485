# Help text for Get-DcSecretInventory. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Lists every vault secret the catalog refers to, with the fields that use it, and the secrets DataCompass created that nothing uses any more.'

    Description  = @'
Get-DcSecretInventory returns one DataCompass.DcSecretInventoryItem per vault secret (vault and name): every ${secret:Vault/Name} and ${secret:Name} placeholder in any source field, every secret_ref, every placeholder in a notification channel's config, and every secret DataCompass created (its ownership records, including the old secret a credential rotation replaced, the one Set-DcSourceSecret -Vault leaves in the vault the field moved away from, and those of removed sources still queued for removal).

It asks each vault once, with Get-SecretInfo: no secret value is read, nothing is written to the catalog, and no audit event is recorded (nothing is resolved).

An unqualified ${secret:Name} is placed where Get-Secret would find it: SecretManagement's default vault (VaultFrom "default vault"), else the first other vault, by name, that holds it (VaultFrom "vault search"). Finding that out may list vaults that -Vault leaves out; only items in matching vaults are returned.

Status is Ok; Missing (referenced, not in the vault); Expired (the vault's metadata gives an expiry that has passed); Orphaned (DataCompass created it and no source or channel refers to it: Remove-Secret deletes it); VaultLocked, VaultNotFound, VaultFailed or SecretManagementNotInstalled when the vault could not be asked: Exists is then $null, Problem says why, one error is written per such vault, and the other vaults are still listed.

Users lists the fields that refer to the secret as DataCompass.DcSecretUser objects (Kind Source or NotificationChannel, Name, Field, Reference as stored); each shows as source.field (channel:name.field for a channel). Expires comes from the vault's metadata (Get-SecretInfo's Metadata) where an entry is expiry-like: Expires (Az.KeyVault), Expiration, ExpirationDate, ExpiresOn, ExpiresAt, ExpiryDate, Expiry, NotAfter or ValidUntil, holding a date; it is null otherwise.
'@

    Parameters   = @{
        Vault    = 'Only the secrets in these vaults; wildcards are supported, names compare ignoring case. A name without wildcards that no catalog secret uses and SecretManagement does not know is a DcVaultNotFound error. By default, every vault.'
        Database = 'The catalog database file to read. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'See every secret the catalog depends on'
            Code    = @'
Get-DcSecretInventory
'@
            Remarks = 'For example: Store DataCompass-prod-password Ok True True prod.password. A secret two sources share lists both users; an unqualified ${secret:Name} shows its vault as "Store (default)" in the table, and VaultFrom says "default vault".'
        }
        @{
            Title   = 'Find what needs attention, and the orphans in one vault'
            Code    = @'
Get-DcSecretInventory | Where-Object Status -ne 'Ok' | Format-List Vault, Name, Status, Problem
Get-DcSecretInventory -Vault 'Store*' | Where-Object Status -eq 'Orphaned'
'@
            Remarks = 'Problem names the vault, the secret and the users, never a value. An orphan can be removed with Remove-Secret -Vault <vault> -Name <name> once you are sure nothing outside DataCompass uses it.'
        }
    )

    Outputs      = 'DataCompass.DcSecretInventoryItem: Vault, Name, Status, Exists, Owned, Users (DataCompass.DcSecretUser: Kind, Name, Field, Reference), OwnedBy (ownership records, as source.field), Expires, Type, VaultFrom (reference, default vault, vault search, ownership record), Problem and Database.'

    Notes        = @'
Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and whether it came from -Database, $env:DATACOMPASS_DATA_DIR or the default location); DcVaultLocked, DcVaultNotFound, DcVaultFailed or DcSecretManagementNotInstalled, once per vault that could not be asked, written without stopping; DcReferenceInvalid or DcConnectionInfoInvalid for a source whose stored value cannot be read (it is left out, the others are listed); DcVaultNotFound for a -Vault name without wildcards that is neither registered nor used; DcDatabaseUnavailable and DcDatabaseInvalid stop the command.
'@

    RelatedLinks = @(
        'Test-DcSource'
        'Set-DcSourceSecret'
        'Remove-DcSource'
        'about_DataCompass'
    )
}

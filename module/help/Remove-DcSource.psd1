# Help text for Remove-DcSource. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Removes data sources from the catalog, with everything catalogued under them.'

    Description  = @'
Remove-DcSource deletes sources from the catalog database. Rows that the Python datacompass tool keeps for a source (catalog objects and the like, declared ON DELETE CASCADE) are deleted with it, and so is DataCompass's record of the vault secrets it created for the source. Each source is removed in its own transaction, and freed database pages are zeroed.

Its ConfirmImpact is High, so it asks before each source unless -Confirm:$false is given or $ConfirmPreference is None. -WhatIf lists what would be removed.

Vault secrets stay where they are unless -RemoveSecret is given. Then the secrets that DataCompass itself wrote for the source (with Add-DcSource or Set-DcSourceSecret) are removed after the row; a secret the source only referenced is never removed, and a secret that another remaining source still refers to is kept, with a warning. Before the row goes, every vault that would lose a secret must pass Test-SecretVault: a locked vault leaves the source and its secrets as they were, with DcVaultLocked and the unlock hint. If a secret cannot be removed after that (a failing vault, or the command was killed), the source stays removed and the error names the secret and its vault; the catalog keeps a record of it, and the next Remove-DcSource -RemoveSecret on that catalog removes it first.
'@

    Parameters   = @{
        Name         = 'The names of the sources to remove; wildcards are supported. A wildcard that matches nothing removes nothing; an exact name that matches no source is reported as an error. A name also finds a source whose name differs only in case, when exactly one does.'
        InputObject  = 'Sources from Get-DcSource, usually piped. Each is removed from the catalog database it was read from (its Database property), unless -Database names another.'
        RemoveSecret = 'Also removes the vault secrets that DataCompass created for the source. Secrets it only referenced, and secrets another remaining source refers to, are kept.'
        Database     = 'The catalog database file to remove sources from. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db; with -InputObject, the database each source was read from. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Remove a source, answering the confirmation prompt'
            Code    = @'
Remove-DcSource prod
'@
            Remarks = 'Remove-DcSource asks before it removes prod and everything catalogued under it.'
        }
        @{
            Title   = 'Remove a source and the vault secrets DataCompass created for it'
            Code    = @'
Remove-DcSource -Name wh -RemoveSecret -Confirm:$false
'@
            Remarks = 'No prompt. If Add-DcSource moved the literal password of wh into a vault as DataCompass-wh-password, that secret is removed too.'
        }
        @{
            Title   = 'Preview, then remove the sources of one type'
            Code    = @'
Get-DcSource -Type databricks | Remove-DcSource -WhatIf
Get-DcSource -Type databricks | Remove-DcSource -Confirm:$false
'@
            Remarks = 'The piped DcSource objects bind to -InputObject. -WhatIf prints one line per source that would be removed.'
        }
    )

    Outputs      = 'None. Remove-DcSource returns nothing; -Verbose reports each source and secret removed.'

    Notes        = @'
Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and whether it came from -Database, $env:DATACOMPASS_DATA_DIR or the default location: a mistyped path is never read as an empty catalog) (stops the command). DcSourceNotFound, non-terminating, for an exact name that matches no source, or a source that another process removed meanwhile. DcVaultLocked, non-terminating, when a vault holding a secret to remove is locked (nothing is removed for that source). A secret that -RemoveSecret cannot remove is reported, non-terminating, with the ErrorId of the vault failure (DcVaultLocked, DcVaultNotFound, DcSecretNotFound, DcVaultFailed, DcSecretManagementNotInstalled).

DcDatabaseUnavailable, DcDatabaseInvalid, DcDatabaseVersionUnsupported (a catalog written by a newer DataCompass), DcConnectionInfoInvalid and DcPathNotFileSystem stop the command.
'@

    RelatedLinks = @(
        'Get-DcSource'
        'Add-DcSource'
        'about_DataCompass'
    )
}

# Help text for Move-DcSourceSecret. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Moves the vault secrets that sources refer to into another vault and points the sources at the copies.'

    Description  = @'
Move-DcSourceSecret finds every reference of the selected sources to a secret in the -From vault: ${secret:From/Name} placeholders in any field, and a secret_ref field of the form vault://From/Name (a Hashtable secret). For each one it reads the secret from -From, writes it to -To under the same name, reads it back and compares it, and then changes the field to refer to the copy (${secret:To/Name}, or vault://To/Name). The row is only changed if it still holds the old reference, in one transaction together with the record of which secrets DataCompass created and the move event of the audit trail (old reference, new reference, never a value).

The copy keeps the secret's name rather than taking a new one from secret_name_template: a secret that several sources share stays one secret in the new vault, and the name still tells you where a copy came from. The copy keeps the secret's type too (a string, a PSCredential or a Hashtable).

A secret of that name that already exists in -To with the same value is used as it is: so a run killed after copying and run again converges, and sources that share a secret are pointed at one copy. One with another value is never overwritten: that field fails with DcMoveTargetConflict, keeps its old reference, and the command goes on with the others.

When the source owned the old copy (DataCompass created it for the source), it owns the new one. Without -RemoveOld the old copy stays in -From, and its record stays too, so Get-DcSecretInventory shows it as Orphaned and Remove-DcSource -RemoveSecret still removes it. With -RemoveOld, the old copy is removed only when DataCompass created it (for a source of this catalog) and no source in this catalog refers to it any more; a secret another source uses, or one DataCompass did not create, is copied and kept, and the result's Message says why. The removal comes after the row is changed and is queued in that same transaction, so a run killed at any moment leaves at worst an extra copy, never a source pointing at a secret that is gone; the next Move-DcSourceSecret -RemoveOld from that vault (or Remove-DcSource -RemoveSecret) finishes a queued removal.

Both vaults are checked first: a vault that is not registered (DcVaultNotFound) or that is locked (DcVaultLocked) stops the command before anything is read or written. A vault that fails during the run stops it too: the fields moved so far stay moved, the rest are unchanged, and running the command again continues. Fields that already refer to -To are reported as AlreadyMoved, so a second run changes nothing.

-WhatIf lists each reference with the reference it would get and reads or writes no secret; -Confirm asks per reference.
'@

    Parameters   = @{
        Name        = 'The sources whose secrets move; wildcards are supported. Default: every source. An exact name that matches no source is reported as an error (DcSourceNotFound) and the others still move.'
        InputObject = 'Sources from Get-DcSource, usually piped. Exactly those are moved, each in the catalog database it was read from unless -Database names another. An empty pipeline moves nothing.'
        From        = 'The SecretManagement vault the secrets are in now. Only references to this vault are moved.'
        To          = 'The SecretManagement vault the secrets are copied to, under the same names. It must differ from -From.'
        RemoveOld   = 'Removes each old copy from -From after its field was moved, but only a copy DataCompass created that no source in this catalog refers to any more. Also finishes the removals from -From that an interrupted run left queued.'
        Database    = 'The catalog database file. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db (the Python tool''s default). It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Preview a move of every source from the Store vault to the Corp vault'
            Code    = @'
Move-DcSourceSecret -From Store -To Corp -WhatIf
'@
            Remarks = 'One line per reference, naming the source, the field and the reference it would get. No secret is read or written, and the catalog does not change.'
        }
        @{
            Title   = 'Move the production sources, removing the old copies DataCompass made'
            Code    = @'
Move-DcSourceSecret -Name prod* -From Store -To Corp -RemoveOld
Test-DcSource -Name prod*
'@
            Remarks = 'Returns one result per reference with Status Moved, AlreadyMoved, Skipped, Failed or Declined, and Removed true where the old copy was removed. Test-DcSource then checks that every reference resolves.'
        }
        @{
            Title   = 'Move the sources of one type, with a summary'
            Code    = @'
Get-DcSource -Type snowflake | Move-DcSourceSecret -From Store -To Corp -InformationAction Continue
'@
            Remarks = 'The summary (moved, already moved, skipped, failed, declined, old copies removed) is written to the information stream.'
        }
    )

    Outputs      = 'DataCompass.DcSecretMoveResult: one object per reference, with Source, Field, From, To, Status (Moved, AlreadyMoved, Skipped, Failed, Planned under -WhatIf, or Declined when answered no at the -Confirm prompt), Removed (true when the old copy was removed) and Message. It never holds a secret value.'

    Notes        = @'
Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (stops the command). DcMoveVaultsSame when -From and -To name the same vault, DcVaultNotFound for a vault that is not registered and DcVaultLocked for a locked one (Unlock-SecretVault) stop the command before anything changes. DcMoveTargetConflict (a secret of that name with another value is in -To), DcSecretNotFound (the old secret is not in -From) and DcSourceChanged (the field changed during the move) are non-terminating: that field is reported as Failed, keeps its reference, and the command goes on. DcSourceNotFound is non-terminating, for an exact name that matches no source. A failure to remove an old copy after its field moved is non-terminating too: the copy stays queued for the next -RemoveOld run. DcVaultFailed, DcSecretManagementNotInstalled, DcDatabaseUnavailable and DcDatabaseInvalid stop the command; the fields moved so far stay moved.

Only references that name -From are moved; a ${secret:Name} reference without a vault is left to SecretManagement's lookup and is not moved. A reference inside a list value is reported as Skipped, and a ByteArray secret (which no field can use) as Skipped and not copied.
'@

    RelatedLinks = @(
        'Get-DcSecretInventory'
        'Set-DcSourceSecret'
        'Remove-DcSource'
        'about_DataCompass'
    )
}

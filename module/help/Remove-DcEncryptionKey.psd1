# Help text for Remove-DcEncryptionKey. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Removes retired keys from the key ring, refused while any encrypted value still needs them.'

    Description  = @'
Remove-DcEncryptionKey finishes a key rotation: once New-DcEncryptionKey has put a new primary key first and Update-DcEncryptionKey has moved every value to it, the old key can leave the ring. The ring is changed where it lives: the key file beside the catalog (rewritten atomically, mode 0600) or the vault secret named by config encryption_key_ref (written, read back and compared).

A key is refused, with an error that names it, while anything in the catalog still needs it:
- DcEncryptionKeyInUse: an encrypted value in a source's connection info or a notification channel's config is under that key. The message counts the values and names their sources and fields (never a value); run Update-DcEncryptionKey first. A source or channel whose stored settings cannot be read counts as needing the key too, since DataCompass cannot tell. -Force does not override this.
- DcEncryptionKeyIsPrimary: the primary key (the first of the ring) is never removed, because new values are encrypted with it, and it is the last key a ring can hold. To retire it, make a new primary key with New-DcEncryptionKey, run Update-DcEncryptionKey, then remove the old one. To stop using a key file altogether, delete the file yourself once Get-DcEncryptionStatus shows no value.
- DcEncryptionKeyRingInEnvironment: a ring that comes from $env:DATACOMPASS_ENCRYPTION_KEY is never changed by DataCompass. The message says whether dropping the key from the variable is safe for this catalog; change the variable yourself, wherever it is set (a CI secret, a profile).
- DcEncryptionKeyNotFound: the ring does not hold that key; the message lists the ids it holds. A value that is not a key id is never repeated (it may be a key pasted by mistake).

Only the values of this catalog are checked. A ring several catalogs share (one vault secret, one variable) must be checked in each of them with Get-DcEncryptionStatus -Database before a key is removed.

After confirmation (it asks first: ConfirmImpact High) the ring and the catalog are read again under the key ring's lock (the file key.lock beside the catalog) and every key is checked again, so a value another command wrote or moved meanwhile is seen, and a key New-DcEncryptionKey added meanwhile is kept. The commands that store newly encrypted values (Add-DcSource, Set-DcSource and Import-DcSource with encryption, Set-DcSourceSecret, Update-DcEncryptionKey) take the same lock for their commit and check that the key they encrypted with is still in the ring: one that encrypted with a key removed meanwhile fails with DcEncryptionKeyMissing and writes nothing, and running it again encrypts with the primary key. Each key removed is recorded in the audit trail as a remove-key event with its id, the ring's location and the ids left.
'@

    Parameters   = @{
        KeyId    = 'The ids of the keys to remove: 8 hex digits, as Get-DcEncryptionStatus and encrypted values (enc:v1:<keyId>:...) show them. Tab completion offers the ids of the ring. Bound by property name, so Get-DcEncryptionStatus output can be piped (give -Database again for another catalog).'
        Force    = 'Removes without asking for confirmation. It never overrides a refusal: a key still in use, the primary key, or a ring in the environment variable stays as it is.'
        Database = 'The catalog database whose values are checked and whose key ring (key file beside it, or config encryption_key_ref) is changed. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. The catalog must exist. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
        WhatIf   = 'Shows each key that would be removed and what the ring would keep, and changes nothing. Refusals are still reported.'
        Confirm  = 'Asks before each key (the default, as ConfirmImpact is High).'
    }

    Examples     = @(
        @{
            Title   = 'Rotate the key, then preview retiring the old one'
            Code    = @'
$old = (Get-DcEncryptionStatus | Where-Object Role -EQ Primary).KeyId
New-DcEncryptionKey
Update-DcEncryptionKey
Remove-DcEncryptionKey -KeyId $old -WhatIf
'@
            Remarks = 'After New-DcEncryptionKey the old primary key is a secondary one, and Update-DcEncryptionKey moves every value to the new primary, so the preview shows the removal. Had a value still been under the old key, the preview would have stopped with DcEncryptionKeyInUse, naming its source and field.'
        }
        @{
            Title   = 'Finish the rotation'
            Code    = @'
Remove-DcEncryptionKey -KeyId $old
Get-DcEncryptionStatus
'@
            Remarks = 'The old key leaves the ring (asked to confirm first); the output lists the removed key and the ids left, and the status shows every value under the primary key.'
        }
        @{
            Title   = 'Remove every key no value needs, without prompting'
            Code    = @'
Get-DcEncryptionStatus | Where-Object { $_.Role -eq 'Secondary' -and $_.Values -eq 0 } | Remove-DcEncryptionKey -Force
'@
            Remarks = 'Each key is checked again before it goes; -Force only skips the confirmation.'
        }
    )

    Outputs      = 'DataCompass.DcEncryptionKeyRemoval, when a key was removed: RemovedKeyIds, RemainingKeyIds (primary first), PrimaryKeyId, Location (the key file, or vault://Vault/Name) and Database. Key ids only, never a key.'

    Notes        = @'
Errors (ErrorId): DcEncryptionKeyInUse, DcEncryptionKeyIsPrimary, DcEncryptionKeyRingInEnvironment and DcEncryptionKeyNotFound (one non-terminating error per key; the other keys go on); DcCatalogNotFound when the catalog does not exist; DcEncryptionKeyMissing when there is no key ring; DcEncryptionKeyFileUnprotected, DcEncryptionKeyFileUnavailable, DcVaultNotFound, DcVaultLocked and DcVaultFailed for the ring's storage. A refused key leaves the ring exactly as it was.
'@

    RelatedLinks = @(
        'New-DcEncryptionKey'
        'Update-DcEncryptionKey'
        'Get-DcEncryptionStatus'
        'about_DataCompass'
    )
}

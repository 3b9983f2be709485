# Help text for Update-DcEncryptionKey. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Re-encrypts every encrypted value that is not under the primary key of the key ring.'

    Description  = @'
Update-DcEncryptionKey finishes a key rotation. After a new primary key is put first in the key ring (New-DcEncryptionKey, or $env:DATACOMPASS_ENCRYPTION_KEY = "$new,$old"), it opens each value encrypted with an older key and encrypts it again under the primary key.

It works in batches of -BatchSize values. Each batch is one transaction, and each value in it is replaced only if the row still holds what was read (a value another process changed meanwhile is left alone and reported). Killed at any moment, the catalog holds every value either under its old key or under the new one, never lost; run the command again and it carries on with what is left. When it is done, the catalog file is scrubbed (WAL checkpoint and VACUUM, with secure_delete on), so values under the old key do not survive in free pages.

A value whose key is not in the ring, or which cannot be opened, stays as it is and is reported as a non-terminating error naming the source, field and key id; the others go on. A progress bar shows counts and rate, and one DataCompass.DcEncryptionKeyUpdate sums up the run. -WhatIf lists each value and the keys it would move between, and changes nothing.
'@

    Parameters   = @{
        Name        = 'The sources whose values to re-encrypt; wildcards are supported. By default, every source in the catalog.'
        InputObject = 'Sources from Get-DcSource, usually piped: exactly those are re-encrypted, each in the catalog it was read from unless -Database names another (one result per catalog). An empty pipeline re-encrypts nothing.'
        BatchSize   = 'How many values one transaction re-encrypts (1 to 10000, default 100). Smaller batches hold the write lock for less time; a kill loses at most one batch of work, never a value.'
        Database    = 'The catalog database file. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
        WhatIf      = 'Lists every value that would be re-encrypted, with its current key id and the primary key id, and changes nothing.'
        Confirm     = 'Asks before each value.'
    }

    Examples     = @(
        @{
            Title   = 'Rotate from an old key to a new one kept in the environment'
            Code    = @'
$oldKey = $env:DATACOMPASS_ENCRYPTION_KEY
$newKey = New-DcEncryptionKey -AsPlainText
$env:DATACOMPASS_ENCRYPTION_KEY = "$newKey,$oldKey"
Update-DcEncryptionKey
'@
            Remarks = 'New-DcEncryptionKey -AsPlainText prints a new key and stores it nowhere; in front of the old one it becomes the primary key. Every value under the old key moves to the new one. When Get-DcEncryptionStatus shows no value left under the old key, $env:DATACOMPASS_ENCRYPTION_KEY can hold the new key alone (and the CI secret that held the old one can be replaced).'
        }
        @{
            Title   = 'Preview, then rotate in small transactions'
            Code    = @'
Update-DcEncryptionKey -WhatIf
Update-DcEncryptionKey -BatchSize 20 -InformationVariable summary
'@
            Remarks = 'The information record says how many values were re-encrypted, failed, left, and already under the primary key.'
        }
    )

    Outputs      = 'DataCompass.DcEncryptionKeyUpdate: PrimaryKeyId, Reencrypted, Failed, NotDone (declined with -WhatIf or -Confirm), AlreadyCurrent and Database.'

    Notes        = @'
Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and whether it came from -Database, $env:DATACOMPASS_DATA_DIR or the default location: a mistyped path is never read as an empty catalog); DcEncryptionKeyMissing when no key is configured (stops the command) or a value's key is not in the ring (per value); DcDecryptionFailed for a damaged value (per value); DcSourceInvalid for a value changed by another process during the run (per value; run again); DcEncryptionKeyInvalid or DcEncryptionKeyFileUnprotected when the key ring cannot be read; DcDatabaseUnavailable, DcDatabaseInvalid and DcDatabaseVersionUnsupported stop the command.
'@

    RelatedLinks = @(
        'New-DcEncryptionKey'
        'Get-DcEncryptionStatus'
        'about_DataCompass'
    )
}

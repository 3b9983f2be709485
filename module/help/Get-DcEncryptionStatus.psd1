# Help text for Get-DcEncryptionStatus. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Counts the catalog''s encrypted values per key id and names the values no configured key can open.'

    Description  = @'
Get-DcEncryptionStatus returns one DataCompass.DcEncryptionKeyStatus per key id: every key of the key ring (Primary first, then Secondary keys, which only decrypt), and every key id that stored values name but the ring does not hold (NotInRing). Each row counts the values under that key and lists them as source.field.

Every encrypted value is opened with its key to check it; the plaintext is dropped at once and never shown. A value whose key the ring lacks, or which its key cannot open (it was damaged or changed), is listed in UnreadableFields, and a warning names them all.

When no key is configured, every encrypted value is unreadable and its key id is reported as NotInRing. When the configured key ring cannot be read (a malformed $env:DATACOMPASS_ENCRYPTION_KEY, a key file others can read), that error is written and the report still follows.
'@

    Parameters   = @{
        Name        = 'The sources to look at; wildcards are supported. By default, every source in the catalog.'
        InputObject = 'Sources from Get-DcSource, usually piped: exactly those are counted, each in the catalog it was read from unless -Database names another. An empty pipeline counts nothing.'
        Database    = 'The catalog database file to read. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'See which keys the catalog''s values are under'
            Code    = @'
Get-DcEncryptionStatus
'@
            Remarks = 'For example: 3f2a9c01 Primary 12 values, 7be04d52 Secondary 3 values. After Update-DcEncryptionKey the Secondary key has 0 values and can be dropped from the ring.'
        }
        @{
            Title   = 'Fail a runbook when a value cannot be opened'
            Code    = @'
$unreadable = Get-DcEncryptionStatus | Where-Object Unreadable -gt 0
if ($unreadable) { throw "Unreadable values: $($unreadable.UnreadableFields -join ', ')" }
'@
            Remarks = 'UnreadableFields names source and field, never a value.'
        }
    )

    Outputs      = 'DataCompass.DcEncryptionKeyStatus: KeyId, Role (Primary, Secondary, NotInRing), Origin (where the ring came from), Values, Unreadable, Fields and UnreadableFields.'

    Notes        = @'
Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and whether it came from -Database, $env:DATACOMPASS_DATA_DIR or the default location: a mistyped path is never read as an empty catalog); DcEncryptionKeyInvalid, DcEncryptionKeyFileUnprotected or DcEncryptionKeyMissing (a vault ring that does not exist) when the key ring cannot be read, written without stopping; DcSourceNotFound for an exact -Name that matches nothing; DcDatabaseUnavailable and DcDatabaseInvalid stop the command.
'@

    RelatedLinks = @(
        'Update-DcEncryptionKey'
        'New-DcEncryptionKey'
        'about_DataCompass'
    )
}

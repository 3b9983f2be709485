# Help text for Unprotect-DcDatabase. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Decrypts a SQLCipher-encrypted catalog file back into a plain SQLite file, through a verified copy.'

    Description  = @'
Unprotect-DcDatabase undoes Protect-DcDatabase: it opens the encrypted catalog with the database key ($env:DATACOMPASS_DATABASE_KEY, else the vault secret named by config database_key_ref), writes a plain copy to a private file beside it, checks the copy (SQLite's integrity check, the schema, and every row of every table against the original), and only then renames it over the encrypted file. Killed at any moment, it leaves the encrypted original as it was, or the verified plain copy in its place. A plain catalog is left alone (Changed is False).

The catalog must not be in use by another process while it runs (DcDatabaseUnavailable otherwise). A wrong or missing key is DcDatabaseKeyInvalid, and nothing is changed. Remove the key setting afterwards (Set-DcConfig -DatabaseKeyRef '', or clear $env:DATACOMPASS_DATABASE_KEY), or a new catalog made later is created encrypted.
'@

    Parameters   = @{
        Database = 'The catalog file to decrypt. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. A catalog on a PostgreSQL server is refused (DcDatabaseNotFile).'
        WhatIf   = 'Shows what would be decrypted, after checking that SQLCipher and a key are there, and changes nothing.'
        Confirm  = 'Asks before the file is converted; asked by default, since the file is left readable without the key.'
    }

    Examples     = @(
        @{
            Title   = 'Decrypt a catalog, then stop encrypting new ones'
            Code    = @'
Unprotect-DcDatabase -Confirm:$false
Set-DcConfig -DatabaseKeyRef ''
'@
            Remarks = 'The catalog is a plain SQLite file again, readable by the sqlite3 command; the key setting is removed afterwards, not before, since the decryption needs it.'
        }
        @{
            Title   = 'Rehearse the decryption of another catalog'
            Code    = @'
Unprotect-DcDatabase -Database ./ci/datacompass.db -WhatIf
'@
            Remarks = 'Checks that SQLCipher is installed and a key is set, says what would be decrypted, and changes nothing.'
        }
    )

    Outputs      = 'DataCompass.DcDatabaseProtection: Database, Encrypted (False), Changed (False when it was plain already), Sources, Rows (each compared with the original), KeyOrigin (empty) and Library (the SQLCipher version).'

    Notes        = @'
Errors (ErrorId): DcSqlCipherNotInstalled, DcSqliteLibraryInUse, DcDatabaseKeyInvalid, DcCatalogNotFound, DcDatabaseNotFile, DcDatabaseUnavailable and DcDatabaseInvalid, as for Protect-DcDatabase. Each stops the command and leaves the catalog as it was.

The change is recorded in the catalog's audit trail as an unprotect-database event.
'@

    RelatedLinks = @(
        'Protect-DcDatabase'
        'Set-DcConfig'
        'about_DataCompass_Security'
    )
}

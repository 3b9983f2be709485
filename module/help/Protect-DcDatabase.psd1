# Help text for Protect-DcDatabase. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Encrypts the catalog file with SQLCipher, through a verified copy, so the file reveals nothing without the database key.'

    Description  = @'
Protect-DcDatabase turns a plain catalog file into a SQLCipher-encrypted one (every page, the header included, and its -wal file from then on). Without the database key, the file shows neither source names nor hosts, users or references. It is the plan's Option 4: opt-in, on top of the references, vault secrets and Fernet-encrypted values the catalog already keeps instead of credentials.

The key is a passphrase from $env:DATACOMPASS_DATABASE_KEY or, when that is not set, from the vault secret named by config database_key_ref (Set-DcConfig -DatabaseKeyRef). A missing key, or a secret that is not there, is DcDatabaseKeyInvalid and nothing is changed.

The conversion takes the catalog for itself (another process using the catalog makes it fail with DcDatabaseUnavailable; run it again when the catalog is idle), writes the encrypted copy to a private file beside it, checks the copy (SQLite's integrity check, the schema, and every row of every table against the original), and only then renames it over the original, whose bytes are then overwritten (on Windows, which cannot rename over an open file, the catalog is released for that moment and the old file is not overwritten). Killed at any moment, it leaves the plain original as it was, or the verified encrypted copy in its place; a leftover copy is removed by the next run. An encrypted catalog is left alone (Changed is False).

From then on every DataCompass command opens the catalog with the key, and a new catalog is created encrypted while a key is set. SQLCipher must be installed: Debian and Ubuntu 'sudo apt-get install libsqlcipher0', Fedora 'sudo dnf install sqlcipher', macOS 'brew install sqlcipher', or $env:DATACOMPASS_SQLCIPHER_LIBRARY naming the library. One process uses one SQLite library: a session that has already opened a catalog without a key set cannot load SQLCipher (DcSqliteLibraryInUse); set the key, then start a new session.
'@

    Parameters   = @{
        Database = 'The catalog file to encrypt. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. A catalog on a PostgreSQL server is refused (DcDatabaseNotFile): the server protects its own data.'
        WhatIf   = 'Shows what would be encrypted, after checking that SQLCipher and a key are there, and changes nothing.'
        Confirm  = 'Asks before the file is converted.'
    }

    Examples     = @(
        @{
            Title   = 'Encrypt a catalog with a key kept in a vault'
            Code    = @'
Set-Secret -Vault Store -Name dc-database-key -Secret (New-Guid).Guid
Set-DcConfig -DatabaseKeyRef Store/dc-database-key
Protect-DcDatabase
'@
            Remarks = 'Run in a new session, before any other DataCompass command: the key is set first, so the session loads SQLCipher. The output says the file is encrypted, how many sources and rows it holds, and where the key comes from.'
        }
        @{
            Title   = 'Encrypt the catalog of a CI job, with the key from the job''s secret variables'
            Code    = @'
# The CI system sets $env:DATACOMPASS_DATABASE_KEY from its secret store before the job starts.
Protect-DcDatabase -Database ./ci/datacompass.db -WhatIf
Protect-DcDatabase -Database ./ci/datacompass.db
'@
            Remarks = 'The -WhatIf run checks that SQLCipher is installed and a key is set, and says what would be done.'
        }
    )

    Outputs      = 'DataCompass.DcDatabaseProtection: Database, Encrypted (True), Changed (False when it was encrypted already), Sources, Rows (each compared with the original), KeyOrigin (where the key comes from, never the key) and Library (the SQLCipher version).'

    Notes        = @'
Errors (ErrorId): DcSqlCipherNotInstalled when no SQLCipher library is found (the message says how to install one); DcSqliteLibraryInUse when this session already uses the bundled SQLite; DcDatabaseKeyInvalid when no key is set, its vault secret is missing, or the key does not open a file that is encrypted already; DcCatalogNotFound when there is no catalog file; DcDatabaseNotFile for a PostgreSQL catalog; DcDatabaseUnavailable when another process uses the catalog; DcDatabaseInvalid when the catalog is damaged or the copy fails its check (the original stays). Each stops the command and leaves the catalog as it was.

The change is recorded in the encrypted catalog's audit trail as a protect-database event. The key is a passphrase (SQLCipher derives the page key from it with PBKDF2); keep it where the catalog's readers can get it and nobody else can, and keep a copy: without it the catalog cannot be read. See about_DataCompass_Security for what the encryption protects and what it does not.
'@

    RelatedLinks = @(
        'Unprotect-DcDatabase'
        'Set-DcConfig'
        'about_DataCompass_Security'
    )
}

# Help text for Get-DcSourceConnection. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Resolves every reference of a source now and returns its connection settings.'

    Description  = @'
Get-DcSourceConnection is the one DataCompass command that reads secret values. For each named source it replaces every placeholder with its current value: ${VAR} and ${VAR:-default} from the environment of this session, ${secret:Vault/Name} from SecretManagement (the text of a String or SecureString secret, or the password of a PSCredential secret), and a secret_ref field's Hashtable secret for the secret fields that have no value of their own. Then it checks the resolved values against the adapter, so a ${PORT} that resolves to text which is not a number is reported here.

It returns one DataCompass.DcSourceConnection per source. Settings holds every field, resolved, in declaration order. Secret fields come back as SecureStrings unless -AsPlainText is given. A source whose adapter has a user name and a password (postgresql, snowflake) also gets a PSCredential in Credential.

A field that cannot be resolved is reported as an error that names the source, the field and the reference, and that source returns no object; the other names are still resolved. Within one command each distinct vault secret is read once, however many fields and sources refer to it, and all SecretManagement calls are serialized.
'@

    Parameters   = @{
        Name        = 'The names of the sources to resolve. Wildcards are not supported: name each source. A name also finds a source whose name differs only in case, when exactly one does. Takes strings from the pipeline, and the Name property of piped objects such as the output of Get-DcSource.'
        AsPlainText = 'Returns secret field values in Settings as plain strings instead of SecureStrings. Credential, where the source has one, is a PSCredential either way. With -AsConnectionString, returns the connection string as a plain string.'
        AsConnectionString = 'Returns, for each postgresql source, one Npgsql connection string instead of a DcSourceConnection: Host, Port, Database, Username, Password, SSL Mode (ssl_mode), Timeout (connect_timeout) and Command Timeout (query_timeout), quoted by Npgsql''s own builder. A SecureString unless -AsPlainText. A source of another type is a DcConnectionNotAvailable error.'
        Database    = 'The catalog database file to read. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. Binds by property name, so a piped DcSource is resolved from the catalog it was read from. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Resolve a source and use its credential'
            Code    = @'
$env:DB_PASSWORD = 'hunter2'
$connection = Get-DcSourceConnection -Name prod
$connection.Settings['host']
$connection.Credential.UserName
'@
            Remarks = 'The password field held ${DB_PASSWORD}. Settings.password is a SecureString, and Credential pairs it with the username field.'
        }
        @{
            Title   = 'Get an Npgsql connection string for a postgresql source'
            Code    = @'
$connectionString = Get-DcSourceConnection prod -AsConnectionString
$plain = Get-DcSourceConnection prod -AsConnectionString -AsPlainText
'@
            Remarks = 'A SecureString by default, a string with -AsPlainText: Host, Port, Database, Username, Password, SSL Mode, Timeout (connect_timeout) and Command Timeout (query_timeout), each quoted as Npgsql requires, so a password with spaces, quotes, backslashes, ";" or "=" survives. Pasting values into a string by hand breaks on them. Keep the plain text out of logs and transcripts.'
        }
        @{
            Title   = 'Resolve every source of a type, reporting the ones that fail'
            Code    = @'
$connections = Get-DcSource -Type snowflake | Get-DcSourceConnection -ErrorVariable failed -ErrorAction SilentlyContinue
$failed | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
'@
            Remarks = 'Each DcSource binds by its Name and Database properties. A source with a missing variable or a locked vault yields an error such as DcEnvironmentVariableNotSet or DcVaultLocked; the others are still returned.'
        }
    )

    Outputs      = @{
        'DataCompass.DcSourceConnection' = 'Name, Type, Settings (an ordered dictionary of field name to resolved value; secret fields as SecureString unless -AsPlainText) and Credential (a PSCredential, or null when the adapter has no user name and password pair).'
        'System.Security.SecureString'   = 'With -AsConnectionString: the Npgsql connection string of a postgresql source.'
        'System.String'                  = 'With -AsConnectionString -AsPlainText: the same connection string as plain text.'
    }

    Notes        = @'
A connection is emitted only when every field resolved: for a source that did not, the errors are written and nothing is emitted, so a script never receives a half-filled connection or a null credential.

Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and whether it came from -Database, $env:DATACOMPASS_DATA_DIR or the default location: a mistyped path is never read as an empty catalog) (stops the command). Non-terminating and for one source each: DcSourceNotFound, DcSecretBroken (the field holds the Python tool's "**********", which is never handed out), DcSecretEmpty (a required secret resolved to an empty value), DcSourceTypeUnknown, DcEnvironmentVariableNotSet, DcReferenceInvalid, DcSecretManagementNotInstalled, DcNoVaultAvailable, DcVaultNotFound, DcVaultLocked (run Unlock-SecretVault), DcSecretNotFound (also for a secret_ref Hashtable without an entry for a required field), DcSecretTypeUnusable (for example a ByteArray secret, or a secret_ref that is not a Hashtable), DcVaultFailed, DcSecretTooLong (a secret value longer than the 65,536 characters a SecureString holds, even with -AsPlainText), DcSourceInvalid (a resolved value of the wrong type) and, with -AsConnectionString, DcConnectionNotAvailable for a source that is not postgresql.

DcDatabaseUnavailable, DcDatabaseInvalid and DcPathNotFileSystem stop the command. Messages name the source, field and reference, never a resolved value.
'@

    RelatedLinks = @(
        'Test-DcSource'
        'Get-DcSource'
        'Add-DcSource'
        'Set-DcSourceSecret'
        'about_DataCompass'
    )
}

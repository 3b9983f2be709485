# Help text for Test-DcSource. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Checks that every reference of every matching source resolves now, without revealing any value.'

    Description  = @'
Test-DcSource is a preflight for runbooks and a diagnosis for people. For each matching source (every source when -Name is not given) it checks each reference the source stores and returns one DataCompass.DcReferenceTest with a Status, whether it is Resolvable, and a message that says what is wrong.

An environment reference, ${VAR} or ${VAR:-default}, is Ok when the variable is set in this session, DefaultUsed when it is not set but the placeholder has a default, and NotSet otherwise; in a secret field, a value longer than the 65,536 characters a SecureString holds is TooLong (not resolvable). A vault reference, ${secret:Vault/Name} or secret_ref, is checked through SecretManagement without reading any secret value: the vault must be registered (else VaultNotFound) and pass Test-SecretVault (else VaultLocked), and Get-SecretInfo must find the secret (else SecretNotFound) with a type that can fill the field (else TypeUnusable): String, SecureString or PSCredential for a field, Hashtable for secret_ref. The other statuses are SecretManagementNotInstalled, VaultFailed, and Invalid for a stored reference that cannot be parsed. Ok and DefaultUsed count as resolvable. Within one command each vault is tested once and each secret is looked up once.

A value stored encrypted (enc:v1:<keyId>:<token>) gives one result with the kind Encrypted and the reference enc:v1:<keyId>. It is opened with its key to check it, and the plaintext is dropped at once: Ok when it opens, KeyMissing when no key is configured or the ring lacks its key, KeyUnusable when the configured ring cannot be used (a malformed key, a key file others can read, a vault that fails), and DecryptionFailed when the value is damaged or was changed.

A vault secret's length is not checked, since that would mean reading it: Get-DcSourceConnection reports one that is too long (DcSecretTooLong).

Secret fields with no reference to follow are checked too, with the kind Literal: a secret stored in the clear is Plaintext (it works, and the reference column shows (plaintext), never the value), the Python tool's "**********" is Broken (it is not a credential), and a required secret with no value, or whose whole value is a variable set to nothing, is Empty. Non-secret literal values produce no result, and Test-DcSource does not check the types of resolved values: Get-DcSourceConnection does that.

With -Quiet, Test-DcSource returns a single Boolean at the end instead: $true only when every checked field would give a working value, none is stored in the clear (unless -AllowPlaintext), and every exact -Name exists.

With -Connect, the preflight is followed by a real login: for each postgresql source whose references all resolve, the values are resolved (as Get-DcSourceConnection does) and a connection is opened through Npgsql with every field the source names (host, port, database, username, password, ssl_mode, connect_timeout), then one query runs. The result is one DataCompass.DcConnectionTest per source: Status Connected with the Latency (connection, TLS, login and one query) and the server version, or AuthenticationFailed, Unreachable, TimedOut, TlsFailed, ServerError or Failed with the server's own words in Message, every secret value masked. A source whose references do not resolve is Unresolved and no connection is tried. Snowflake and Databricks sources get the preflight and the status NotAvailable: DataCompass has no live test for them.

The login uses only the credentials the source names, never another identity: no PGPASSWORD, no PGPASSFILE or ~/.pgpass, no pooled connection, no Kerberos (GSS) or SSPI, and no server that lets the user in without a password (only SCRAM-SHA-256, MD5 and password authentication are accepted). When the server refuses the credentials, the source is read again and its references are resolved again (the secret may have been rotated since it was first read); when that gives other credentials, the login is tried once more and ReResolved is $true. With -Quiet -Connect, $true also needs every postgresql source to connect (NotAvailable passes). Ctrl+C abandons a login in progress.
'@

    Parameters   = @{
        Name           = 'The names of the sources to check; wildcards are supported. By default, every source in the catalog. An exact name that matches no source is reported as an error and makes -Quiet return $false. Takes strings from the pipeline, and the Name property of piped objects.'
        Quiet          = 'Returns only one Boolean: $true when every checked field of the matching sources is Ok or DefaultUsed (or Plaintext with -AllowPlaintext) and every exact -Name exists, else $false. A catalog with no sources passes; a catalog that does not exist is an error, never $true.'
        AllowPlaintext = 'With -Quiet, accepts secrets stored in the clear (Plaintext) as passing. They are still reported.'
        Connect        = 'After the preflight, logs in to each postgresql source with its resolved credentials and returns one DataCompass.DcConnectionTest per source instead of the per-reference results: Status, Connected, Latency, Endpoint, UserName, ServerVersion, SqlState, ReResolved and Message. No other identity is ever used (no PGPASSWORD, .pgpass, Kerberos or trust login). Snowflake and Databricks sources report NotAvailable.'
        Database       = 'The catalog database file to read. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Check every reference in the catalog'
            Code    = @'
Test-DcSource
'@
            Remarks = 'One row per reference: source, field, reference, status and whether it resolves, for example prod password ${DB_PASSWORD} NotSet False.'
        }
        @{
            Title   = 'Stop a runbook before it starts when a credential is missing'
            Code    = @'
if (-not (Test-DcSource -Quiet)) { throw 'DataCompass preflight failed: run Test-DcSource for details.' }
'@
            Remarks = 'The first line of a runbook: -Quiet returns $false when any reference would fail, for example a locked vault or an unset variable.'
        }
        @{
            Title   = 'Show only what fails, with the reason'
            Code    = @'
Test-DcSource -Name 'sales-*' | Where-Object { -not $_.Resolvable } | Format-List Source, Field, Reference, Status, Message
'@
            Remarks = 'Message says what to do, for example to run Unlock-SecretVault for a locked vault.'
        }
        @{
            Title   = 'Log in to every postgresql source and show what failed'
            Code    = @'
Test-DcSource -Connect | Where-Object { -not $_.Connected } | Format-List Source, Status, Endpoint, SqlState, Message
'@
            Remarks = 'For example Status AuthenticationFailed, SqlState 28P01 and the message The server at db.example.com:5432/sales refused: password authentication failed for user "app". No password is ever shown.'
        }
        @{
            Title   = 'A runbook that needs its databases to answer'
            Code    = @'
if (-not (Test-DcSource -Name 'warehouse-*' -Connect -Quiet)) { throw 'A warehouse database cannot be reached with its stored credentials.' }
'@
            Remarks = 'Returns $false when a reference does not resolve or a postgresql source does not accept the login.'
        }
    )

    Outputs      = @{
        'DataCompass.DcReferenceTest' = 'One per reference or literal secret: Source, Field, Reference (as stored), Kind (Env, Vault, Encrypted or Literal), Status, Resolvable and Message. It holds no secret value.'
        'DataCompass.DcConnectionTest' = 'With -Connect, one per source: Source, Type, Status, Connected, Latency, Endpoint, UserName, ServerVersion, SqlState, ReResolved and Message. It holds no secret value.'
        'System.Boolean'              = 'With -Quiet, one Boolean for the whole command.'
    }

    Notes        = @'
Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and whether it came from -Database, $env:DATACOMPASS_DATA_DIR or the default location: a mistyped path is never read as an empty catalog) (stops the command, so a guarded runbook step never runs). DcSourceNotFound, non-terminating, for an exact -Name that matches no source. DcDatabaseUnavailable, DcDatabaseInvalid, DcConnectionInfoInvalid and DcPathNotFileSystem stop the command. Vault problems are not errors: they are reported in the Status of each DcReferenceTest.
'@

    RelatedLinks = @(
        'Get-DcSourceConnection'
        'Get-DcSource'
        'Set-DcSourceSecret'
        'about_DataCompass'
    )
}

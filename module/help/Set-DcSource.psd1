# Help text for Set-DcSource. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Changes a source in place: its display name, whether it is active, and the fields given; the id and everything catalogued under it stay.'

    Description  = @'
Set-DcSource changes only what it is given. -DisplayName and -Active change the source's display name and active flag. -Connection (a hashtable) or -Path (a YAML file in the Add-DcSource format that holds only the fields to change) replaces those fields; every field not named keeps its stored value. A field given as $null (YAML null) is cleared: an optional field gets its default, or none. A required field cannot be cleared (DcSourceInvalid).

The stored fields merged with the given ones are validated exactly as Add-DcSource validates a new source: an unknown field, a wrong type, a value out of range or a malformed reference is refused with the same error ids, and nothing changes.

A secret field given a new value follows the add-time steps: a reference (${VAR}, ${secret:Vault/Name}) is stored as written, vault-qualified; a literal value is written to a vault (-Vault, else secrets_backend in config.yaml, else SecretManagement's default vault) as a secret the source owns, and the field refers to it; with -Encrypt, or with no vault but an encryption key, it is stored encrypted; in the clear only with -AllowPlaintext. The new vault secret never takes the name the field uses now (it alternates between DataCompass-<source>-<field> and its -2 twin), so the old credential stays intact until the row refers to the new one. A DataCompass-owned secret the field stops using is removed from its vault once no source refers to it. A secret field that is not named keeps its stored value, whatever it is.

A masked display, such as ******** (how Get-DcSource shows a secret), the Python tool's "**********", ${VAR:-********} or enc:v1:<key id>:********, is never stored: it is refused with DcSecretValueMasked. So is an empty value (usually "${VAR}" in double quotes, which PowerShell expands to nothing) and a value that looks like a broken placeholder.

The row, its vault secret records and one audit event (action set, with the old and new reference or provenance of each changed field, never a value) are written in one transaction, and only if the source was not changed by another process meanwhile (DcSourceChanged). When every value given equals the stored one, nothing is written and no event is recorded; -Verbose says so.
'@

    Parameters   = @{
        Name           = 'The name of the source. Wildcards are not supported. A name also finds a source whose name differs only in case, when exactly one does. Bound by property name, so Get-DcSource output can be piped.'
        DisplayName    = 'The new display name. An empty string clears it.'
        Active         = 'Whether the source is active: -Active $false deactivates it, -Active $true activates it.'
        Path           = 'A YAML file, in the flat format of Add-DcSource, that holds only the fields to change. A field written as null is cleared. Read with the same limits as Add-DcSource -Path.'
        Connection     = 'A hashtable of the fields to change. A $null value clears an optional field. Copied with the same limits as Add-DcSource -Connection; a SecureString value is taken as its text. Tab completion after -Connection offers one hashtable per field of the source''s type (a source named with -Name or piped from Get-DcSource <name>), its default filled in.'
        ResolveNow     = 'Replaces the ${VAR} placeholders of the given fields with the variables'' values now. A secret value that results then follows the usual steps (a vault, encryption, or -AllowPlaintext).'
        Vault          = 'The vault a literal secret value goes to. By default secrets_backend from config.yaml, else SecretManagement''s default vault.'
        Encrypt        = 'Stores a literal secret value encrypted with the primary key of the key ring, even when a vault is available.'
        AllowPlaintext = 'With no vault and no encryption key, stores a literal secret value in the clear (with a warning) instead of refusing it.'
        PassThru       = 'Returns the changed source as a DataCompass.DcSource (also when nothing changed). By default Set-DcSource returns nothing.'
        Database       = 'The catalog database file that holds the source. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. Bound by property name, so a piped source is changed in the catalog it came from. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Point a source at another host, and see the plan first'
            Code    = @'
$db = Join-Path ([IO.Path]::GetTempPath()) "dc-help-set-$(New-Guid)/datacompass.db"
Add-DcSource -Name prod -Type postgresql -Connection @{ host = 'db1'; database = 'sales'; username = 'app'; password = '${DB_PASSWORD}' } -Database $db
Set-DcSource -Name prod -Connection @{ host = 'db2'; schema_filter = 'public' } -WhatIf -Database $db
Set-DcSource -Name prod -Connection @{ host = 'db2'; schema_filter = 'public' } -PassThru -Database $db
'@
            Remarks = 'A throw-away catalog ($db), so your own is not touched. -WhatIf lists each field that would change with its old and new provenance, never a value. The password stays ${DB_PASSWORD}.'
        }
        @{
            Title   = 'Clear an optional field, rename and deactivate'
            Code    = @'
Set-DcSource -Name prod -Connection @{ schema_filter = $null } -DisplayName 'Sales (old)' -Active $false -Database $db
Get-DcAuditEvent -Source prod -Action set -Database $db | Format-List Time, Command, Fields
'@
            Remarks = 'Each change is one set event in the audit trail, in the transaction of the change.'
        }
        @{
            Title   = 'Change fields from a YAML file, for sources piped from Get-DcSource'
            Code    = @'
$timeouts = Join-Path (Split-Path $db) 'timeouts.yaml'
Set-Content -Path $timeouts -Value "connect_timeout: 30`nquery_timeout: 600"
Get-DcSource -Name prod -Database $db | Set-DcSource -Path $timeouts -Verbose
'@
            Remarks = 'Only connect_timeout and query_timeout change; each piped source is changed in the catalog it came from. A password: "********" copied from a listing would be refused (DcSecretValueMasked).'
        }
    )

    Outputs      = 'None by default. With -PassThru, the source as a DataCompass.DcSource.'

    Notes        = @'
Errors (ErrorId), non-terminating unless noted: DcCatalogNotFound, DcSourceNotFound, DcSourceTypeUnknown, DcSourceInvalid (unknown field, wrong type, a required field cleared), DcSourceFileNotFound, DcSourceFileInvalid, DcSourceFileTooLarge, DcConnectionTooLarge, DcConnectionTooDeep, DcReferenceInvalid, DcPlaceholderMalformed, DcSecretValueEmpty, DcSecretValueMasked, DcSecretTooLong, DcEnvironmentVariableNotSet, DcNoVaultAvailable, DcVaultNotFound, DcVaultLocked, DcVaultFailed, DcSecretNameConflict, DcEncryptionKeyMissing, DcDecryptionFailed, DcSourceChanged, DcConnectionInfoInvalid, DcConfigInvalid, DcDatabaseUnavailable, DcDatabaseInvalid and DcDatabaseVersionUnsupported. DcPlaintextSecretRefused (nowhere safe to keep a literal secret) and DcPathNotFileSystem stop the command.

Every refusal leaves the catalog file as it was. Messages name the source, field and reference, never a value.
'@

    RelatedLinks = @(
        'Add-DcSource'
        'Get-DcSource'
        'Set-DcSourceSecret'
        'Get-DcAuditEvent'
        'about_DataCompass'
    )
}

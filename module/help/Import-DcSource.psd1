# Help text for Import-DcSource. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Applies a folder of YAML source files to the catalog: adds what is new, changes what differs, leaves what is equal, and with -Prune removes what no file names.'

    Description  = @'
Import-DcSource is the config-as-code apply: the files are the wanted state of the catalog, one source per file, and a second run of the same files changes nothing (no row is written, no audit event recorded, no vault secret written).

-Path takes folders, files and wildcards. A folder gives every *.yaml and *.yml file directly in it (with -Recurse, in its subfolders too), sorted by name. Each file is one source in the format Export-DcSource writes: the source name from its name: key, else the file name without its extension; the adapter from its type: key, which is required; display_name: and active: (true or false) optional; every other key a field of the adapter. The file is the whole source: a field it leaves out takes the adapter's default (or none), a missing display_name: clears the display name, and a file without active: is an active source, so active: false deactivates one and removing the key (or active: true) activates it again. A change of the active flag is a change like any other: the plan shows is_active: true -> false, and the set event records it as Set-DcSource -Active does. An active: value other than true or false fails that file with DcSourceFileInvalid.

Per source, the result is one of: Added (a new source, as Add-DcSource -Path adds it), Changed (as Set-DcSource changes it: the id, created_at and everything catalogued under it stay), Unchanged, Removed (-Prune) or Failed. Each add, change and removal records its one audit event (add, set, remove) in the transaction of the change, with Import-DcSource as the command.

Secret fields follow the add-time steps: a reference is stored as written (vault-qualified); a literal value goes to the vault (-Vault, else config secrets_backend, else the default vault), or is encrypted (no vault, or -Encrypt, with a key configured), or is stored in plaintext only with -AllowPlaintext. On the next run a literal is compared with what the catalog holds: a vault reference whose secret holds the same text (read back with Get-Secret), an encrypted value that decrypts to it, or the same plaintext is equal, so the vault is not written again. A literal that differs goes to a new vault secret and the source's old one is removed once nothing refers to it, as with Set-DcSource.

A file that cannot be read or validated (bad YAML, no type:, an unknown field, a bad name) is reported with its own error naming the file and the source, and the other files are still applied. Two files that name the same source (case ignored) are both reported (DcImportSourceDuplicate) and neither is applied.

-Prune removes the catalog's sources that no file names, through the same steps as Remove-DcSource. The vault secrets DataCompass created for them stay, so a source pruned by mistake comes back unchanged when its file is restored; add -RemoveSecret to remove them too. -Prune removes nothing when a file could not be read far enough to tell which source it names. A -Path that names no source file ends the command before anything is applied, so a mistyped path never reads as "prune everything".

-WhatIf prints the plan, one line per source: Add, Set (each changed field as old -> new provenance or reference, as in the audit trail), Keep (unchanged) and Remove; never a value. It writes nothing, and creates no catalog.
'@

    Parameters   = @{
        Path           = 'Folders (their *.yaml and *.yml files, directly in them unless -Recurse), source files, or wildcards (*, ?, [a-z]). Takes piped strings. A path that names no source file ends the command with DcImportPathNotFound before anything is applied.'
        LiteralPath    = 'As -Path, but taken exactly as typed: [ and ] are part of a name (a file called [prod].yaml), never a wildcard. Files piped from Get-ChildItem bind here (by their PSPath), so any file name works. Aliases: -PSPath, -LP.'
        Recurse        = 'Also reads the *.yaml and *.yml files in the subfolders of a folder given to -Path.'
        Prune          = 'Removes the sources in the catalog that no file names (their catalog rows go with them). Their vault secrets stay unless -RemoveSecret is given. Nothing is pruned when a file could not be read far enough to tell which source it names.'
        RemoveSecret   = 'With -Prune, also removes the vault secrets DataCompass created for the sources it removes (never a secret another source still refers to, nor one DataCompass only referred to).'
        Vault          = 'The vault that literal secret values go to. Default: config secrets_backend, else SecretManagement''s default vault.'
        Encrypt        = 'Stores literal secret values encrypted with the primary key, even when a vault is available.'
        AllowPlaintext = 'With no vault and no key available, stores a literal secret value in plaintext (with a warning) instead of refusing the source.'
        PassThru       = 'Returns a DataCompass.DcImportResult per source (Name, Action, ChangedFields, File, Message). Without it nothing is returned; -Verbose tells what was done.'
        Database       = 'The catalog database file. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. Created if it does not exist (not under -WhatIf). It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Keep a folder of sources as code and apply it'
            Code    = @'
$null = New-Item -ItemType Directory -Force -Path ./sources
Set-Content -Path ./sources/prod.yaml -Value 'name: prod', 'type: postgresql', 'display_name: Production',
    'host: db.example.com', 'database: sales', 'username: app', 'password: "${DB_PASSWORD}"'
Import-DcSource -Path ./sources -PassThru
'@
            Remarks = 'The first run adds prod (Action Added); running the last line again gives Unchanged and writes nothing.'
        }
        @{
            Title   = 'Preview a change, then apply it'
            Code    = @'
(Get-Content -Raw ./sources/prod.yaml) -replace 'db.example.com', 'db2.example.com' | Set-Content ./sources/prod.yaml
Import-DcSource -Path ./sources -WhatIf
Import-DcSource -Path ./sources -PassThru | Format-List
'@
            Remarks = '-WhatIf prints, for example: What if: Performing the operation "Set" on target "source ''prod'' (postgresql) from .../prod.yaml in ...: host: literal -> literal". The second command changes only host; prod keeps its id.'
        }
        @{
            Title   = 'In CI: apply the folder exactly, removing sources whose file was deleted'
            Code    = @'
Import-DcSource -Path ./sources -Prune -ErrorAction Stop -Verbose
'@
            Remarks = 'With -ErrorAction Stop the first bad file ends the run with a non-zero exit code in pwsh -File. Vault secrets of pruned sources stay; add -RemoveSecret to remove them too.'
        }
        @{
            Title   = 'Copy a catalog through its export'
            Code    = @'
Export-DcSource -Path ./export -Force
Import-DcSource -Path ./export -Database ./copy/datacompass.db -PassThru
'@
            Remarks = 'The new catalog holds the same connection_info (apart from placeholders the export wrote for secrets stored in plaintext or encrypted, which it warns about).'
        }
    )

    Outputs      = 'None by default. With -PassThru, DataCompass.DcImportResult: one per source, with Name, Action (Added, Changed, Unchanged, Removed, Failed), ChangedFields, File and Message (the changes as old -> new provenance, or the error). It never holds a secret value. Nothing under -WhatIf.'

    Notes        = @'
Errors (ErrorId), non-terminating and per file unless noted: DcSourceFileNotFound, DcSourceFileInvalid, DcSourceFileTooLarge, DcSourceFileTypeMissing (no type: key), DcImportSourceDuplicate, DcSourceFileConflict (a file gives a source another type than the catalog has), DcSourceNameInvalid, DcSourceTypeUnknown, DcSourceInvalid, DcReferenceInvalid, DcPlaceholderMalformed, DcSecretValueEmpty, DcSecretValueMasked, DcPlaintextSecretRefused, DcNoVaultAvailable, DcVaultNotFound, DcVaultLocked, DcVaultFailed, DcSecretNameConflict, DcEncryptionKeyMissing, DcDecryptionFailed, DcSourceChanged and DcConnectionInfoInvalid. DcImportPathNotFound, DcPathNotFileSystem, DcConfigInvalid, DcDatabaseUnavailable, DcDatabaseInvalid and DcDatabaseVersionUnsupported stop the command.

A failed file leaves its source as it was. Messages name the file, the source and the field, never a value.
'@

    RelatedLinks = @(
        'Export-DcSource'
        'Add-DcSource'
        'Set-DcSource'
        'Remove-DcSource'
        'Get-DcAuditEvent'
        'about_DataCompass'
    )
}

# Help text for Export-DcSource. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Writes sources as YAML source files, with references and never a secret value.'

    Description  = @'
Export-DcSource writes each selected source to <Path>/<name>.yaml, a source file in the format Add-DcSource -Path reads (and Import-DcSource applies), so a catalog can be kept as code. It only reads the catalog: no row changes, no audit event is recorded, no vault is read, and no encrypted value is decrypted.

The file is a flat YAML mapping: name, type, display_name (only when the source has one) and active: false (only for an inactive source) first, then every field of the source that has a value, in the stored order. Defaults are written too, so a file holds exactly what the catalog holds; a field without a value is left out, which Add-DcSource reads as the same thing. ${VAR} and ${secret:Vault/Name} references and a secret_ref field are written as stored. Numbers are written as numbers and lists as YAML sequences. A string is written plain only when no YAML reader could take it for something else; any other string (one that looks like a number, a boolean such as yes or off, null, ~, one starting with @ or *, holding ': ', and every placeholder) is double-quoted, so it reads back exactly.

A secret field that holds anything but references (a value stored in plaintext, an encrypted enc:v1: value, or the Python tool's legacy "**********") is written as the placeholder ${<SOURCE>_<FIELD>}: the source and field names upper-cased, with every character other than a letter or digit as _ (and a leading _ when the name starts with a digit), for example ${PROD_PASSWORD}. A warning names the source, the field and the environment variable to set; or replace the placeholder with a ${secret:Vault/Name} reference to a vault secret that holds the value. No secret text is ever written to a file or a stream.

-Name and -Type select sources as Get-DcSource does: wildcards filter silently, an exact name that matches no source is a DcSourceNotFound error and the other sources are still exported. By default every source is exported.

Each file is written whole through a temporary file and a rename, so a reader never sees half of one, and is made readable by its owner only (mode 0600 on Unix). The folder is created (mode 0700) when it does not exist. An existing file is never replaced unless -Force is given: without it the source is reported with DcExportFileExists and the file is left as it was. -WhatIf lists the files that would be written and writes nothing, not even the folder.

With -PassThru instead of -Path nothing is written: one DataCompass.DcSourceExport per source carries the text in its Yaml property (it is also its string form). Add-DcSource -Path of an exported file, with the same -Name and -Type, adds a source whose connection_info is the same as the exported one (apart from placeholders that stand for secrets).
'@

    Parameters   = @{
        Name     = 'The names of the sources to export; wildcards are supported. By default, every source. Takes strings from the pipeline, and the Name property of piped objects (Get-DcSource output).'
        Type     = 'Exports only sources of these adapter types (postgresql, databricks, snowflake); wildcards are supported and case is ignored.'
        Path     = 'The folder to write the source files to, one <name>.yaml per source. It is created (mode 0700 on Unix) when it does not exist; a path that names a file is refused with DcExportPathInvalid.'
        Force    = 'Replaces a source file that already exists. Without it an existing file is left as it was and the source is reported with DcExportFileExists.'
        PassThru = 'Instead of writing files, returns a DataCompass.DcSourceExport (Name, Type, Yaml) per source, whose Yaml is the text the file would hold. Nothing is written.'
        Database = 'The catalog database file to read. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Export every source to a folder'
            Code    = @'
Export-DcSource -Path ./sources
'@
            Remarks = 'Writes ./sources/<name>.yaml for each source. A source whose secret is stored in plaintext or encrypted gets a placeholder such as ${PROD_PASSWORD} and a warning that says which environment variable to set.'
        }
        @{
            Title   = 'Preview, then replace the files of some sources'
            Code    = @'
Export-DcSource -Name 'prod*' -Type postgresql -Path ./sources -WhatIf
Export-DcSource -Name 'prod*' -Type postgresql -Path ./sources -Force
'@
            Remarks = '-WhatIf prints one line per file that would be written. -Force replaces the files the first example wrote.'
        }
        @{
            Title   = 'Look at the YAML of a source without writing a file'
            Code    = @'
Export-DcSource prod -PassThru | ForEach-Object Yaml
'@
            Remarks = 'For example:
name: prod
type: postgresql
host: db.example.com
port: 5432
database: sales
username: app
password: "${DB_PASSWORD}"
ssl_mode: prefer
exclude_schemas:
  - pg_catalog
  - information_schema
  - pg_toast
connect_timeout: 10
query_timeout: 300'
        }
        @{
            Title   = 'Copy a source into another catalog'
            Code    = @'
Export-DcSource -Name prod -Path ./sources -Force
Add-DcSource -Name prod -Type postgresql -Path ./sources/prod.yaml -Database ./copy/datacompass.db
'@
            Remarks = 'The new catalog holds the same connection_info. Add-DcSource checks the name: and type: keys of the file against -Name and -Type.'
        }
    )

    Outputs      = 'None with -Path. With -PassThru, DataCompass.DcSourceExport: one per exported source, holding the YAML text and never a secret value.'

    Notes        = @'
The format, for tools that read or write it: one YAML mapping per file, UTF-8 without a BOM, named <name>.yaml. Keys name (the source name, which must equal Add-DcSource -Name), type (the adapter, which must match -Type, case ignored), display_name and active (true or false; a file without it is an active source) are optional and case-insensitive; every other key is a field of the adapter. Add-DcSource refuses a name: or type: that differs from the command with DcSourceFileConflict, and an active: that is not true or false with DcSourceFileInvalid; a display_name: applies unless -DisplayName is given, and a source whose file says active: false is added inactive.

Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and where it came from) and DcExportPathInvalid for an empty -Path or one that names a file stop the command. Non-terminating, per source: DcSourceNotFound for an exact name that matches no source; DcExportFileExists for a file that is there already (without -Force); DcExportWriteFailed when a file cannot be written (the message names it); DcSourceNameInvalid for a stored name that cannot be a file name (from a catalog another tool wrote); DcConnectionInfoInvalid for a row whose connection_info cannot be read. DcDatabaseUnavailable, DcDatabaseInvalid and DcPathNotFileSystem stop the command.
'@

    RelatedLinks = @(
        'Add-DcSource'
        'Get-DcSource'
        'about_DataCompass'
    )
}

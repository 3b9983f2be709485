# Help text for Get-DcSource. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Gets catalogued data sources, with each field''s provenance and never a secret value.'

    Description  = @'
Get-DcSource reads the catalog database and returns one DataCompass.DcSource for each source, sorted by name. It resolves nothing: no environment variable and no vault is read, so it is safe for audits and works where the variables and vaults of a source are missing.

Fields lists every stored field in declaration order with its Provenance: Literal (a value stored as written), Env (an ${VAR} placeholder), Vault (a ${secret:Vault/Name} reference or a secret_ref field), Encrypted, Plaintext (secret text stored in the clear) or None (no value). References are shown as written and literal secret text as ********. Secrets summarises the secret fields, and HasPlaintextSecret flags a source whose secret is stored in the clear. A stored key that is not a field of the adapter, in a database written by another tool, counts as secret when its name looks like one (password, token, key, ...).

The table shows Name, Type, Active and Secrets, which wraps rather than being cut; Format-List shows DisplayName, every field and the dates.

-Name and -Type filter with wildcards. A wildcard that matches nothing returns nothing; an exact name that matches no source is reported as an error, and the other names are still returned. A name also finds a source whose name differs only in case, when exactly one does. A catalog that does not exist yet holds no sources.
'@

    Parameters   = @{
        Name     = 'The names of the sources to get; wildcards are supported. By default, every source. Takes strings from the pipeline, and the Name property of piped objects.'
        Type     = 'Gets only sources of these adapter types (postgresql, databricks, snowflake); wildcards are supported and case is ignored.'
        Database = 'The catalog database file to read. By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. Each returned source records it in its Database property. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'List every source'
            Code    = @'
Get-DcSource
'@
            Remarks = 'The table shows each source''s name, type, display name, whether it is active, and its secret fields with their provenance, for example password=${DB_PASSWORD} (env).'
        }
        @{
            Title   = 'Show where each field of a source comes from'
            Code    = @'
Get-DcSource prod | Select-Object -ExpandProperty Fields
'@
            Remarks = 'One DcSourceField per stored field, with Value, Provenance and IsSecret. A secret value typed into the config shows as ******** with the provenance Plaintext.'
        }
        @{
            Title   = 'Find sources that keep a secret in the clear'
            Code    = @'
Get-DcSource -Type postgresql, snowflake | Where-Object HasPlaintextSecret | Select-Object Name, Secrets
'@
            Remarks = 'An audit of the catalog: the sources whose secret fields hold literal text instead of a reference. Set-DcSourceSecret moves such a value into a vault.'
        }
        @{
            Title   = 'Read another catalog with wildcards'
            Code    = @'
Get-DcSource -Name 'sales-*', 'hr-*' -Database ./test/datacompass.db
'@
            Remarks = 'Sources whose names start with sales- or hr- in a catalog other than the default one.'
        }
    )

    Outputs      = 'DataCompass.DcSource: one per matching source. It holds no secret value.'

    Notes        = @'
Errors (ErrorId): DcCatalogNotFound when the catalog database does not exist (the message names the path and whether it came from -Database, $env:DATACOMPASS_DATA_DIR or the default location: a mistyped path is never read as an empty catalog) (stops the command). DcSourceNotFound, non-terminating, for an exact -Name that matches no source (the message names the closest name within two edits, or, when -Type leaves the source out, the type it has). DcDatabaseUnavailable, DcDatabaseInvalid, DcConnectionInfoInvalid (a row whose connection_info is not a JSON object) and DcPathNotFileSystem stop the command.
'@

    RelatedLinks = @(
        'Add-DcSource'
        'Get-DcSourceConnection'
        'Test-DcSource'
        'Remove-DcSource'
        'about_DataCompass'
    )
}

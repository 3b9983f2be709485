# Help text for Add-DcSource. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Adds a data source to the catalog from a YAML config file or a hashtable of fields.'

    Description  = @'
Add-DcSource checks a source's fields against its adapter (postgresql, databricks or snowflake) and adds one row to the catalog database. The fields come from a flat YAML mapping (-Path), the config format of the Python datacompass tool, or from a hashtable (-Connection). The name and type always come from the command. An unknown field is an error that names it and suggests the closest field, so a typo such as pasword cannot slip through; missing required fields, values outside an allowed list or range and values of the wrong type are reported together. The row stores every field of the adapter in declaration order, with defaults and nulls, the way the Python tool stores connection_info.

Placeholders are stored unresolved: ${VAR} and ${VAR:-default} for environment variables, ${secret:Vault/Name} for a SecretManagement secret, and a secret_ref field (vault://Vault/Name) naming a Hashtable secret that supplies the secret fields. The variables and secrets need not exist yet. Test-DcSource checks them; Get-DcSourceConnection resolves them.

Each secret field (password; access_token and client_secret for databricks) is handled on its own. A reference is stored as written, and a ${secret:Name} without a vault is qualified with the chosen vault, so a stored reference always names its vault. A literal value is written to a vault under a portable name made from the secret name template (default DataCompass-{source}-{field}) and replaced by its ${secret:Vault/Name} reference. The vault is -Vault, else secrets_backend in config.yaml (Set-DcConfig -SecretVault), else SecretManagement's default vault. An existing secret of that name is never overwritten. With no vault available but an encryption key configured (New-DcEncryptionKey, $env:DATACOMPASS_ENCRYPTION_KEY or config encryption_key_ref), a literal secret is stored encrypted instead, as enc:v1:<keyId>:<Fernet token>; -Encrypt chooses encryption even when a vault is available. With neither, a literal secret is refused unless -AllowPlaintext is given; so is a secret field that mixes literal text with references, which cannot be moved to a vault.

-ResolveNow replaces every ${VAR} placeholder with the variable's value at add time, as the Python tool did, so the source no longer depends on the environment it is used in. Secret values resolved that way are literal values and follow the rules above: vault, else encrypted, else refused. A variable that is not set (and has no default), or whose value holds '${', is an error naming it.

Vault secrets are written first and the row last, in one transaction. If a vault write or the row fails, nothing is added and the secrets already written for that source are removed again. Add-DcSource accepts pipeline input by property name: each input object adds one source, and a source that fails is reported while the next one is still added.
'@

    Parameters   = @{
        Name           = 'The name of the new source: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit. No other source may have it, ignoring case.'
        Type           = 'The adapter of the source: postgresql, databricks or snowflake, in any case (tab completion offers them). It decides which fields are allowed, which are required and which are secret.'
        Path           = 'A YAML config file holding a flat mapping of the adapter''s fields. Relative paths, ~ and file system PSPaths work; wildcards are not expanded. Only regular files are read: a FIFO, a device or a socket is refused without being opened. Files over 1 MiB, anchors and aliases, custom tags, several documents, nesting deeper than 20 levels and binary content are refused. The alias FullName lets a file from Get-ChildItem bind to it.'
        Connection     = 'The fields as a hashtable (any IDictionary) instead of a file. Keys are field names; values are strings, numbers, arrays of strings, or SecureStrings, which are taken as their text and so count as literal secrets. Write placeholders in single quotes, such as ''${DB_PASSWORD}'': in double quotes PowerShell expands them itself. The same limits as for a file apply: at most 1 MiB of text (keys and strings), 10,000 keys, values and items, and 20 levels of nesting; a hashtable or list that contains itself is refused. Once -Type is on the line, tab completion after -Connection offers a hashtable of the type''s required fields to fill in (PowerShell does not complete keys inside a @{ } already typed).'
        DisplayName    = 'A display name stored with the source (the display_name column). An empty string stores none.'
        Vault          = 'The SecretManagement vault that literal secret values are written to, and that a ${secret:Name} without a vault is qualified with. By default, secrets_backend from config.yaml (Set-DcConfig -SecretVault), else SecretManagement''s default vault. A vault that is not registered is an error (DcVaultNotFound) when one is needed.'
        AllowPlaintext = 'Stores a secret value in the catalog in the clear, with a warning, where it would otherwise be refused: a literal secret when no vault is available, or a secret field that mixes literal text with references. With a vault available, a literal secret still goes to the vault. Get-DcSource shows such a field with the provenance Plaintext and sets HasPlaintextSecret.'
        ResolveNow     = 'Resolves ${VAR} and ${VAR:-default} placeholders now and stores their values instead. Values of secret fields then go to a vault, or are encrypted, like any literal secret. ${secret:...} references stay references.'
        Encrypt        = 'Stores literal secret values encrypted with the primary key of the key ring, even when a vault is available. Without a configured key it is an error (DcEncryptionKeyMissing) and nothing is added.'
        PassThru       = 'Returns the added source as a DataCompass.DcSource. By default Add-DcSource returns nothing.'
        Database       = 'The catalog database file to add the source to; it and its folder are created when missing (mode 0600 and 0700 on Unix). By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. The config.yaml beside it supplies secrets_backend and secret_name_template. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Add a PostgreSQL source from a YAML config'
            Code    = @'
# prod.yaml:
#   host: db.example.com
#   database: sales
#   username: app
#   password: ${DB_PASSWORD}
Add-DcSource -Name prod -Type postgresql -Path ./prod.yaml
Get-DcSource prod
'@
            Remarks = 'The password stays a reference to the DB_PASSWORD environment variable; Get-DcSource shows it with the provenance Env. The variable is read only when Get-DcSourceConnection resolves the source.'
        }
        @{
            Title   = 'Add every source listed in a CSV file'
            Code    = @'
# sources.csv:
#   Name,Type,Path,DisplayName
#   prod,postgresql,./prod.yaml,Sales (production)
#   wh,snowflake,./wh.yaml,Warehouse
Import-Csv ./sources.csv | Add-DcSource -PassThru
'@
            Remarks = 'The columns bind to -Name, -Type, -Path and -DisplayName by property name; Vault and Database columns, where present, bind too. A row that fails, for example with an unknown field, is reported as an error and the other rows are still added.'
        }
        @{
            Title   = 'Add a Databricks source from a hashtable'
            Code    = @'
Add-DcSource -Name dbx -Type databricks -Connection @{
    host         = 'adb-1.azuredatabricks.net'
    http_path    = '/sql/1.0/warehouses/abc'
    catalog      = 'main'
    access_token = '${DATABRICKS_TOKEN}'
}
'@
            Remarks = 'auth_method defaults to personal_token, which requires access_token. The placeholder is in single quotes, so PowerShell passes it on unexpanded.'
        }
        @{
            Title   = 'Move a literal password into a vault'
            Code    = @'
# wh.yaml holds "password: s3cr3t"
Add-DcSource -Name wh -Type snowflake -Path ./wh.yaml -Vault Store -WhatIf
Add-DcSource -Name wh -Type snowflake -Path ./wh.yaml -Vault Store
(Get-DcSource wh).Secrets
'@
            Remarks = 'With -WhatIf, Add-DcSource validates the config and names the vault secret it would write, but writes nothing. Then the value goes to the vault Store as DataCompass-wh-password and the catalog keeps ${secret:Store/DataCompass-wh-password}.'
        }
        @{
            Title   = 'Add every YAML file in a folder'
            Code    = @'
Get-ChildItem ./sources -Filter *.yaml | Add-DcSource -Name { $_.BaseName } -Type postgresql
'@
            Remarks = 'FullName binds to -Path. Without -Name { $_.BaseName } the file''s Name property would bind to -Name, and the source for prod.yaml would be called prod.yaml.'
        }
    )

    Outputs      = 'None by default. With -PassThru, one DataCompass.DcSource for each source added, as Get-DcSource shows it.'

    Notes        = @'
Errors (ErrorId): DcSourceNameInvalid, DcSourceTypeUnknown, DcSourceInvalid (unknown, missing or badly typed fields), DcSourceFileNotFound, DcSourceFileInvalid, DcSourceFileTooLarge, DcReferenceInvalid (a malformed placeholder), DcSecretValueEmpty and DcPlaceholderMalformed (see below), DcSecretValueMasked (a secret field holding stars, ******** as Get-DcSource shows a secret or the Python tool's **********, which is no credential), DcSecretTooLong (a secret value longer than the 65,536 characters of a SecureString), DcConnectionTooLarge and DcConnectionTooDeep (a -Connection value over the limits), DcEnvironmentVariableNotSet (-ResolveNow and a variable that is not set), DcSourceExists, DcNoVaultAvailable (a ${secret:Name} without a vault and no vault to qualify it with), DcVaultNotFound, DcSecretNameConflict (the vault already holds a secret of the generated name), DcVaultLocked, DcVaultFailed, DcConfigInvalid (config.yaml), DcDatabaseUnavailable, DcDatabaseInvalid and DcDatabaseVersionUnsupported. These are non-terminating: that source is not added and the next pipeline input is processed.

DcPlaintextSecretRefused (no vault and no key for a literal secret), DcEncryptionKeyMissing (-Encrypt with no key configured), DcEncryptionKeyInvalid and DcEncryptionKeyFileUnprotected (a configured key ring that cannot be used) and DcPathNotFileSystem (a -Path or -Database on another provider) stop the command, including the pipeline input that follows.

Secret fields are checked for the mistakes PowerShell makes easy, before anything is written. An empty or blank value is refused (DcSecretValueEmpty): it usually is "${DB_PASSWORD}" in double quotes, which PowerShell expanded to nothing; write password = '${DB_PASSWORD}' in single quotes. A value shaped like a broken placeholder is refused too (DcPlaceholderMalformed) rather than written to a vault as the password: exactly $NAME (shell syntax, never expanded), exactly {NAME}, or a '${' with no closing '}'. Other values that merely contain '$' or braces are taken as they are, since a real password may. If a real secret has one of these shapes, store it with Set-Secret and refer to it as ${secret:Vault/Name}. Non-secret fields are not checked this way.

Messages name the source, field, file or vault, never a secret value.
'@

    RelatedLinks = @(
        'Get-DcSource'
        'Test-DcSource'
        'Get-DcSourceConnection'
        'Set-DcConfig'
        'Remove-DcSource'
        'about_DataCompass'
    )
}

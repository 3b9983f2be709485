# Help text for New-DcEncryptionKey. ConvertTo-MamlHelp.ps1 merges it with the cmdlet's metadata into the MAML file.
@{
    Synopsis     = 'Creates a Fernet encryption key and makes it the primary key of the key ring.'

    Description  = @'
New-DcEncryptionKey generates a standard Fernet key (32 random bytes, URL-safe base64) and puts it first in a key ring, where it becomes the primary key: the one every new encrypted value uses. Every key the ring held before stays in it, after the new one, so nothing encrypted earlier becomes unreadable. The keys of the stored ring in use (the vault ring named by encryption_key_ref, or the key file) are carried over too, wherever the new ring is kept, for the same reason; keys that live only in $env:DATACOMPASS_ENCRYPTION_KEY are never copied. When the ring in use cannot be read, the command stops unless -Force is given. A key file is read and rewritten under an exclusive lock (the file key.lock beside it), so two processes adding keys at once both keep theirs. Update-DcEncryptionKey then moves the older values to the new primary key.

The key ring lives in one of two places:
- a key file (the default): the file 'key' beside the catalog database, ~/.datacompass/key unless -Database or $env:DATACOMPASS_DATA_DIR says otherwise. It is created with mode 0600 in a 0700 folder; DataCompass refuses to use a key file that a group or other users can read.
- a vault (-Vault): a SecureString secret, by default DataCompass-encryption-key, and the config setting encryption_key_ref is pointed at it. The ring is read back from the vault and compared before the config changes. (A ring you store yourself may be a String or a SecureString secret.)

The key itself is never written to any stream; the output names the key by its id (the first 8 hex digits of SHA-256 of the key), as encrypted values do (enc:v1:<keyId>:<token>).

With -AsPlainText the key is stored nowhere (no file, no vault, no config change): it is written once to the output as a plain string, ready for $env:DATACOMPASS_ENCRYPTION_KEY or a CI secret, and a warning names its id and says to keep it in a secret store now. The key reaches the output stream only, never the warning, verbose, debug, information or error streams. The audit trail records a new-key event with the id and the location "printed, not stored" (when the catalog exists).

DataCompass takes its key ring from the first of these that is set: $env:DATACOMPASS_ENCRYPTION_KEY (comma-separated keys, primary first, as Airflow's fernet_key), the vault secret named by encryption_key_ref, the key file. New-DcEncryptionKey warns when the place it wrote to is not the one in force.
'@

    Parameters   = @{
        Path       = 'The key file to create or extend. By default the file ''key'' beside the catalog database. A path elsewhere is written too, with a warning, since DataCompass reads only the key file beside the database.'
        Vault      = 'Keeps the key ring in this SecretManagement vault instead of a file, and sets the config''s encryption_key_ref to Vault/SecretName.'
        AsPlainText = 'Generates a key and writes it to the output once, as a plain string (the standard Fernet text form), storing it nowhere. Capture it: $env:DATACOMPASS_ENCRYPTION_KEY = New-DcEncryptionKey -AsPlainText. To add it as the new primary key of a ring kept in the variable, put it first: "$new,$env:DATACOMPASS_ENCRYPTION_KEY".'
        Force      = 'Creates the ring even when the key ring in use (the vault ring named by encryption_key_ref, or the key file) cannot be read. Its keys are then not carried over, and values encrypted with them stay unreadable until those keys are added back. Without -Force that case stops the command and nothing is written.'
        SecretName = 'The name of the vault secret that holds the key ring. Default: DataCompass-encryption-key.'
        Database   = 'The catalog database whose key file or config is used (with -AsPlainText: whose audit trail records the new key). By default $env:DATACOMPASS_DATA_DIR/datacompass.db, else ~/.datacompass/datacompass.db. It may also be a postgresql://user:${VARIABLE}@host:port/database address (password as ${VARIABLE} or ${secret:Vault/Name}), and $env:DATACOMPASS_DATABASE_URL, when set, comes before $env:DATACOMPASS_DATA_DIR: the catalog then lives on that PostgreSQL server, and the config and key files in this machine''s data folder.'
    }

    Examples     = @(
        @{
            Title   = 'Create the key file for the default catalog'
            Code    = @'
New-DcEncryptionKey
'@
            Remarks = 'Creates ~/.datacompass/key (0600) holding one new key and returns its id and location. Run again, it adds a new primary key in front of the old one.'
        }
        @{
            Title   = 'Keep the key ring in a vault'
            Code    = @'
New-DcEncryptionKey -Vault Store
Get-DcConfig | Select-Object EncryptionKeyRef
'@
            Remarks = 'The key ring is the secret DataCompass-encryption-key in vault Store, and encryption_key_ref now reads Store/DataCompass-encryption-key.'
        }
        @{
            Title   = 'Rotate the key'
            Code    = @'
New-DcEncryptionKey
Update-DcEncryptionKey
Get-DcEncryptionStatus
'@
            Remarks = 'A new primary key is added, every value is re-encrypted under it, and the status shows no value left under the old key, which can then be removed from the ring with Remove-DcEncryptionKey.'
        }
        @{
            Title   = 'Make a key for the environment variable (CI), stored nowhere'
            Code    = @'
$key = New-DcEncryptionKey -AsPlainText
$env:DATACOMPASS_ENCRYPTION_KEY = $key
'@
            Remarks = 'The key is the string in $key; store it as a CI secret named DATACOMPASS_ENCRYPTION_KEY. A warning gives its id. Nothing is written to disk or to a vault.'
        }
    )

    Outputs      = 'DataCompass.DcEncryptionKeyInfo: KeyId (the new primary key), Location (the key file, or vault://Vault/Name), KeyCount and PreviousPrimaryKeyId. Never the key. With -AsPlainText: System.String, the key itself, and nothing else.'

    Notes        = @'
Errors (ErrorId): DcEncryptionKeyFileUnprotected when the existing key file can be read by other users; DcEncryptionKeyInvalid when the existing ring cannot be read; DcEncryptionKeyFileUnavailable when the key file or its folder cannot be read, created or written (the data folder path is a file, a parent folder is read-only); DcVaultNotFound, DcVaultLocked, DcVaultFailed and DcSecretManagementNotInstalled for the vault; DcConfigInvalid when the config cannot be written. All stop the command before anything is changed, except a config write failure after the vault secret was written, which says so.
'@

    RelatedLinks = @(
        'Update-DcEncryptionKey'
        'Remove-DcEncryptionKey'
        'Get-DcEncryptionStatus'
        'Add-DcSource'
        'about_DataCompass'
    )
}

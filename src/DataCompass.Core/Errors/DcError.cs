namespace DataCompass.Core.Errors
{
    /// <summary>A stable error identity: the ErrorId users and tests match on, and its kind.</summary>
    public sealed class DcError
    {
        private DcError(string id, DcErrorKind kind)
        {
            Id = id;
            Kind = kind;
        }

        public string Id { get; }

        public DcErrorKind Kind { get; }

        public override string ToString() => Id;

        // Every ErrorId DataCompass raises is declared here, once.
        public static readonly DcError SourceNotFound = new DcError("DcSourceNotFound", DcErrorKind.ObjectNotFound);
        public static readonly DcError CatalogNotFound = new DcError("DcCatalogNotFound", DcErrorKind.ObjectNotFound);
        public static readonly DcError SourceExists = new DcError("DcSourceExists", DcErrorKind.ResourceExists);
        public static readonly DcError SourceNameInvalid = new DcError("DcSourceNameInvalid", DcErrorKind.InvalidArgument);
        public static readonly DcError SourceTypeUnknown = new DcError("DcSourceTypeUnknown", DcErrorKind.InvalidArgument);
        public static readonly DcError SourceInvalid = new DcError("DcSourceInvalid", DcErrorKind.InvalidData);
        public static readonly DcError SourceFileNotFound = new DcError("DcSourceFileNotFound", DcErrorKind.ObjectNotFound);
        public static readonly DcError SourceFileInvalid = new DcError("DcSourceFileInvalid", DcErrorKind.InvalidData);
        public static readonly DcError SourceFileTooLarge = new DcError("DcSourceFileTooLarge", DcErrorKind.InvalidData);
        public static readonly DcError PathNotFileSystem = new DcError("DcPathNotFileSystem", DcErrorKind.InvalidArgument);
        public static readonly DcError ConnectionTooLarge = new DcError("DcConnectionTooLarge", DcErrorKind.InvalidArgument);
        public static readonly DcError ConnectionTooDeep = new DcError("DcConnectionTooDeep", DcErrorKind.InvalidArgument);
        public static readonly DcError ConnectionInfoInvalid = new DcError("DcConnectionInfoInvalid", DcErrorKind.InvalidData);
        public static readonly DcError NotificationChannelInvalid = new DcError("DcNotificationChannelInvalid", DcErrorKind.InvalidData);
        public static readonly DcError ReferenceInvalid = new DcError("DcReferenceInvalid", DcErrorKind.InvalidData);
        public static readonly DcError PlaceholderMalformed = new DcError("DcPlaceholderMalformed", DcErrorKind.InvalidData);
        public static readonly DcError SecretValueEmpty = new DcError("DcSecretValueEmpty", DcErrorKind.InvalidArgument);
        public static readonly DcError SecretTooLong = new DcError("DcSecretTooLong", DcErrorKind.InvalidData);
        public static readonly DcError EnvironmentVariableNotSet = new DcError("DcEnvironmentVariableNotSet", DcErrorKind.ObjectNotFound);
        public static readonly DcError PlaintextSecretRefused = new DcError("DcPlaintextSecretRefused", DcErrorKind.SecurityError);
        public static readonly DcError ConfigInvalid = new DcError("DcConfigInvalid", DcErrorKind.InvalidData);
        public static readonly DcError ConfigFileUnavailable = new DcError("DcConfigFileUnavailable", DcErrorKind.ResourceUnavailable);
        public static readonly DcError SecretManagementNotInstalled = new DcError("DcSecretManagementNotInstalled", DcErrorKind.NotInstalled);
        public static readonly DcError NoVaultAvailable = new DcError("DcNoVaultAvailable", DcErrorKind.ObjectNotFound);
        public static readonly DcError VaultNotFound = new DcError("DcVaultNotFound", DcErrorKind.ObjectNotFound);
        public static readonly DcError VaultLocked = new DcError("DcVaultLocked", DcErrorKind.SecurityError);
        public static readonly DcError VaultUnlockFailed = new DcError("DcVaultUnlockFailed", DcErrorKind.SecurityError);
        public static readonly DcError VaultFailed = new DcError("DcVaultFailed", DcErrorKind.ResourceUnavailable);
        public static readonly DcError SecretNotFound = new DcError("DcSecretNotFound", DcErrorKind.ObjectNotFound);
        public static readonly DcError SecretBroken = new DcError("DcSecretBroken", DcErrorKind.InvalidData);
        public static readonly DcError SecretEmpty = new DcError("DcSecretEmpty", DcErrorKind.InvalidData);
        public static readonly DcError SecretTypeUnusable = new DcError("DcSecretTypeUnusable", DcErrorKind.InvalidData);
        public static readonly DcError SecretNameConflict = new DcError("DcSecretNameConflict", DcErrorKind.ResourceExists);
        public static readonly DcError FieldNotSecret = new DcError("DcFieldNotSecret", DcErrorKind.InvalidArgument);
        public static readonly DcError EncryptionKeyMissing = new DcError("DcEncryptionKeyMissing", DcErrorKind.ObjectNotFound);
        public static readonly DcError EncryptionKeyInvalid = new DcError("DcEncryptionKeyInvalid", DcErrorKind.InvalidArgument);
        public static readonly DcError DecryptionFailed = new DcError("DcDecryptionFailed", DcErrorKind.InvalidData);
        public static readonly DcError EncryptionKeyFileUnavailable = new DcError("DcEncryptionKeyFileUnavailable", DcErrorKind.ResourceUnavailable);
        public static readonly DcError EncryptionKeyFileUnprotected = new DcError("DcEncryptionKeyFileUnprotected", DcErrorKind.SecurityError);
        public static readonly DcError DatabaseUnavailable = new DcError("DcDatabaseUnavailable", DcErrorKind.ResourceUnavailable);
        public static readonly DcError DatabaseInvalid = new DcError("DcDatabaseInvalid", DcErrorKind.InvalidData);
        public static readonly DcError DatabaseVersionUnsupported = new DcError("DcDatabaseVersionUnsupported", DcErrorKind.InvalidOperation);
        public static readonly DcError AuditActionInvalid = new DcError("DcAuditActionInvalid", DcErrorKind.InvalidArgument);
        public static readonly DcError AuditTimeRangeInvalid = new DcError("DcAuditTimeRangeInvalid", DcErrorKind.InvalidArgument);
        public static readonly DcError AuditEventInvalid = new DcError("DcAuditEventInvalid", DcErrorKind.InvalidData);

        // Remove-DcEncryptionKey: retiring a key from the key ring.
        public static readonly DcError EncryptionKeyNotFound = new DcError("DcEncryptionKeyNotFound", DcErrorKind.ObjectNotFound);
        public static readonly DcError EncryptionKeyInUse = new DcError("DcEncryptionKeyInUse", DcErrorKind.InvalidOperation);
        public static readonly DcError EncryptionKeyIsPrimary = new DcError("DcEncryptionKeyIsPrimary", DcErrorKind.InvalidOperation);
        public static readonly DcError EncryptionKeyRingInEnvironment = new DcError("DcEncryptionKeyRingInEnvironment", DcErrorKind.InvalidOperation);

        // Set-DcSource: editing a source in place.
        public static readonly DcError SecretValueMasked = new DcError("DcSecretValueMasked", DcErrorKind.InvalidArgument);
        public static readonly DcError SourceChanged = new DcError("DcSourceChanged", DcErrorKind.InvalidOperation);

        // Export-DcSource, and the name:/type: keys of a source file that Add-DcSource -Path checks.
        public static readonly DcError SourceFileConflict = new DcError("DcSourceFileConflict", DcErrorKind.InvalidArgument);
        public static readonly DcError ExportPathInvalid = new DcError("DcExportPathInvalid", DcErrorKind.InvalidArgument);
        public static readonly DcError ExportFileExists = new DcError("DcExportFileExists", DcErrorKind.ResourceExists);
        public static readonly DcError ExportWriteFailed = new DcError("DcExportWriteFailed", DcErrorKind.WriteError);

        // Import-DcSource: applying a folder of source files.
        public static readonly DcError SourceFileTypeMissing = new DcError("DcSourceFileTypeMissing", DcErrorKind.InvalidData);
        public static readonly DcError ImportSourceDuplicate = new DcError("DcImportSourceDuplicate", DcErrorKind.InvalidData);
        public static readonly DcError ImportPathNotFound = new DcError("DcImportPathNotFound", DcErrorKind.ObjectNotFound);

        // Move-DcSourceSecret: moving the vault secrets of sources to another vault.
        public static readonly DcError MoveVaultsSame = new DcError("DcMoveVaultsSame", DcErrorKind.InvalidArgument);
        public static readonly DcError MoveTargetConflict = new DcError("DcMoveTargetConflict", DcErrorKind.ResourceExists);

        // Test-DcSource -Connect and Get-DcSourceConnection -AsConnectionString: live connections.
        public static readonly DcError ConnectionNotAvailable = new DcError("DcConnectionNotAvailable", DcErrorKind.InvalidOperation);

        // A catalog on a PostgreSQL server (-Database postgresql://... or $env:DATACOMPASS_DATABASE_URL).
        public static readonly DcError DatabaseUrlInvalid = new DcError("DcDatabaseUrlInvalid", DcErrorKind.InvalidArgument);

        // An encrypted catalog file (SQLCipher, Protect-DcDatabase / Unprotect-DcDatabase).
        public static readonly DcError DatabaseKeyInvalid = new DcError("DcDatabaseKeyInvalid", DcErrorKind.SecurityError);
        public static readonly DcError SqlCipherNotInstalled = new DcError("DcSqlCipherNotInstalled", DcErrorKind.NotInstalled);
        public static readonly DcError SqliteLibraryInUse = new DcError("DcSqliteLibraryInUse", DcErrorKind.InvalidOperation);
        public static readonly DcError DatabaseNotFile = new DcError("DcDatabaseNotFile", DcErrorKind.InvalidArgument);
    }
}

namespace DataCompass
{
    /// <summary>Whether one reference of one source resolves now, as Test-DcSource reports it. Holds no value.</summary>
    public sealed class DcReferenceTest
    {
        internal DcReferenceTest(string source, string field, string reference, DcReferenceKind kind, DcReferenceStatus status, bool resolvable, string message)
        {
            Source = source;
            Field = field;
            Reference = reference;
            Kind = kind;
            Status = status;
            Resolvable = resolvable;
            Message = message;
        }

        public string Source { get; }

        public string Field { get; }

        /// <summary>The reference as stored, e.g. ${DB_PASSWORD} or ${secret:Store/DataCompass-prod-password}; (plaintext) or (empty) for a literal, never its value.</summary>
        public string Reference { get; }

        /// <summary>Env, Vault, Encrypted, or Literal (a value stored as is: plaintext, the legacy mask, or nothing).</summary>
        public DcReferenceKind Kind { get; }

        /// <summary>
        /// Ok, DefaultUsed, NotSet, SecretManagementNotInstalled, VaultNotFound, VaultLocked, SecretNotFound, TypeUnusable,
        /// VaultFailed, Invalid, KeyMissing, DecryptionFailed, TooLong, KeyUnusable, Plaintext, Broken or Empty.
        /// </summary>
        public DcReferenceStatus Status { get; }

        public bool Resolvable { get; }

        public string Message { get; }

        public override string ToString() => $"{Source}.{Field} {Reference}: {Status}";
    }
}

using System.Collections.Generic;

namespace DataCompass.Core.Storage
{
    /// <summary>The action names of dc_audit_events, as stored and as Get-DcAuditEvent -Action takes them.</summary>
    public static class AuditActions
    {
        public const string Add = "add";
        public const string Set = "set";
        public const string Import = "import";
        public const string Remove = "remove";
        public const string Convert = "convert";
        public const string Move = "move";
        public const string RotateSecret = "rotate-secret";
        public const string Encrypt = "encrypt";
        public const string RotateKey = "rotate-key";
        public const string NewKey = "new-key";
        public const string RemoveKey = "remove-key";
        public const string SetConfig = "set-config";
        public const string ProtectDatabase = "protect-database";
        public const string UnprotectDatabase = "unprotect-database";
        public const string Resolve = "resolve";

        public static readonly IReadOnlyList<string> All = new[]
        {
            Add, Set, Import, Remove, Convert, Move, RotateSecret, Encrypt, RotateKey, NewKey, RemoveKey, SetConfig, ProtectDatabase, UnprotectDatabase, Resolve,
        };
    }
}

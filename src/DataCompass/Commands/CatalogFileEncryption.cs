using System;
using System.IO;
using DataCompass.Core.Common;
using DataCompass.Core.Config;
using DataCompass.Core.Errors;
using DataCompass.Core.Storage;

namespace DataCompass.Commands
{
    /// <summary>What Protect-DcDatabase and Unprotect-DcDatabase share: one conversion of a catalog file, each way.</summary>
    internal static class CatalogFileEncryption
    {
        public static void Convert(DataCompassCmdlet cmdlet, bool encrypt)
        {
            var databasePath = cmdlet.ResolveDatabasePath();
            var verb = encrypt ? "Protect-DcDatabase" : "Unprotect-DcDatabase";
            if (CatalogLocation.IsServer(databasePath))
            {
                cmdlet.ThrowDcError(new DataCompassException(
                    DcError.DatabaseNotFile,
                    $"{verb} works on catalog files; the catalog {SourceCatalog.AddressOf(databasePath, Environment.GetEnvironmentVariable)?.Text} is on a PostgreSQL server, " +
                    "whose data is protected by the server (TLS to it, encrypted storage on it). Nothing was changed.",
                    databasePath));
            }

            if (!File.Exists(databasePath))
            {
                cmdlet.ThrowDcError(cmdlet.CatalogNotFound(databasePath));
            }

            var keys = new DatabaseKeySource(databasePath, Environment.GetEnvironmentVariable, cmdlet.Backend);
            var what = encrypt ? $"encrypt the catalog '{databasePath}'" : $"decrypt the catalog '{databasePath}'";

            // Checked before -WhatIf answers, so that a rehearsal fails where the run would.
            SqliteLibrary.UseSqlCipher(what);
            if (!keys.IsConfigured)
            {
                keys.Resolve(what);
            }

            var action = encrypt
                ? $"Encrypt the catalog file with SQLCipher, with the database key from {keys.Origin}"
                : $"Decrypt the catalog file (SQLCipher) into a plain SQLite file, with the database key from {keys.Origin}";
            if (!cmdlet.ShouldProcess(databasePath, action))
            {
                return;
            }

            var conversion = SourceCatalog.ConvertFile(databasePath, keys, encrypt);
            if (conversion.Warning != null)
            {
                cmdlet.WriteWarning(conversion.Warning);
            }

            if (conversion.Changed)
            {
                var entry = new AuditEntry(encrypt ? AuditActions.ProtectDatabase : AuditActions.UnprotectDatabase)
                {
                    Details = new OrderedMap { { "rows", conversion.Rows }, { "library", SqliteLibrary.Description } },
                };
                cmdlet.RecordOutsideChange(databasePath, entry, $"The catalog '{databasePath}' was {(encrypt ? "encrypted" : "decrypted")}");
            }
            else
            {
                cmdlet.WriteVerbose($"The catalog '{databasePath}' is {(encrypt ? "encrypted" : "a plain SQLite file")} already; nothing was changed.");
            }

            cmdlet.WriteObject(new DcDatabaseProtection(
                databasePath, conversion.Encrypted, conversion.Changed, conversion.Sources, conversion.Rows,
                conversion.Encrypted ? keys.Origin : null, SqliteLibrary.Description ?? "SQLCipher"));
        }
    }
}

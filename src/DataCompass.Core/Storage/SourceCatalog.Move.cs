using System;

namespace DataCompass.Core.Storage
{
    /// <summary>The change of one field's vault reference to a copy in another vault (Move-DcSourceSecret).</summary>
    public sealed partial class SourceCatalog
    {
        /// <summary>
        /// Rewrites a field's value with <paramref name="rewrite"/>, which returns null when the value no longer holds
        /// the old reference (compare-and-swap: then nothing is written and the result is false). In the same
        /// transaction: this source's records of the old copy are dropped and <see cref="SecretMove.Owned"/> and
        /// <see cref="SecretMove.LeftBehind"/> recorded; with <see cref="SecretMove.QueueRemoval"/>, every record of
        /// the old copy goes and it is queued in dc_pending_secret_removals, to be removed from its vault after this
        /// commit; and the audit event.
        /// </summary>
        public bool MoveReference(long sourceId, string field, Func<string, string?> rewrite, SecretMove move, AuditEntry audit)
        {
            RequireWritable();
            var moved = InTransaction(() =>
            {
                var source = FindSourceById(sourceId);
                if (source == null || !source.ConnectionInfo.TryGetValue(field, out var current) || !(current is string text) || !(rewrite(text) is { } replacement))
                {
                    return false;
                }

                source.ConnectionInfo[field] = replacement;
                var now = Now();
                WriteConnectionInfo(sourceId, source.ConnectionInfo, now);

                using (var forget = _connection.CreateCommand())
                {
                    forget.CommandText = $"DELETE FROM dc_source_secrets WHERE {_dialect.CaseFolded("vault")} = {_dialect.CaseFolded("@vault")} AND {_dialect.CaseFolded("secret_name")} = {_dialect.CaseFolded("@name")}" +
                        (move.QueueRemoval ? ";" : " AND source_id = @id;");
                    forget.AddParameter("@vault", move.OldVault);
                    forget.AddParameter("@name", move.OldName);
                    forget.AddParameter("@id", sourceId);
                    forget.ExecuteNonQuery();
                }

                foreach (var owned in new[] { move.Owned, move.LeftBehind })
                {
                    if (owned != null)
                    {
                        RecordOwnedSecret(sourceId, owned, now);
                    }
                }

                if (move.QueueRemoval)
                {
                    using var queue = _connection.CreateCommand();
                    QueueSecretRemoval(queue, new OwnedSecret(field, move.OldVault, move.OldName), source.Name, now);
                }

                WriteAuditEvent(audit, sourceId, source.Name, now);
                return true;
            });
            CheckpointWal();
            return moved;
        }
    }

    /// <summary>What the catalog records about the secrets when a field's reference moves to another vault.</summary>
    public sealed class SecretMove
    {
        public SecretMove(string oldVault, string oldName)
        {
            OldVault = oldVault;
            OldName = oldName;
        }

        public string OldVault { get; }

        public string OldName { get; }

        /// <summary>The new copy, when the source owns it now.</summary>
        public OwnedSecret? Owned { get; init; }

        /// <summary>The old copy, kept in its vault, still recorded as created for this source.</summary>
        public OwnedSecret? LeftBehind { get; init; }

        /// <summary>The old copy is to be removed from its vault once the row is swapped.</summary>
        public bool QueueRemoval { get; init; }
    }
}

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
                var now = SqliteTimestamp.Format(DateTime.UtcNow);
                WriteConnectionInfo(sourceId, source.ConnectionInfo, now);

                using (var forget = _connection.CreateCommand())
                {
                    forget.CommandText = "DELETE FROM dc_source_secrets WHERE vault = $vault COLLATE NOCASE AND secret_name = $name COLLATE NOCASE" +
                        (move.QueueRemoval ? ";" : " AND source_id = $id;");
                    forget.Parameters.AddWithValue("$vault", move.OldVault);
                    forget.Parameters.AddWithValue("$name", move.OldName);
                    forget.Parameters.AddWithValue("$id", sourceId);
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
                    queue.CommandText =
                        "INSERT OR REPLACE INTO dc_pending_secret_removals (vault, secret_name, source_name, field, queued_at) VALUES ($vault, $name, $source, $field, $now);";
                    queue.Parameters.AddWithValue("$vault", move.OldVault);
                    queue.Parameters.AddWithValue("$name", move.OldName);
                    queue.Parameters.AddWithValue("$source", source.Name);
                    queue.Parameters.AddWithValue("$field", field);
                    queue.Parameters.AddWithValue("$now", now);
                    queue.ExecuteNonQuery();
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

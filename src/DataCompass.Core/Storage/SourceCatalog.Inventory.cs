using System;
using System.Collections.Generic;
using System.Globalization;

namespace DataCompass.Core.Storage
{
    public sealed partial class SourceCatalog
    {
        /// <summary>Every vault secret DataCompass created for a source field (replaced and left-behind records included), with its source's name.</summary>
        public IReadOnlyList<OwnedSecret> AllOwnedSecrets()
        {
            if (!TableExists("dc_source_secrets"))
            {
                return Array.Empty<OwnedSecret>();
            }

            return Run(() =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText =
                    "SELECT s.field, s.vault, s.secret_name, d.name FROM dc_source_secrets s JOIN data_sources d ON d.id = s.source_id " +
                    "ORDER BY s.vault, s.secret_name, d.name, s.field;";
                return (IReadOnlyList<OwnedSecret>)ReadRows(command, column => new OwnedSecret(
                    Convert.ToString(column("field"), CultureInfo.InvariantCulture) ?? string.Empty,
                    Convert.ToString(column("vault"), CultureInfo.InvariantCulture) ?? string.Empty,
                    Convert.ToString(column("secret_name"), CultureInfo.InvariantCulture) ?? string.Empty,
                    Convert.ToString(column("name"), CultureInfo.InvariantCulture)));
            });
        }
    }
}

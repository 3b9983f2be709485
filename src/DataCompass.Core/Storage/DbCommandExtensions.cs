using System;
using System.Data.Common;

namespace DataCompass.Core.Storage
{
    /// <summary>Parameters through ADO.NET's base classes, so one statement serves SQLite and PostgreSQL.</summary>
    internal static class DbCommandExtensions
    {
        public static DbParameter AddParameter(this DbCommand command, string name, object? value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
            return parameter;
        }
    }
}

using System.Data.Common;

namespace ClearingHouse.Storage.Relational;

/// <summary>Provider-neutral parameter helpers (Microsoft.Data.Sqlite and Npgsql both take <c>@name</c>).</summary>
public static class DbCommandExtensions
{
    /// <summary>Adds a parameter named <paramref name="name"/> (with its <c>@</c>) holding <paramref name="value"/> (null: SQL NULL).</summary>
    public static DbParameter Add(this DbCommand command, string name, object? value = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Creates a command on <paramref name="connection"/>, in <paramref name="transaction"/> when given.</summary>
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
}

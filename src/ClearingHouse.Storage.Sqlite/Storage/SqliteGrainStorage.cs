using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using ClearingHouse.Storage.Relational.Storage;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ClearingHouse.Storage.Sqlite;

/// <summary>
/// Orleans grain storage in the ClearingHouse SQLite file, table <c>grain_state</c>.
/// </summary>
/// <remarks>
/// The protocol (ETag = row version, one guarded statement per write) is <see cref="RelationalGrainStorage"/>'s;
/// writes go through the connection factory's single writer.
/// </remarks>
public sealed partial class SqliteGrainStorage : RelationalGrainStorage
{
    private const string Now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

    private const string ReadSql = "SELECT etag, payload FROM grain_state WHERE " + Key + ";";

    private const string InsertSql =
        "INSERT INTO grain_state (grain_type, grain_id, state_name, etag, payload, updated_at) " +
        "VALUES (@grain_type, @grain_id, @state_name, 1, @payload, " + Now + ") " +
        "ON CONFLICT (grain_type, grain_id, state_name) DO NOTHING RETURNING etag;";

    private const string UpdateSql =
        "UPDATE grain_state SET etag = etag + 1, payload = @payload, updated_at = " + Now + " " +
        "WHERE " + Key + " AND etag = @etag RETURNING etag;";

    private readonly SqliteConnectionFactory _connections;
    private readonly ILogger<SqliteGrainStorage> _logger;

    /// <summary>Creates the provider; the hosting extension does this from the silo's services.</summary>
    public SqliteGrainStorage(
        string name,
        SqliteConnectionFactory connections,
        IGrainStorageSerializer serializer,
        IActivatorProvider activators,
        ILogger<SqliteGrainStorage> logger)
        : base(name, serializer, activators)
    {
        _connections = connections;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task<(long ETag, byte[]? Payload)?> ReadRowAsync(string stateName, GrainId grainId)
    {
        await using var connection = await _connections.OpenConnectionAsync();
        using var command = connection.CreateCommand();
        command.CommandText = ReadSql;
        AddKey(command, stateName, grainId);
        using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1));
    }

    /// <inheritdoc />
    protected override async Task<long?> WriteRowAsync(string stateName, GrainId grainId, long? expected, BinaryData? payload)
    {
        var bytes = payload?.ToArray();
        var result = await _connections.ExecuteWriteAsync(
            async (connection, ct) =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = expected is null ? InsertSql : UpdateSql;
                AddKey(command, stateName, grainId);
                command.Parameters.Add("@payload", SqliteType.Blob).Value = (object?)bytes ?? DBNull.Value;
                if (expected is { } value)
                {
                    command.Parameters.AddWithValue("@etag", value);
                }

                return await command.ExecuteScalarAsync(ct);
            },
            CancellationToken.None);
        return result is null or DBNull ? null : Convert.ToInt64(result, CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    protected override async Task<long?> ReadETagAsync(string stateName, GrainId grainId)
    {
        await using var connection = await _connections.OpenConnectionAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT etag FROM grain_state WHERE " + Key + ";";
        AddKey(command, stateName, grainId);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    protected override void OnReadFailed(Exception exception, string stateName, GrainId grainId) =>
        LogReadFailed(_logger, exception, Name, stateName, grainId);

    /// <inheritdoc />
    protected override void OnWriteFailed(Exception exception, string operation, string stateName, GrainId grainId) =>
        LogWriteFailed(_logger, exception, Name, operation, stateName, grainId);

    /// <inheritdoc />
    protected override void OnETagConflict(string operation, string stateName, GrainId grainId, string? expectedETag, string? storedETag) =>
        LogETagConflict(_logger, Name, operation, stateName, grainId, expectedETag, storedETag);

    private static void AddKey(SqliteCommand command, string stateName, GrainId grainId)
    {
        command.Parameters.AddWithValue("@grain_type", grainId.Type.ToString());
        command.Parameters.AddWithValue("@grain_id", grainId.Key.ToString());
        command.Parameters.AddWithValue("@state_name", stateName);
    }
}

using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using ClearingHouse.Storage.Relational.Storage;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ClearingHouse.Storage.Postgres;

/// <summary>
/// Orleans grain storage in the ClearingHouse PostgreSQL database, table <c>grain_state</c>.
/// </summary>
/// <remarks>
/// The protocol (ETag = row version, one guarded statement per write) is <see cref="RelationalGrainStorage"/>'s.
/// Commits use the server's synchronous commit: durable when the call returns.
/// </remarks>
public sealed partial class PostgresGrainStorage : RelationalGrainStorage
{
    private const string ReadSql = "SELECT etag, payload FROM grain_state WHERE " + Key;

    private const string InsertSql =
        "INSERT INTO grain_state (grain_type, grain_id, state_name, etag, payload, updated_at) " +
        "VALUES (@grain_type, @grain_id, @state_name, 1, @payload, now()) " +
        "ON CONFLICT (grain_type, grain_id, state_name) DO NOTHING RETURNING etag";

    private const string UpdateSql =
        "UPDATE grain_state SET etag = etag + 1, payload = @payload, updated_at = now() " +
        "WHERE " + Key + " AND etag = @etag RETURNING etag";

    private readonly PostgresConnectionFactory _connections;
    private readonly ILogger<PostgresGrainStorage> _logger;

    /// <summary>Creates the provider; the hosting extension does this from the silo's services.</summary>
    public PostgresGrainStorage(
        string name,
        PostgresConnectionFactory connections,
        IGrainStorageSerializer serializer,
        IActivatorProvider activators,
        ILogger<PostgresGrainStorage> logger)
        : base(name, serializer, activators)
    {
        _connections = connections;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task<(long ETag, byte[]? Payload)?> ReadRowAsync(string stateName, GrainId grainId)
    {
        await using var command = _connections.DataSource.CreateCommand(ReadSql);
        AddKey(command, stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return (reader.GetInt64(0), await reader.IsDBNullAsync(1) ? null : reader.GetFieldValue<byte[]>(1));
    }

    /// <inheritdoc />
    protected override async Task<long?> WriteRowAsync(string stateName, GrainId grainId, long? expected, BinaryData? payload)
    {
        await using var command = _connections.DataSource.CreateCommand(expected is null ? InsertSql : UpdateSql);
        AddKey(command, stateName, grainId);
        command.Parameters.Add(payload is not null
            ? new NpgsqlParameter<ReadOnlyMemory<byte>>("payload", NpgsqlDbType.Bytea) { TypedValue = payload.ToMemory() }
            : new NpgsqlParameter("payload", NpgsqlDbType.Bytea) { Value = DBNull.Value });
        if (expected is { } value)
        {
            command.Parameters.Add(new NpgsqlParameter<long>("etag", value));
        }

        return await command.ExecuteScalarAsync() is long etag ? etag : null;
    }

    /// <inheritdoc />
    protected override async Task<long?> ReadETagAsync(string stateName, GrainId grainId)
    {
        await using var command = _connections.DataSource.CreateCommand("SELECT etag FROM grain_state WHERE " + Key);
        AddKey(command, stateName, grainId);
        return await command.ExecuteScalarAsync() is long etag ? etag : null;
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

    private static void AddKey(NpgsqlCommand command, string stateName, GrainId grainId)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("grain_type", grainId.Type.ToString()!));
        command.Parameters.Add(new NpgsqlParameter<string>("grain_id", grainId.Key.ToString()!));
        command.Parameters.Add(new NpgsqlParameter<string>("state_name", stateName));
    }
}

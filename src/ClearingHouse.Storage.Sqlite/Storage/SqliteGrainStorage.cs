using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ClearingHouse.Storage.Sqlite;

/// <summary>
/// Orleans grain storage in the ClearingHouse SQLite file, table <c>grain_state</c>.
/// </summary>
/// <remarks>
/// The ETag is the row's version, a counter incremented by every write and clear; each write is
/// one statement whose WHERE clause checks it, so a stale writer changes nothing and gets an
/// <see cref="InconsistentStateException"/>. Clearing keeps the row with a NULL payload (as
/// Orleans' ADO.NET provider does) so the version never goes back to a value a stale activation
/// may still hold.
/// </remarks>
public sealed partial class SqliteGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The table's definition; <c>CREATE TABLE IF NOT EXISTS</c> makes it idempotent.</summary>
    public const string SchemaSql =
        """
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_type TEXT    NOT NULL,
            grain_id   TEXT    NOT NULL,
            state_name TEXT    NOT NULL,
            etag       INTEGER NOT NULL,
            payload    BLOB    NULL,
            updated_at TEXT    NOT NULL,
            PRIMARY KEY (grain_type, grain_id, state_name)
        );
        """;

    private const string Now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    private const string Key = "grain_type = @grain_type AND grain_id = @grain_id AND state_name = @state_name";

    private const string ReadSql = "SELECT etag, payload FROM grain_state WHERE " + Key + ";";

    private const string InsertSql =
        "INSERT INTO grain_state (grain_type, grain_id, state_name, etag, payload, updated_at) " +
        "VALUES (@grain_type, @grain_id, @state_name, 1, @payload, " + Now + ") " +
        "ON CONFLICT (grain_type, grain_id, state_name) DO NOTHING RETURNING etag;";

    private const string UpdateSql =
        "UPDATE grain_state SET etag = etag + 1, payload = @payload, updated_at = " + Now + " " +
        "WHERE " + Key + " AND etag = @etag RETURNING etag;";

    private readonly string _name;
    private readonly SqliteConnectionFactory _connections;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly ILogger<SqliteGrainStorage> _logger;

    /// <summary>Creates the provider; the hosting extension does this from the silo's services.</summary>
    public SqliteGrainStorage(
        string name,
        SqliteConnectionFactory connections,
        IGrainStorageSerializer serializer,
        IActivatorProvider activators,
        ILogger<SqliteGrainStorage> logger)
    {
        _name = name;
        _connections = connections;
        _serializer = serializer;
        _activators = activators;
        _logger = logger;
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SqliteGrainStorage) + "-" + _name, ServiceLifecycleStage.ApplicationServices, EnsureSchemaAsync);

    /// <summary>Creates the <c>grain_state</c> table if it does not exist; safe to call any number of times.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await _connections.ExecuteWriteAsync(
            async (connection, ct) =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = SchemaSql;
                return await command.ExecuteNonQueryAsync(ct);
            },
            cancellationToken);
        LogSchemaReady(_logger, _name, _connections.DataSource);
    }

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            await using var connection = await _connections.OpenConnectionAsync();
            using var command = connection.CreateCommand();
            command.CommandText = ReadSql;
            AddKey(command, stateName, grainId);
            using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                SetEmpty(grainState, etag: null);
                return;
            }

            var etag = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture);
            if (reader.IsDBNull(1))
            {
                SetEmpty(grainState, etag);
                return;
            }

            var payload = (byte[])reader.GetValue(1);
            grainState.State = _serializer.Deserialize<T>(new BinaryData(payload)) ?? CreateInstance<T>();
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }
        catch (Exception ex)
        {
            LogReadFailed(_logger, ex, _name, stateName, grainId);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = _serializer.Serialize(grainState.State).ToArray();
        grainState.ETag = await WriteAsync(stateName, grainId, grainState.ETag, payload, nameof(WriteStateAsync));
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var etag = await WriteAsync(stateName, grainId, grainState.ETag, payload: null, nameof(ClearStateAsync));
        SetEmpty(grainState, etag);
    }

    private async Task<string> WriteAsync(string stateName, GrainId grainId, string? expectedETag, byte[]? payload, string operation)
    {
        long? expected = null;
        if (expectedETag is not null)
        {
            if (!long.TryParse(expectedETag, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw Conflict(operation, stateName, grainId, expectedETag, stored: null);
            }

            expected = parsed;
        }

        object? result;
        try
        {
            result = await _connections.ExecuteWriteAsync(
                async (connection, ct) =>
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = expected is null ? InsertSql : UpdateSql;
                    AddKey(command, stateName, grainId);
                    command.Parameters.Add("@payload", SqliteType.Blob).Value = (object?)payload ?? DBNull.Value;
                    if (expected is { } value)
                    {
                        command.Parameters.AddWithValue("@etag", value);
                    }

                    return await command.ExecuteScalarAsync(ct);
                },
                CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogWriteFailed(_logger, ex, _name, operation, stateName, grainId);
            throw;
        }

        if (result is null or DBNull)
        {
            var stored = await ReadETagAsync(stateName, grainId);
            LogETagConflict(_logger, _name, operation, stateName, grainId, expectedETag, stored);
            throw Conflict(operation, stateName, grainId, expectedETag, stored);
        }

        return Convert.ToInt64(result, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
    }

    private async Task<string?> ReadETagAsync(string stateName, GrainId grainId)
    {
        await using var connection = await _connections.OpenConnectionAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT etag FROM grain_state WHERE " + Key + ";";
        AddKey(command, stateName, grainId);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? expected, string? stored) =>
        new(
            $"ETag conflict in {operation}: provider {_name}, grain {grainId}, state {stateName}, expected ETag '{expected}', stored ETag '{stored}'.",
            stored ?? string.Empty,
            expected ?? string.Empty);

    private static void AddKey(SqliteCommand command, string stateName, GrainId grainId)
    {
        command.Parameters.AddWithValue("@grain_type", grainId.Type.ToString());
        command.Parameters.AddWithValue("@grain_id", grainId.Key.ToString());
        command.Parameters.AddWithValue("@state_name", stateName);
    }

    private void SetEmpty<T>(IGrainState<T> grainState, string? etag)
    {
        grainState.State = CreateInstance<T>();
        grainState.ETag = etag;
        grainState.RecordExists = false;
    }

    private T CreateInstance<T>() => _activators.GetActivator<T>().Create();
}

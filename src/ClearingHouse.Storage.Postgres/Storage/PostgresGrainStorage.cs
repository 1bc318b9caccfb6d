using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ClearingHouse.Storage.Postgres;

/// <summary>
/// Orleans grain storage in the ClearingHouse PostgreSQL database, table <c>grain_state</c>.
/// </summary>
/// <remarks>
/// The ETag is the row's version, a counter incremented by every write and clear; each write is
/// one statement guarded by it (<c>INSERT ... ON CONFLICT DO NOTHING</c> for a first write,
/// <c>UPDATE ... WHERE etag = @etag</c> after), so a stale writer changes nothing and gets an
/// <see cref="InconsistentStateException"/>. Clearing keeps the row with a NULL payload (as
/// Orleans' ADO.NET provider does) so the version never goes back to a value a stale activation
/// may still hold. Commits use the server's synchronous commit: durable when the call returns.
/// </remarks>
public sealed partial class PostgresGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The table's definition; <c>CREATE TABLE IF NOT EXISTS</c> makes it idempotent.</summary>
    public const string SchemaSql =
        """
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_type text        NOT NULL,
            grain_id   text        NOT NULL,
            state_name text        NOT NULL,
            etag       bigint      NOT NULL,
            payload    bytea       NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (grain_type, grain_id, state_name)
        );
        """;

    // Silos starting together would race on CREATE TABLE IF NOT EXISTS (it can fail with a unique
    // violation in pg_type); a transaction-scoped advisory lock makes them take turns.
    private const long SchemaLockKey = 0x436C_6561_7247_5374; // "ClearGSt"

    private const string Key = "grain_type = @grain_type AND grain_id = @grain_id AND state_name = @state_name";

    private const string ReadSql = "SELECT etag, payload FROM grain_state WHERE " + Key;

    private const string InsertSql =
        "INSERT INTO grain_state (grain_type, grain_id, state_name, etag, payload, updated_at) " +
        "VALUES (@grain_type, @grain_id, @state_name, 1, @payload, now()) " +
        "ON CONFLICT (grain_type, grain_id, state_name) DO NOTHING RETURNING etag";

    private const string UpdateSql =
        "UPDATE grain_state SET etag = etag + 1, payload = @payload, updated_at = now() " +
        "WHERE " + Key + " AND etag = @etag RETURNING etag";

    private readonly string _name;
    private readonly PostgresConnectionFactory _connections;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly ILogger<PostgresGrainStorage> _logger;

    /// <summary>Creates the provider; the hosting extension does this from the silo's services.</summary>
    public PostgresGrainStorage(
        string name,
        PostgresConnectionFactory connections,
        IGrainStorageSerializer serializer,
        IActivatorProvider activators,
        ILogger<PostgresGrainStorage> logger)
    {
        _name = name;
        _connections = connections;
        _serializer = serializer;
        _activators = activators;
        _logger = logger;
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresGrainStorage) + "-" + _name, ServiceLifecycleStage.ApplicationServices, EnsureSchemaAsync);

    /// <summary>Creates the <c>grain_state</c> table if it does not exist; safe to call any number of times, from any number of silos.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _connections.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@key)") { Parameters = { new("key", SchemaLockKey) } },
                    new NpgsqlBatchCommand(SchemaSql),
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await using var command = new NpgsqlCommand("SHOW synchronous_commit", connection);
        var synchronousCommit = (string?)await command.ExecuteScalarAsync(cancellationToken);
        if (string.Equals(synchronousCommit, "off", StringComparison.OrdinalIgnoreCase))
        {
            LogSynchronousCommitOff(_logger, _name);
        }

        LogSchemaReady(_logger, _name, connection.Database);
    }

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            await using var command = _connections.DataSource.CreateCommand(ReadSql);
            AddKey(command, stateName, grainId);
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                SetEmpty(grainState, etag: null);
                return;
            }

            var etag = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture);
            if (await reader.IsDBNullAsync(1))
            {
                SetEmpty(grainState, etag);
                return;
            }

            var payload = reader.GetFieldValue<byte[]>(1);
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
        var payload = _serializer.Serialize(grainState.State).ToMemory();
        grainState.ETag = await WriteAsync(stateName, grainId, grainState.ETag, payload, nameof(WriteStateAsync));
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var etag = await WriteAsync(stateName, grainId, grainState.ETag, payload: null, nameof(ClearStateAsync));
        SetEmpty(grainState, etag);
    }

    private async Task<string> WriteAsync(string stateName, GrainId grainId, string? expectedETag, ReadOnlyMemory<byte>? payload, string operation)
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
            await using var command = _connections.DataSource.CreateCommand(expected is null ? InsertSql : UpdateSql);
            AddKey(command, stateName, grainId);
            command.Parameters.Add(payload is { } bytes
                ? new NpgsqlParameter<ReadOnlyMemory<byte>>("payload", NpgsqlDbType.Bytea) { TypedValue = bytes }
                : new NpgsqlParameter("payload", NpgsqlDbType.Bytea) { Value = DBNull.Value });
            if (expected is { } value)
            {
                command.Parameters.Add(new NpgsqlParameter<long>("etag", value));
            }

            result = await command.ExecuteScalarAsync();
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

        return ((long)result).ToString(CultureInfo.InvariantCulture);
    }

    private async Task<string?> ReadETagAsync(string stateName, GrainId grainId)
    {
        await using var command = _connections.DataSource.CreateCommand("SELECT etag FROM grain_state WHERE " + Key);
        AddKey(command, stateName, grainId);
        var value = await command.ExecuteScalarAsync();
        return value is long etag ? etag.ToString(CultureInfo.InvariantCulture) : null;
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? expected, string? stored) =>
        new(
            $"ETag conflict in {operation}: provider {_name}, grain {grainId}, state {stateName}, expected ETag '{expected}', stored ETag '{stored}'.",
            stored ?? string.Empty,
            expected ?? string.Empty);

    private static void AddKey(NpgsqlCommand command, string stateName, GrainId grainId)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("grain_type", grainId.Type.ToString()!));
        command.Parameters.Add(new NpgsqlParameter<string>("grain_id", grainId.Key.ToString()!));
        command.Parameters.Add(new NpgsqlParameter<string>("state_name", stateName));
    }

    private void SetEmpty<T>(IGrainState<T> grainState, string? etag)
    {
        grainState.State = CreateInstance<T>();
        grainState.ETag = etag;
        grainState.RecordExists = false;
    }

    private T CreateInstance<T>() => _activators.GetActivator<T>().Create();
}

using System.Globalization;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ClearingHouse.Storage.Relational.Storage;

/// <summary>
/// Orleans grain storage in a table <c>grain_state</c> keyed by (grain_type, grain_id, state_name): the
/// read / write / clear protocol shared by the SQLite and PostgreSQL providers. A backend supplies the
/// three row operations, run its own way (connections, write serialization, parameters); its migration
/// step creates the table.
/// </summary>
/// <remarks>
/// The ETag is the row's version, a counter incremented by every write and clear; each write is one
/// statement guarded by it (an insert that does nothing on conflict for a first write, an update
/// <c>WHERE etag = @etag</c> after), so a stale writer changes nothing and gets an
/// <see cref="InconsistentStateException"/>. Clearing keeps the row with a NULL payload (as Orleans'
/// ADO.NET provider does) so the version never goes back to a value a stale activation may still hold.
/// </remarks>
public abstract class RelationalGrainStorage : IGrainStorage
{
    /// <summary>The row key condition, with parameters <c>@grain_type</c>, <c>@grain_id</c>, <c>@state_name</c>.</summary>
    protected const string Key = "grain_type = @grain_type AND grain_id = @grain_id AND state_name = @state_name";

    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;

    /// <summary>Creates the provider named <paramref name="name"/>.</summary>
    protected RelationalGrainStorage(string name, IGrainStorageSerializer serializer, IActivatorProvider activators)
    {
        Name = name;
        _serializer = serializer;
        _activators = activators;
    }

    /// <summary>The provider's name.</summary>
    protected string Name { get; }

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        try
        {
            var row = await ReadRowAsync(stateName, grainId);
            if (row is not { } found)
            {
                SetEmpty(grainState, etag: null);
                return;
            }

            var etag = found.ETag.ToString(CultureInfo.InvariantCulture);
            if (found.Payload is not { } payload)
            {
                SetEmpty(grainState, etag);
                return;
            }

            grainState.State = _serializer.Deserialize<T>(new BinaryData(payload)) ?? CreateInstance<T>();
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }
        catch (Exception ex)
        {
            OnReadFailed(ex, stateName, grainId);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var payload = _serializer.Serialize(grainState.State);
        grainState.ETag = await WriteAsync(stateName, grainId, grainState.ETag, payload, nameof(WriteStateAsync));
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var etag = await WriteAsync(stateName, grainId, grainState.ETag, payload: null, nameof(ClearStateAsync));
        SetEmpty(grainState, etag);
    }

    /// <summary>The row's version and payload (null: cleared), or null when there is no row.</summary>
    protected abstract Task<(long ETag, byte[]? Payload)?> ReadRowAsync(string stateName, GrainId grainId);

    /// <summary>
    /// Inserts the row with version 1 when <paramref name="expected"/> is null (nothing on conflict), else
    /// updates it where its version is <paramref name="expected"/>, incrementing it; stores
    /// <paramref name="payload"/> (null: SQL NULL). The new version, or null when nothing changed.
    /// </summary>
    protected abstract Task<long?> WriteRowAsync(string stateName, GrainId grainId, long? expected, BinaryData? payload);

    /// <summary>The row's version, or null when there is no row.</summary>
    protected abstract Task<long?> ReadETagAsync(string stateName, GrainId grainId);

    /// <summary>Logs a failed read (the exception is rethrown).</summary>
    protected abstract void OnReadFailed(Exception exception, string stateName, GrainId grainId);

    /// <summary>Logs a failed write or clear (the exception is rethrown).</summary>
    protected abstract void OnWriteFailed(Exception exception, string operation, string stateName, GrainId grainId);

    /// <summary>Logs a write or clear refused for a stale ETag.</summary>
    protected abstract void OnETagConflict(string operation, string stateName, GrainId grainId, string? expectedETag, string? storedETag);

    private async Task<string> WriteAsync(string stateName, GrainId grainId, string? expectedETag, BinaryData? payload, string operation)
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

        long? result;
        try
        {
            result = await WriteRowAsync(stateName, grainId, expected, payload);
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex, operation, stateName, grainId);
            throw;
        }

        if (result is not { } etag)
        {
            var stored = (await ReadETagAsync(stateName, grainId))?.ToString(CultureInfo.InvariantCulture);
            OnETagConflict(operation, stateName, grainId, expectedETag, stored);
            throw Conflict(operation, stateName, grainId, expectedETag, stored);
        }

        return etag.ToString(CultureInfo.InvariantCulture);
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? expected, string? stored) =>
        new(
            $"ETag conflict in {operation}: provider {Name}, grain {grainId}, state {stateName}, expected ETag '{expected}', stored ETag '{stored}'.",
            stored ?? string.Empty,
            expected ?? string.Empty);

    private void SetEmpty<T>(IGrainState<T> grainState, string? etag)
    {
        grainState.State = CreateInstance<T>();
        grainState.ETag = etag;
        grainState.RecordExists = false;
    }

    private T CreateInstance<T>() => _activators.GetActivator<T>().Create();
}

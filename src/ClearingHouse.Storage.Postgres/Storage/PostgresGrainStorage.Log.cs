using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace ClearingHouse.Storage.Postgres;

public sealed partial class PostgresGrainStorage
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Grain storage {Provider}: table grain_state ready in PostgreSQL database {Database}")]
    private static partial void LogSchemaReady(ILogger logger, string provider, string database);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Error, Message = "Grain storage {Provider}: reading state {StateName} of {GrainId} failed")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, string provider, string stateName, GrainId grainId);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "Grain storage {Provider}: {Operation} of state {StateName} of {GrainId} failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string provider, string operation, string stateName, GrainId grainId);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Grain storage {Provider}: {Operation} of state {StateName} of {GrainId} rejected, ETag {ExpectedETag} is stale (stored {StoredETag})")]
    private static partial void LogETagConflict(ILogger logger, string provider, string operation, string stateName, GrainId grainId, string? expectedETag, string? storedETag);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "Grain storage {Provider}: the server runs with synchronous_commit=off, so acknowledged grain state can be lost in a crash")]
    private static partial void LogSynchronousCommitOff(ILogger logger, string provider);
}

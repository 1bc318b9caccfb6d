using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace ClearingHouse.Storage.Postgres;

public sealed partial class PostgresGrainStorage
{
    [LoggerMessage(EventId = 4201, Level = LogLevel.Error, Message = "Grain storage {Provider}: reading state {StateName} of {GrainId} failed")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, string provider, string stateName, GrainId grainId);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "Grain storage {Provider}: {Operation} of state {StateName} of {GrainId} failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string provider, string operation, string stateName, GrainId grainId);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Grain storage {Provider}: {Operation} of state {StateName} of {GrainId} rejected, ETag {ExpectedETag} is stale (stored {StoredETag})")]
    private static partial void LogETagConflict(ILogger logger, string provider, string operation, string stateName, GrainId grainId, string? expectedETag, string? storedETag);
}

using ClearingHouse.Application.Locations;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Server.Hosting;
using Google.Protobuf;
using StackExchange.Redis;

namespace ClearingHouse.Server.Locations;

/// <summary>
/// Snapshots of whole locations in the protobuf wire form GetLocation answers with, read through by
/// <see cref="LocationsCore.GetAsync"/>. It lives beside the gRPC service rather than in a Storage project because
/// what it keeps is the wire form.
/// </summary>
public interface ILocationSnapshotCache : ILocationSnapshotCache<Location>
{
}

/// <summary>The Embedded profile's cache: none (the location grain in this process is the cache).</summary>
public sealed class NoLocationSnapshotCache : ILocationSnapshotCache
{
    /// <inheritdoc />
    public ValueTask<Location?> GetAsync(PartyKey cpo, string locationId) => ValueTask.FromResult<Location?>(null);

    /// <inheritdoc />
    public void Set(PartyKey cpo, string locationId, Location location)
    {
    }

    /// <inheritdoc />
    public void Invalidate(PartyKey cpo, string locationId)
    {
    }
}

/// <summary>
/// The Cluster profile's cache in Redis: one key per location holding its protobuf bytes for
/// <c>Locations:SnapshotCacheTtl</c>. A read on one silo of a location whose grain lives on another
/// (or is not active) costs one Redis round trip instead of a grain activation and a storage read.
/// Statuses in a cached snapshot are at most the TTL old; Put/Patch/PatchEvse drop the key, so
/// location data changed by a write is visible at once. Redis down or slow: each call gives up after
/// <see cref="CallTimeout"/>, the cache is bypassed for <see cref="BackOff"/>, and reads go to the
/// grains (slower, never wrong). A value that does not parse is a miss and is dropped.
/// </summary>
public sealed partial class RedisLocationSnapshotCache : ILocationSnapshotCache
{
    /// <summary>How long one cache call may take before the read goes to the grain.</summary>
    public static readonly TimeSpan CallTimeout = RedisCacheConnection.CallTimeout;

    /// <summary>After a failure, the cache is not asked for this long.</summary>
    public static readonly TimeSpan BackOff = TimeSpan.FromSeconds(5);

    private const string KeyPrefix = "ch:location-snapshot:v1:";
    private readonly TimeSpan _ttl;
    private readonly HubClock _clock;
    private readonly LocationMetrics _metrics;
    private readonly ILogger<RedisLocationSnapshotCache> _logger;
    private readonly RedisCacheConnection _redis;
    private long _bypassUntilTicks;

    /// <summary>Connects in the background; until connected, every read is a bypass.</summary>
    public RedisLocationSnapshotCache(RedisCacheConnection redis, TimeSpan ttl, HubClock clock, LocationMetrics metrics, ILogger<RedisLocationSnapshotCache> logger)
    {
        _ttl = ttl;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        _redis = redis;
    }

    /// <inheritdoc />
    public async ValueTask<Location?> GetAsync(PartyKey cpo, string locationId)
    {
        if (Database() is not { } db)
        {
            _metrics.SnapshotCache("bypass");
            return null;
        }

        try
        {
            var value = await db.StringGetAsync(Key(cpo, locationId)).WaitAsync(CallTimeout);
            if (value.IsNull)
            {
                _metrics.SnapshotCache("miss");
                return null;
            }

            var location = Location.Parser.ParseFrom((byte[])value!);
            _metrics.SnapshotCache("hit");
            return location;
        }
        catch (InvalidProtocolBufferException)
        {
            _metrics.SnapshotCache("miss");
            Invalidate(cpo, locationId);
            return null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Fail(ex);
            _metrics.SnapshotCache("bypass");
            return null;
        }
    }

    /// <inheritdoc />
    public void Set(PartyKey cpo, string locationId, Location location)
    {
        if (Database() is { } db)
        {
            Run(db.StringSetAsync(Key(cpo, locationId), location.ToByteArray(), _ttl, flags: CommandFlags.FireAndForget));
        }
    }

    /// <inheritdoc />
    public void Invalidate(PartyKey cpo, string locationId)
    {
        // Best effort: when Redis is away the key cannot be dropped, and it expires within the TTL.
        if (Database() is { } db)
        {
            Run(db.KeyDeleteAsync(Key(cpo, locationId), CommandFlags.FireAndForget));
        }
    }

    private static RedisKey Key(PartyKey cpo, string locationId) => $"{KeyPrefix}{cpo}/{locationId}";

    private IDatabase? Database()
    {
        return _clock.UtcNow.UtcTicks < Interlocked.Read(ref _bypassUntilTicks) ? null : _redis.Database();
    }

    private void Fail(Exception ex)
    {
        var until = (_clock.UtcNow + BackOff).UtcTicks;
        var previous = Interlocked.Exchange(ref _bypassUntilTicks, until);
        if (previous < _clock.UtcNow.UtcTicks)
        {
            LogBypassed(_logger, ex, BackOff.TotalSeconds);
        }
    }

    private void Run(Task task) =>
        task.ContinueWith(t => Fail(t.Exception!.GetBaseException()), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Warning, Message = "Location snapshot cache unavailable; reads go to the grains for {Seconds} s")]
    private static partial void LogBypassed(ILogger logger, Exception ex, double seconds);
}

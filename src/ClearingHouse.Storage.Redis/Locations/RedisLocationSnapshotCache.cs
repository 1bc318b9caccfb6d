using ClearingHouse.Application.Locations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Storage.Redis.Caching;
using StackExchange.Redis;

namespace ClearingHouse.Storage.Redis.Locations;

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
    public async ValueTask<T?> GetAsync<T>(PartyKey cpo, string locationId, Func<byte[], T> parse)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (Database() is not { } db)
        {
            _metrics.SnapshotCache("bypass");
            return null;
        }

        RedisValue value;
        try
        {
            value = await db.StringGetAsync(Key(cpo, locationId)).WaitAsync(CallTimeout);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Fail(ex);
            _metrics.SnapshotCache("bypass");
            return null;
        }

        if (value.IsNull)
        {
            _metrics.SnapshotCache("miss");
            return null;
        }

        T snapshot;
        try
        {
            snapshot = parse((byte[])value!);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A value that does not parse (another version's form, a stray write) is a miss, never a wrong answer.
            _metrics.SnapshotCache("miss");
            Invalidate(cpo, locationId);
            return null;
        }

        _metrics.SnapshotCache("hit");
        return snapshot;
    }

    /// <inheritdoc />
    public void Set(PartyKey cpo, string locationId, byte[] snapshot)
    {
        if (Database() is { } db)
        {
            Run(db.StringSetAsync(Key(cpo, locationId), snapshot, _ttl, flags: CommandFlags.FireAndForget));
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

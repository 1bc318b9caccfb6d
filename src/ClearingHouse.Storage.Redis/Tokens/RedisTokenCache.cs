using ClearingHouse.Application.Tokens;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Redis.Caching;
using Orleans.Serialization;
using StackExchange.Redis;

namespace ClearingHouse.Storage.Redis.Tokens;

/// <summary>
/// The Cluster profile's <see cref="ITokenCache"/>: one Redis key per token (type + uid) holding the
/// hub's copy (or "no such token") in Orleans' binary form, plus one epoch counter that every
/// invalidation moves on. A token grain's activation reads the token and the epoch in one round trip
/// (MGET); on a miss it reads PostgreSQL and caches the result with a script that writes only if the
/// epoch is still the one it saw, so a value read before a concurrent change is never cached after it.
/// Redis down or slow: a read gives up after <see cref="CallTimeout"/> and is a miss (the grain reads
/// the store; slower, never wrong) and reads bypass Redis for <see cref="BackOff"/>; an invalidation
/// that cannot be confirmed refuses the token write (UNAVAILABLE) before the store is touched.
/// Commands are never queued while disconnected (fail fast), so nothing old is replayed later.
/// </summary>
public sealed partial class RedisTokenCache : ITokenCache
{
    /// <summary>How long one cache call may take.</summary>
    public static readonly TimeSpan CallTimeout = RedisCacheConnection.CallTimeout;

    /// <summary>After a failed read, reads do not ask Redis for this long.</summary>
    public static readonly TimeSpan BackOff = TimeSpan.FromSeconds(5);

    // KEYS[1] token key, KEYS[2] epoch key; ARGV[1] value, ARGV[2] epoch seen, ARGV[3] ttl (ms).
    private const string SetIfEpochScript = """
        local e = redis.call('GET', KEYS[2]) or '0'
        if e == ARGV[2] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
          return 1
        end
        return 0
        """;

    private const byte Absent = 1;
    private const byte Present = 2;

    private readonly string _prefix;
    private readonly RedisKey _epochKey;
    private readonly long _ttlMilliseconds;
    private readonly Serializer<TokenRecord> _serializer;
    private readonly HubClock _clock;
    private readonly TokenMetrics _metrics;
    private readonly ILogger<RedisTokenCache> _logger;
    private readonly RedisCacheConnection _redis;
    private long _bypassUntilTicks;

    /// <summary>Connects in the background; until connected, reads are misses and writes are refused.</summary>
    /// <param name="redis">The silo's cache connection.</param>
    /// <param name="serviceId">The Orleans service id: clusters of different services never share entries.</param>
    /// <param name="ttl">How long an entry lives.</param>
    /// <param name="serializer">Orleans' serializer for the token record.</param>
    /// <param name="clock">The hub clock.</param>
    /// <param name="metrics">Token instruments.</param>
    /// <param name="logger">The logger.</param>
    public RedisTokenCache(RedisCacheConnection redis, string serviceId, TimeSpan ttl, Serializer<TokenRecord> serializer, HubClock clock, TokenMetrics metrics, ILogger<RedisTokenCache> logger)
    {
        _prefix = $"ch:{serviceId}:token:v1:";
        _epochKey = $"ch:{serviceId}:token-epoch:v1";
        _ttlMilliseconds = (long)ttl.TotalMilliseconds;
        _serializer = serializer;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        _redis = redis;
    }

    /// <inheritdoc />
    public async ValueTask<TokenCacheLookup> GetAsync(TokenType type, string uid)
    {
        if (!_redis.Connection.IsCompleted)
        {
            // Just started: the first activations wait briefly for the connection rather than all missing.
            try
            {
                await _redis.Connection.WaitAsync(CallTimeout);
            }
            catch (TimeoutException)
            {
            }
        }

        if (_clock.UtcNow.UtcTicks < Interlocked.Read(ref _bypassUntilTicks) || Database() is not { } db)
        {
            _metrics.CacheRead("bypass");
            return TokenCacheLookup.Unavailable;
        }

        try
        {
            var values = await db.StringGetAsync([Key(type, uid), _epochKey]).WaitAsync(CallTimeout);
            var epoch = values[1].IsNull ? 0 : (long)values[1];
            var value = (byte[]?)values[0];
            var wellFormed = value is [Absent] || value is [Present, _, ..];
            if (!wellFormed)
            {
                _metrics.CacheRead("miss");
                return new TokenCacheLookup(false, null, epoch);
            }

            var token = value![0] == Absent ? null : _serializer.Deserialize(value.AsMemory(1));
            if (token is not null && (token.Type != type || token.Uid != uid))
            {
                _metrics.CacheRead("miss");
                return new TokenCacheLookup(false, null, epoch);
            }

            _metrics.CacheRead("hit");
            return new TokenCacheLookup(true, token, epoch);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidCastException or FormatException or Orleans.Serialization.SerializerException)
        {
            Fail(ex);
            _metrics.CacheRead("bypass");
            return TokenCacheLookup.Unavailable;
        }
    }

    /// <inheritdoc />
    public async Task SetAsync(TokenType type, string uid, TokenRecord? token, long epoch)
    {
        if (Database() is not { } db)
        {
            return;
        }

        byte[] value;
        if (token is null)
        {
            value = [Absent];
        }
        else
        {
            var body = _serializer.SerializeToArray(token);
            value = new byte[body.Length + 1];
            value[0] = Present;
            body.CopyTo(value, 1);
        }

        try
        {
            await db.ScriptEvaluateAsync(SetIfEpochScript, [Key(type, uid), _epochKey], [value, epoch, _ttlMilliseconds]).WaitAsync(CallTimeout);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // A lost write only costs a later store read.
        }
    }

    /// <inheritdoc />
    public async Task<long> InvalidateAsync(IReadOnlyCollection<(TokenType Type, string Uid)> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        try
        {
            var db = Database() ?? throw new RedisException("the token cache is not connected");
            var transaction = db.CreateTransaction();
            var epoch = transaction.StringIncrementAsync(_epochKey);
            Task deleted = Task.CompletedTask;
            if (keys.Count > 0)
            {
                deleted = transaction.KeyDeleteAsync([.. keys.Select(k => Key(k.Type, k.Uid))]);
            }

            if (!await transaction.ExecuteAsync().WaitAsync(CallTimeout + CallTimeout))
            {
                throw new RedisException("the invalidation transaction was not applied");
            }

            await deleted;
            return await epoch;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogInvalidationFailed(_logger, ex, keys.Count);
            throw new HubException(HubErrorCode.Unavailable, "the hub's token cache could not be updated; nothing was changed, retry");
        }
    }

    private RedisKey Key(TokenType type, string uid) => $"{_prefix}{(int)type}:{uid}";

    private IDatabase? Database() => _redis.Database();

    private void Fail(Exception ex)
    {
        var now = _clock.UtcNow.UtcTicks;
        if (Interlocked.Exchange(ref _bypassUntilTicks, now + BackOff.Ticks) < now)
        {
            LogBypassed(_logger, ex, BackOff.TotalSeconds);
        }
    }

    [LoggerMessage(EventId = 4030, Level = LogLevel.Warning, Message = "Token cache unavailable; token activations read the store for {Seconds} s")]
    private static partial void LogBypassed(ILogger logger, Exception ex, double seconds);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Warning, Message = "Token cache invalidation of {Count} tokens failed; the token write is refused")]
    private static partial void LogInvalidationFailed(ILogger logger, Exception ex, int count);
}

using StackExchange.Redis;

namespace ClearingHouse.Storage.Redis.Caching;

/// <summary>
/// The silo's one connection to the Redis that holds its caches (location snapshots, tokens), from
/// <c>Redis:CacheConnectionString</c> or else <c>Redis:ConnectionString</c>. One multiplexer is what StackExchange.Redis
/// intends per process; each cache keeps its own bypass and fallback rules on top of it.
/// </summary>
/// <remarks>
/// Connects in the background and never fails the hub's start: until it is connected, and whenever it is not, the
/// caches read their sources. Calls fail fast (no backlog) after <see cref="CallTimeout"/>, since a cache read that
/// waits longer than its source would is worth nothing.
/// </remarks>
public sealed partial class RedisCacheConnection : IDisposable
{
    /// <summary>How long one cache call may take before the caller goes to the source instead.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromMilliseconds(250);

    private readonly ILogger<RedisCacheConnection> _logger;

    /// <summary>Starts connecting to <paramref name="configuration"/> (a StackExchange.Redis configuration string).</summary>
    public RedisCacheConnection(string configuration, ILogger<RedisCacheConnection> logger)
    {
        _logger = logger;
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 1000;
        options.SyncTimeout = options.AsyncTimeout = (int)CallTimeout.TotalMilliseconds;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        Connection = ConnectAsync(options);
    }

    /// <summary>The multiplexer once connected; null when the configuration could not be used at all.</summary>
    public Task<ConnectionMultiplexer?> Connection { get; }

    /// <summary>The database when connected now, else null (the caller reads its source).</summary>
    public IDatabase? Database() =>
        Connection.IsCompletedSuccessfully && Connection.Result is { IsConnected: true } connection ? connection.GetDatabase() : null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Connection.IsCompletedSuccessfully)
        {
            Connection.Result?.Dispose();
        }
    }

    private async Task<ConnectionMultiplexer?> ConnectAsync(ConfigurationOptions options)
    {
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception ex) when (ex is RedisException or ArgumentException)
        {
            LogUnusable(_logger, ex);
            return null;
        }
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Cache Redis unusable; location and token caches read their sources")]
    private static partial void LogUnusable(ILogger logger, Exception ex);
}

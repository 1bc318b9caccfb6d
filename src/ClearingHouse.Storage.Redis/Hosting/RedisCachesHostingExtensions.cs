using ClearingHouse.Application.Locations;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Redis.Caching;
using ClearingHouse.Storage.Redis.Locations;
using ClearingHouse.Storage.Redis.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace ClearingHouse.Storage.Redis.Hosting;

/// <summary>Registers the Redis caches of the Cluster profile.</summary>
public static class RedisCachesHostingExtensions
{
    /// <summary>
    /// Adds the silo's one <see cref="RedisCacheConnection"/> to <paramref name="connectionString"/> and the caches on
    /// it: <see cref="ITokenCache"/> (unless <c>Tokens:RedisCache</c> is false) and <see cref="ILocationSnapshotCache"/>
    /// (unless <c>Locations:SnapshotCacheTtl</c> is zero); a cache that is off is the no-cache implementation. Every
    /// cache reads its source when Redis is away, so a Redis outage, restart or flush changes no answer.
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="connectionString">A StackExchange.Redis configuration string.</param>
    /// <param name="serviceId">The Orleans service id: clusters of different services never share cache entries.</param>
    public static IServiceCollection AddRedisCaches(this IServiceCollection services, string connectionString, string serviceId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.TryAddSingleton(sp => new RedisCacheConnection(connectionString, sp.GetRequiredService<ILogger<RedisCacheConnection>>()));
        services.TryAddSingleton<ITokenCache>(sp =>
        {
            var tokens = sp.GetRequiredService<IOptions<TokensOptions>>().Value;
            return tokens.RedisCache
                ? new RedisTokenCache(
                    sp.GetRequiredService<RedisCacheConnection>(),
                    serviceId,
                    tokens.RedisCacheTtl,
                    sp.GetRequiredService<Serializer<TokenRecord>>(),
                    sp.GetRequiredService<HubClock>(),
                    sp.GetRequiredService<TokenMetrics>(),
                    sp.GetRequiredService<ILogger<RedisTokenCache>>())
                : new NoTokenCache();
        });
        services.TryAddSingleton<ILocationSnapshotCache>(sp =>
        {
            var ttl = sp.GetRequiredService<IOptions<LocationsOptions>>().Value.SnapshotCacheTtl;
            return ttl > TimeSpan.Zero
                ? new RedisLocationSnapshotCache(
                    sp.GetRequiredService<RedisCacheConnection>(),
                    ttl,
                    sp.GetRequiredService<HubClock>(),
                    sp.GetRequiredService<LocationMetrics>(),
                    sp.GetRequiredService<ILogger<RedisLocationSnapshotCache>>())
                : new NoLocationSnapshotCache();
        });
        return services;
    }
}

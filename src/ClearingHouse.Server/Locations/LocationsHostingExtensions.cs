using ClearingHouse.Application.Locations;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Hosting;
using ClearingHouse.Server.Options;
using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Postgres.Locations;
using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Sqlite.Locations;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Locations;

/// <summary>Registers locations and status routing.</summary>
public static class LocationsHostingExtensions
{
    /// <summary>Adds the location store and snapshot cache of the profile and the options (the core is AddLocationsCore, the grains' status writer AddClearingHouseGrains).</summary>
    public static IServiceCollection AddClearingHouseLocations(this IServiceCollection services, IConfiguration configuration, HubSettings settings)
    {
        services.AddOptions<LocationsOptions>()
            .Bind(configuration.GetSection(LocationsOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LocationsOptions>, LocationsOptionsValidator>();
        if (settings.Hub.Profile == HubProfile.Embedded)
        {
            services.AddSingleton<ILocationStore>(sp => new SqliteLocationStore(sp.GetRequiredService<SqliteConnectionFactory>()));
            services.AddSingleton<ILocationSnapshotCache, NoLocationSnapshotCache>();
        }
        else
        {
            services.AddSingleton<ILocationStore>(sp => new PostgresLocationStore(sp.GetRequiredService<PostgresConnectionFactory>()));
            RedisCacheConnection.Register(services, settings.Redis.CacheConnectionString ?? settings.Redis.ConnectionString!);
            services.AddSingleton<ILocationSnapshotCache>(sp =>
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
        }

        services.AddSingleton<ILocationSnapshotInvalidation>(sp => sp.GetRequiredService<ILocationSnapshotCache>());
        return services;
    }

    private sealed class LocationsOptionsValidator : IValidateOptions<LocationsOptions>
    {
        public ValidateOptionsResult Validate(string? name, LocationsOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}

using ClearingHouse.Application.Locations;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Hosting;
using ClearingHouse.Grains.Hosting;

namespace ClearingHouse.Server.Locations;

/// <summary>Registers locations and status routing.</summary>
public static class LocationsHostingExtensions
{
    /// <summary>
    /// Adds the status write-behind, the subscription hub and their options. The location store and snapshot cache
    /// are the profile's (see <see cref="ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseLocations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<LocationsOptions, LocationsOptionsValidator>(configuration, LocationsOptions.Section);
        services.AddSingleton<LocationMetrics>();
        services.AddSingleton<StatusWriteBehind>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusWriteBehind>());
        services.AddSingleton<StatusSubscriptionHub>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusSubscriptionHub>());
        return services;
    }
}

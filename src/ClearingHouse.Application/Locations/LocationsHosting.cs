using ClearingHouse.Application.Cdrs;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClearingHouse.Application.Locations;

/// <summary>Registers the locations and status core.</summary>
internal static class LocationsHosting
{
    /// <summary>
    /// Adds the location reads and writes, the status ingest, the status subscriptions with the silo's subscription
    /// hub, and their instruments. Backends (the location store, snapshot caches) are registered by their own projects.
    /// </summary>
    internal static IServiceCollection AddLocationsCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<LocationMetrics>();
        services.AddSingleton<StatusSubscriptionHub>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusSubscriptionHub>());
        services.TryAddSingleton<LocationTimeZones>(); // also CDR pricing's; a location write drops its entry
        services.AddSingleton<LocationsCore>();
        services.AddSingleton<StatusIngest>();
        services.AddSingleton<StatusSubscriptions>();
        return services;
    }
}

namespace ClearingHouse.Application.Locations;

/// <summary>Registers the locations and status core.</summary>
internal static class LocationsHosting
{
    /// <summary>Adds the location reads and writes, the status ingest and the status subscriptions.</summary>
    internal static IServiceCollection AddLocationsCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<LocationsCore>();
        services.AddSingleton<StatusIngest>();
        services.AddSingleton<StatusSubscriptions>();
        return services;
    }
}

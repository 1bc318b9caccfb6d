using ClearingHouse.Application.Locations;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Grains.Hosting;
using ClearingHouse.Grains.Options;

namespace ClearingHouse.Server.Locations;

/// <summary>Registers the locations edge: options and GetLocation's snapshot form (the flow is the core's: AddLocationsCore).</summary>
public static class LocationsHostingExtensions
{
    /// <summary>
    /// Adds the validated <see cref="LocationsOptions"/> and <see cref="ProtoLocationSnapshots"/> over the profile's
    /// snapshot cache (see <see cref="Hosting.ServerHostingExtensions"/>), which location writes invalidate.
    /// </summary>
    public static IServiceCollection AddClearingHouseLocations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<LocationsOptions, LocationsOptionsValidator>(configuration, LocationsOptions.Section);
        services.AddSingleton<ILocationSnapshotCache<Location>, ProtoLocationSnapshots>();
        services.AddSingleton<ILocationSnapshotInvalidation>(sp => sp.GetRequiredService<ILocationSnapshotCache>());
        return services;
    }
}

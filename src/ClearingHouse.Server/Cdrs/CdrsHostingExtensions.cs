using ClearingHouse.Application.Cdrs;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Server.Hosting;
using ClearingHouse.Grains.Hosting;

namespace ClearingHouse.Server.Cdrs;

/// <summary>Registers tariffs and CDR ingestion: the tariff catalog, the feed, the ingestor.</summary>
public static class CdrsHostingExtensions
{
    /// <summary>
    /// Adds <see cref="CdrOptions"/> (validated at start), the silo-local <see cref="TariffCatalog"/>, the CDR
    /// subscription hub and the <see cref="CdrIngestor"/>. The CDR store is the profile's (see <see cref="ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseCdrs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CdrOptions, CdrOptionsValidator>(configuration, CdrOptions.Section);
        services.AddSingleton<TariffCatalog>();
        services.AddSingleton<LocationTimeZones>();
        services.AddSingleton<CdrSubscriptionHub>();

        services.AddSingleton<CdrIngestor>();
        return services;
    }
}

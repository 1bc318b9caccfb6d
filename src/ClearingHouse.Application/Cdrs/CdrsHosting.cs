using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClearingHouse.Application.Cdrs;

/// <summary>Registers the CDR flow's core services.</summary>
internal static class CdrsHosting
{
    /// <summary>Adds the ingest flow (<see cref="CdrIngestor"/>), its location time zones, and the CDR feed (<see cref="CdrFeed"/>).</summary>
    internal static IServiceCollection AddCdrsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<LocationTimeZones>(); // shared with the locations core, which drops an entry on a location write
        services.AddSingleton<CdrIngestor>();
        services.AddSingleton<CdrFeed>();
        return services;
    }
}

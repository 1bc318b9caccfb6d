using ClearingHouse.Application.Cdrs;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Server.Hosting;

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
        services.AddOptions<CdrOptions>()
            .Bind(configuration.GetSection(CdrOptions.Section))
            .Validate(o => o.PriceTolerance >= 0, "Cdrs:PriceTolerance must not be negative")
            .Validate(o => o.MaxBatchSize is >= 1 and <= 10_000, "Cdrs:MaxBatchSize must be between 1 and 10000")
            .Validate(o => o.SubscriberBatchSize is >= 1 and <= 1000, "Cdrs:SubscriberBatchSize must be between 1 and 1000")
            .Validate(o => o.SubscriberQueueCdrs >= o.SubscriberBatchSize, "Cdrs:SubscriberQueueCdrs must be at least Cdrs:SubscriberBatchSize")
            .Validate(o => o.SubscriberStallTimeout > TimeSpan.Zero, "Cdrs:SubscriberStallTimeout must be positive")
            .Validate(o => o.SubscriberPollInterval > TimeSpan.Zero, "Cdrs:SubscriberPollInterval must be positive")
            .Validate(o => o.LocationTimeZoneTtl >= TimeSpan.Zero, "Cdrs:LocationTimeZoneTtl must not be negative")
            .ValidateOnStart();
        services.AddSingleton<TariffCatalog>();
        services.AddSingleton<LocationTimeZones>();
        services.AddSingleton<CdrSubscriptionHub>();
        services.AddHostedService(sp => sp.GetRequiredService<CdrSubscriptionHub>());

        services.AddSingleton<CdrIngestor>();
        return services;
    }
}

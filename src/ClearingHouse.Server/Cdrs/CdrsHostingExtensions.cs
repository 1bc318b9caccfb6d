using ClearingHouse.Application.Cdrs;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Server.Options;
using ClearingHouse.Storage.Postgres.Cdrs;
using ClearingHouse.Storage.Sqlite.Cdrs;

namespace ClearingHouse.Server.Cdrs;

/// <summary>Registers CDR storage: the CDR store of the profile (the flows and the tariff catalog are the core's: AddCdrsCore, AddTariffsCore).</summary>
public static class CdrsHostingExtensions
{
    /// <summary>
    /// Adds <see cref="CdrOptions"/> (validated at start), the
    /// <see cref="ICdrStore"/> of the profile (Embedded: SQLite in the data folder's database file; Cluster:
    /// PostgreSQL) on the storage provider's shared connection factory.
    /// </summary>
    public static IServiceCollection AddClearingHouseCdrs(this IServiceCollection services, IConfiguration configuration, HubProfile profile)
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
        if (profile == HubProfile.Embedded)
        {
            services.AddSingleton<SqliteCdrStore>();
            services.AddSingleton<ICdrStore>(sp => sp.GetRequiredService<SqliteCdrStore>());
            services.AddSingleton<ICdrFeedStore>(sp => sp.GetRequiredService<SqliteCdrStore>());
        }
        else
        {
            services.AddSingleton<PostgresCdrStore>();
            services.AddSingleton<ICdrStore>(sp => sp.GetRequiredService<PostgresCdrStore>());
            services.AddSingleton<ICdrFeedStore>(sp => sp.GetRequiredService<PostgresCdrStore>());
        }

        services.AddSingleton<CdrSubscriptionHub>();
        return services;
    }
}

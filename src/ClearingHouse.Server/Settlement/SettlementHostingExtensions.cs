using ClearingHouse.Application.Settlement;
using ClearingHouse.Application.Operations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Server.Options;
using ClearingHouse.Storage.Postgres.Operations;
using ClearingHouse.Storage.Postgres.Settlement;
using ClearingHouse.Storage.Sqlite.Operations;
using ClearingHouse.Storage.Sqlite.Settlement;

namespace ClearingHouse.Server.Settlement;

/// <summary>Registers settlement, disputes and the operator's tools.</summary>
public static class SettlementHostingExtensions
{
    /// <summary>
    /// Adds <see cref="SettlementOptions"/> (validated at start), the <see cref="ISettlementStore"/> of the profile
    /// (beside the CDRs: SQLite file or PostgreSQL database), <see cref="OpsOptions"/> and the <see cref="IDataQualityStore"/>
    /// of the profile.
    /// </summary>
    public static IServiceCollection AddClearingHouseSettlement(this IServiceCollection services, IConfiguration configuration, HubProfile profile)
    {
        services.AddOptions<SettlementOptions>()
            .Bind(configuration.GetSection(SettlementOptions.Section))
            .Validate(o => o.MaxPeriodDays is >= 1 and <= 3660, "Settlement:MaxPeriodDays must be between 1 and 3660")
            .ValidateOnStart();
        services.AddOptions<OpsOptions>()
            .Bind(configuration.GetSection(OpsOptions.Section))
            .Validate(o => o.StaleStatusAfter > TimeSpan.Zero, "Ops:StaleStatusAfter must be positive")
            .ValidateOnStart();
        if (profile == HubProfile.Embedded)
        {
            services.AddSingleton<ISettlementStore, SqliteSettlementStore>();
            services.AddSingleton<IDataQualityStore, SqliteDataQualityStore>();
        }
        else
        {
            services.AddSingleton<ISettlementStore, PostgresSettlementStore>();
            services.AddSingleton<IDataQualityStore, PostgresDataQualityStore>();
        }

        return services;
    }
}

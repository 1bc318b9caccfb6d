using ClearingHouse.Application.Settlement;
using ClearingHouse.Application.Operations;
using ClearingHouse.Server.Hosting;

namespace ClearingHouse.Server.Settlement;

/// <summary>Registers settlement, disputes and the operator's tools.</summary>
public static class SettlementHostingExtensions
{
    /// <summary>
    /// Adds <see cref="SettlementOptions"/> and <see cref="OpsOptions"/> (validated at start), the
    /// <see cref="StatementBuilder"/>, the operator audit and the partner activity. The settlement and data-quality
    /// stores are the profile's (see <see cref="ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseSettlement(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SettlementOptions>()
            .Bind(configuration.GetSection(SettlementOptions.Section))
            .Validate(o => o.MaxPeriodDays is >= 1 and <= 3660, "Settlement:MaxPeriodDays must be between 1 and 3660")
            .ValidateOnStart();
        services.AddOptions<OpsOptions>()
            .Bind(configuration.GetSection(OpsOptions.Section))
            .Validate(o => o.StaleStatusAfter > TimeSpan.Zero, "Ops:StaleStatusAfter must be positive")
            .ValidateOnStart();
        services.AddSingleton<StatementBuilder>();
        services.AddSingleton<OperatorAudit>();
        services.AddSingleton<PartnerActivity>();
        return services;
    }
}

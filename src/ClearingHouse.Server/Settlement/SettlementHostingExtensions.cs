using ClearingHouse.Application.Settlement;
using ClearingHouse.Application.Operations;
using ClearingHouse.Server.Hosting;
using ClearingHouse.Grains.Hosting;

namespace ClearingHouse.Server.Settlement;

/// <summary>Registers settlement, disputes and the operator's tools.</summary>
public static class SettlementHostingExtensions
{
    /// <summary>
    /// Adds <see cref="SettlementOptions"/> and <see cref="OpsOptions"/> (validated at start); the flows are the
    /// core's (AddSettlementCore, AddOperationsCore). The settlement and data-quality stores are the profile's
    /// (see <see cref="ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseSettlement(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SettlementOptions, SettlementOptionsValidator>(configuration, SettlementOptions.Section);
        services.AddValidatedOptions<OpsOptions, OpsOptionsValidator>(configuration, OpsOptions.Section);
        return services;
    }
}

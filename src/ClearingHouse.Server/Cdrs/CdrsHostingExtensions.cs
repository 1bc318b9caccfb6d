using ClearingHouse.Application.Cdrs;
using ClearingHouse.Grains.Hosting;
using ClearingHouse.Grains.Options;

namespace ClearingHouse.Server.Cdrs;

/// <summary>Registers the CDR options and the silo's CDR subscription hub (the flows are the core's: AddCdrsCore, AddTariffsCore).</summary>
public static class CdrsHostingExtensions
{
    /// <summary>
    /// Adds <see cref="CdrOptions"/> and <see cref="TariffHistoryOptions"/> (validated at start) and the <see cref="CdrSubscriptionHub"/>. The CDR store is
    /// the profile's (see <see cref="Hosting.ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseCdrs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CdrOptions, CdrOptionsValidator>(configuration, CdrOptions.Section);
        services.AddValidatedOptions<TariffHistoryOptions, TariffHistoryOptionsValidator>(configuration, TariffHistoryOptions.Section);
        services.AddSingleton<CdrSubscriptionHub>();
        return services;
    }
}

using ClearingHouse.Application.Cdrs;
using ClearingHouse.Grains.Hosting;

namespace ClearingHouse.Server.Cdrs;

/// <summary>Registers the CDR options and the silo's CDR subscription hub (the flows are the core's: AddCdrsCore, AddTariffsCore).</summary>
public static class CdrsHostingExtensions
{
    /// <summary>
    /// Adds <see cref="CdrOptions"/> (validated at start) and the <see cref="CdrSubscriptionHub"/>. The CDR store is
    /// the profile's (see <see cref="Hosting.ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseCdrs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CdrOptions, CdrOptionsValidator>(configuration, CdrOptions.Section);
        services.AddSingleton<CdrSubscriptionHub>();
        return services;
    }
}

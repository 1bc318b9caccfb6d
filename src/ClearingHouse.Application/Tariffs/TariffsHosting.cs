using ClearingHouse.Grains.Tariffs;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClearingHouse.Application.Tariffs;

/// <summary>Registers the tariffs flow's core services.</summary>
internal static class TariffsHosting
{
    /// <summary>
    /// Adds <see cref="TariffFlow"/> (put, delete, read, price a session, applicable tariffs) and the silo-local
    /// compiled copy of each CPO's tariffs it and CDR ingest price with (<see cref="TariffCatalog"/>), and of
    /// the older versions a CDR needs when its session started before the current one (<see cref="TariffVersionCache"/>).
    /// </summary>
    internal static IServiceCollection AddTariffsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<TariffCatalog>();
        services.TryAddSingleton<TariffVersionCache>();
        services.AddSingleton<TariffFlow>();
        return services;
    }
}

using ClearingHouse.Grains.Tariffs;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClearingHouse.Application.Tariffs;

/// <summary>Registers the tariffs flow's core services.</summary>
internal static class TariffsHosting
{
    /// <summary>
    /// Adds <see cref="TariffFlow"/> (put, delete, read, price a session, applicable tariffs) and the silo-local
    /// compiled copy of each CPO's tariffs it and CDR ingest price with (<see cref="TariffCatalog"/>).
    /// </summary>
    internal static IServiceCollection AddTariffsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<TariffCatalog>();
        services.AddSingleton<TariffFlow>();
        return services;
    }
}

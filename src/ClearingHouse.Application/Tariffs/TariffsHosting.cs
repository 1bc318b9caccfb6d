namespace ClearingHouse.Application.Tariffs;

/// <summary>Registers the tariffs flow's core services.</summary>
internal static class TariffsHosting
{
    /// <summary>Adds <see cref="TariffFlow"/> (put, delete, read, price a session, applicable tariffs).</summary>
    internal static IServiceCollection AddTariffsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<TariffFlow>();
        return services;
    }
}

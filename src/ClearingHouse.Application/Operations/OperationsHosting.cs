namespace ClearingHouse.Application.Operations;

/// <summary>Registers the operator's tools.</summary>
internal static class OperationsHosting
{
    /// <summary>
    /// Adds the per-partner call counters (<see cref="PartnerActivity"/>) and <see cref="OpsFlow"/>. The host registers
    /// the data-quality store of its profile and binds <c>Ops</c>.
    /// </summary>
    internal static IServiceCollection AddOperationsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PartnerActivity>();
        services.AddSingleton<OpsFlow>();
        return services;
    }
}

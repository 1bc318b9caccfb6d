using ClearingHouse.Application.Operations.Audit;

namespace ClearingHouse.Application.Operations;

/// <summary>Registers the operator's tools.</summary>
internal static class OperationsHosting
{
    /// <summary>
    /// Adds the per-partner call counters (<see cref="PartnerActivity"/>), <see cref="OpsFlow"/> and the audit log
    /// (<see cref="AuditLog"/>). The host registers the data-quality and audit stores of its profile and binds <c>Ops</c>.
    /// </summary>
    internal static IServiceCollection AddOperationsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PartnerActivity>();
        services.AddSingleton<OpsFlow>();
        services.AddSingleton<EvseStatusCounts>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<Investigation.InvestigationFlow>();
        return services;
    }
}

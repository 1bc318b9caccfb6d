using ClearingHouse.Grains.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClearingHouse.Application.Diagnostics;

/// <summary>Registers the core's shared instruments.</summary>
public static class DiagnosticsHosting
{
    /// <summary>Adds the hub-wide instruments (authentication, queue saturation) and points the queue gauges at their owners.</summary>
    public static IServiceCollection AddDiagnosticsCore(this IServiceCollection services)
    {
        services.TryAddSingleton<HubMetrics>();
        services.TryAddSingleton<QueueMetrics>();
        services.AddHostedService<QueueGauges>();
        return services;
    }
}

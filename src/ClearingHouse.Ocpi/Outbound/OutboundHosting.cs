using ClearingHouse.Grains.Hosting;
using Microsoft.Extensions.Configuration;
using ClearingHouse.Ocpi.Push;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingHouse.Ocpi.Outbound;

/// <summary>Registers the hub's calls to OCPI partners.</summary>
internal static class OutboundHosting
{
    /// <summary>
    /// Adds the partner HTTP client, the durable delivery's options and metrics, the partner directory (a hosted service: it reads the registrations and routes
    /// the real-time authorization of OCPI EMSPs to their platforms). On every silo, whether it serves OCPI or not: a
    /// gRPC CPO's authorization reaches an OCPI EMSP from any silo.
    /// </summary>
    internal static IServiceCollection AddOcpiOutbound(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<OcpiDeliveryOptions, OcpiDeliveryOptionsValidator>(configuration, OcpiDeliveryOptions.Section);
        services.AddSingleton<OcpiDeliveryMetrics>();
        services.AddSingleton<OcpiPartnerHttp>();
        services.AddSingleton<OcpiPartnerDirectory>();
        services.AddHostedService(sp => sp.GetRequiredService<OcpiPartnerDirectory>());
        services.AddOcpiPush();
        return services;
    }
}

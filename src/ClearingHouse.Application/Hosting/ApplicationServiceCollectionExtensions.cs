using ClearingHouse.Application.Access;
using ClearingHouse.Application.Channels;
using ClearingHouse.Application.Locations;
using ClearingHouse.Application.Commands;
using ClearingHouse.Application.Operations;
using ClearingHouse.Application.Parties;
using ClearingHouse.Application.Sessions;
using ClearingHouse.Application.Settlement;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Application.Errors;
using ClearingHouse.Application.Tariffs;
using ClearingHouse.Application.Diagnostics;

namespace ClearingHouse.Application.Hosting;

/// <summary>Registers the application core: one service per flow, the access policy, the fan-out hubs.</summary>
public static class ApplicationServiceCollectionExtensions
{
    /// <summary>Adds the core's services. Backends (stores, caches) are registered by their own projects.</summary>
    public static IServiceCollection AddClearingHouseApplication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<ClockSkewBound>();
        services.AddChannelsCore(configuration);
        services.AddLocationsCore(configuration);
        services.AddAccessCore(configuration);
        services.AddTokensCore(configuration);
        services.AddSessionsCore(configuration);
        services.AddCommandsCore(configuration);
        services.AddPartiesCore(configuration);
        services.AddSettlementCore(configuration);
        services.AddOperationsCore(configuration);
        services.AddTariffsCore(configuration);
        services.AddCdrsCore(configuration);
        services.AddDiagnosticsCore();
        return services;
    }
}

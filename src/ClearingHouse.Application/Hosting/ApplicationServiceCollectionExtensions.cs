using ClearingHouse.Application.Access;
using ClearingHouse.Application.Channels;
using ClearingHouse.Application.Tokens;

namespace ClearingHouse.Application.Hosting;

/// <summary>Registers the application core: one service per flow, the access policy, the fan-out hubs.</summary>
public static class ApplicationServiceCollectionExtensions
{
    /// <summary>Adds the core's services. Backends (stores, caches) are registered by their own projects.</summary>
    public static IServiceCollection AddClearingHouseApplication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<AccessPolicy>();
        services.AddChannelsCore(configuration);
        services.AddTokensCore(configuration);
        return services;
    }
}

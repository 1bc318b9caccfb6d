using Microsoft.Extensions.DependencyInjection;

namespace ClearingHouse.Ocpi.Push;

/// <summary>Registers the hub's pushes to EMSP platforms.</summary>
internal static class PushHosting
{
    /// <summary>Adds the feed follower and, on every silo, the starter of the push grains.</summary>
    internal static IServiceCollection AddOcpiPush(this IServiceCollection services)
    {
        services.AddSingleton<OcpiPushFeeds>();
        services.AddHostedService<OcpiPushStarter>();
        return services;
    }
}

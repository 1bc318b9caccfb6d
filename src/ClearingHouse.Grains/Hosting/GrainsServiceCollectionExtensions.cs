using ClearingHouse.Grains.Diagnostics;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClearingHouse.Grains.Hosting;

/// <summary>Registers what the grains and the silo-local directory need.</summary>
public static class GrainsServiceCollectionExtensions
{
    /// <summary>Adds the hub clock, the party directory, the location grains' status publisher and writer, and their options.</summary>
    public static IServiceCollection AddClearingHouseGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(HubClock.System);
        services.TryAddSingleton<QueueMetrics>();
        services.AddValidatedOptions<PartyDirectoryOptions, PartyDirectoryOptionsValidator>(configuration, PartyDirectoryOptions.Section);
        services.AddSingleton<PartyDirectory>();
        // What location grains use on their silo: the feeds' publisher and the status write-behind (ILocationStore
        // comes from the profile's backend).
        services.AddSingleton<StatusPublisher>();
        services.AddSingleton<StatusWriteBehind>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusWriteBehind>());
        return services;
    }
}

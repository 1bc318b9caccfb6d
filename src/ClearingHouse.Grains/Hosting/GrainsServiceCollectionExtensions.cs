using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClearingHouse.Grains.Hosting;

/// <summary>Registers what the grains and the silo-local directory need.</summary>
public static class GrainsServiceCollectionExtensions
{
    /// <summary>Adds the hub clock, the party directory and their options.</summary>
    public static IServiceCollection AddClearingHouseGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(HubClock.System);
        services.AddValidatedOptions<PartyDirectoryOptions, PartyDirectoryOptionsValidator>(configuration, PartyDirectoryOptions.Section);
        services.AddSingleton<PartyDirectory>();
        return services;
    }
}

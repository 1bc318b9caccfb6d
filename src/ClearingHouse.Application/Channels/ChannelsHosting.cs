namespace ClearingHouse.Application.Channels;

/// <summary>Registers the fan-out mechanism shared by every feed and channel hub.</summary>
internal static class ChannelsHosting
{
    /// <summary>Adds <see cref="SiloFanout"/>, the one per-silo service that renews the hubs' registrations.</summary>
    internal static IServiceCollection AddChannelsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<SiloFanout>();
        services.AddHostedService(sp => sp.GetRequiredService<SiloFanout>());
        return services;
    }
}

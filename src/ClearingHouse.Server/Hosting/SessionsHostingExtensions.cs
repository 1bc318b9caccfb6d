using ClearingHouse.Application.Sessions;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Commands;
using ClearingHouse.Grains.Hosting;

namespace ClearingHouse.Server.Hosting;

/// <summary>Registers sessions and remote commands.</summary>
public static class SessionsHostingExtensions
{
    /// <summary>
    /// Adds the feed hub (session and command-result subscribers), the command channel hub, and the validated
    /// <see cref="SessionsOptions"/> (section <c>Sessions</c>) and <see cref="CommandsOptions"/> (section <c>Commands</c>).
    /// The session store is the profile's (see <see cref="ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseSessions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SessionsOptions, SessionsOptionsValidator>(configuration, SessionsOptions.Section);
        services.AddValidatedOptions<CommandsOptions, CommandsOptionsValidator>(configuration, CommandsOptions.Section);
        services.AddSingleton<SessionMetrics>();
        services.AddSingleton<StuckSessionMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<StuckSessionMonitor>());
        services.AddSingleton<PartyFeedHub>();
        services.AddSingleton<CommandChannelHub>();
        services.AddHostedService(sp => sp.GetRequiredService<CommandChannelHub>());
        return services;
    }
}

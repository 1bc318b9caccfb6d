using ClearingHouse.Grains.Hosting;
using ClearingHouse.Grains.Options;

namespace ClearingHouse.Server.Hosting;

/// <summary>Registers the options of sessions and remote commands (the flows are the core's: AddSessionsCore, AddCommandsCore).</summary>
public static class SessionsHostingExtensions
{
    /// <summary>
    /// Adds the validated <see cref="SessionsOptions"/> (section <c>Sessions</c>) and <see cref="CommandsOptions"/>
    /// (section <c>Commands</c>). The session store is the profile's (see <see cref="ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseSessions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SessionsOptions, SessionsOptionsValidator>(configuration, SessionsOptions.Section);
        services.AddValidatedOptions<CommandsOptions, CommandsOptionsValidator>(configuration, CommandsOptions.Section);
        return services;
    }
}

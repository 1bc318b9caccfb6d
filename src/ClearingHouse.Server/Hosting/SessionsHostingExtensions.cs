using ClearingHouse.Application.Sessions;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Commands;
using Microsoft.Extensions.Options;

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
        services.AddOptions<SessionsOptions>().Bind(configuration.GetSection(SessionsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionsOptions>>(new Validator<SessionsOptions>(o => o.Validate()));
        services.AddOptions<CommandsOptions>().Bind(configuration.GetSection(CommandsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CommandsOptions>>(new Validator<CommandsOptions>(o => o.Validate()));
        services.AddSingleton<SessionMetrics>();
        services.AddSingleton<StuckSessionMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<StuckSessionMonitor>());
        services.AddSingleton<PartyFeedHub>();
        services.AddHostedService(sp => sp.GetRequiredService<PartyFeedHub>());
        services.AddSingleton<CommandChannelHub>();
        services.AddHostedService(sp => sp.GetRequiredService<CommandChannelHub>());
        return services;
    }

    private sealed class Validator<T>(Func<T, string?> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            validate(options) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }
}

using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Server.Options;
using ClearingHouse.Storage.Postgres.Sessions;
using ClearingHouse.Storage.Sqlite.Sessions;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Hosting;

/// <summary>Registers sessions and remote commands.</summary>
public static class SessionsHostingExtensions
{
    /// <summary>
    /// Adds the session store of the profile (SQLite or PostgreSQL, sharing the profile's connection
    /// factory) and the validated <see cref="SessionsOptions"/> (section <c>Sessions</c>) and <see cref="CommandsOptions"/> (section <c>Commands</c>).
    /// </summary>
    public static IServiceCollection AddClearingHouseSessions(this IServiceCollection services, IConfiguration configuration, HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddOptions<SessionsOptions>().Bind(configuration.GetSection(SessionsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionsOptions>>(new Validator<SessionsOptions>(o => o.Validate()));
        services.AddOptions<CommandsOptions>().Bind(configuration.GetSection(CommandsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CommandsOptions>>(new Validator<CommandsOptions>(o => o.Validate()));
        if (settings.Hub.Profile == HubProfile.Embedded)
        {
            services.AddSingleton<ISessionStore, SqliteSessionStore>();
        }
        else
        {
            services.AddSingleton<ISessionStore, PostgresSessionStore>();
        }

        return services;
    }

    private sealed class Validator<T>(Func<T, string?> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            validate(options) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }
}

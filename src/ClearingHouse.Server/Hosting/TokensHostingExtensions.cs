using ClearingHouse.Application.Tokens;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Server.Options;
using ClearingHouse.Server.Tokens;
using ClearingHouse.Storage.Postgres.Tokens;
using ClearingHouse.Storage.Sqlite.Tokens;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Hosting;

/// <summary>Registers tokens and real-time authorization.</summary>
public static class TokensHostingExtensions
{
    /// <summary>
    /// Adds the token store of the profile (SQLite or PostgreSQL, sharing the profile's connection
    /// factory), the token cache (Redis in the Cluster profile unless <c>Tokens:RedisCache</c> is false), the channel hub, the authorization journal, their metrics and the validated
    /// <see cref="TokensOptions"/> (section <c>Tokens</c>).
    /// </summary>
    public static IServiceCollection AddClearingHouseTokens(this IServiceCollection services, IConfiguration configuration, HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddOptions<TokensOptions>()
            .Bind(configuration.GetSection(TokensOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TokensOptions>>(new TokensOptionsValidator());
        if (settings.Hub.Profile == HubProfile.Embedded)
        {
            services.AddSingleton<SqliteTokenStore>();
            services.AddSingleton<ITokenStore>(sp => sp.GetRequiredService<SqliteTokenStore>());
            services.AddSingleton<IAuthorizationStore>(sp => sp.GetRequiredService<SqliteTokenStore>());
            services.AddSingleton<ITokenCache, NoTokenCache>();
        }
        else
        {
            services.AddSingleton<PostgresTokenStore>();
            services.AddSingleton<ITokenStore>(sp => sp.GetRequiredService<PostgresTokenStore>());
            services.AddSingleton<IAuthorizationStore>(sp => sp.GetRequiredService<PostgresTokenStore>());
            RedisCacheConnection.Register(services, settings.Redis.CacheConnectionString ?? settings.Redis.ConnectionString!);
            services.AddSingleton<ITokenCache>(sp =>
            {
                var tokens = sp.GetRequiredService<IOptions<TokensOptions>>().Value;
                return tokens.RedisCache
                    ? new RedisTokenCache(
                        sp.GetRequiredService<RedisCacheConnection>(),
                        settings.Silo.ServiceId,
                        tokens.RedisCacheTtl,
                        sp.GetRequiredService<Orleans.Serialization.Serializer<TokenRecord>>(),
                        sp.GetRequiredService<ClearingHouse.Grains.HubClock>(),
                        sp.GetRequiredService<TokenMetrics>(),
                        sp.GetRequiredService<ILogger<RedisTokenCache>>())
                    : new NoTokenCache();
            });
        }

        // Stateless: one instance instead of one per call (gRPC uses a registered service as it is).
        services.AddSingleton<TokenGrpcService>();
        return services;
    }

    private sealed class TokensOptionsValidator : IValidateOptions<TokensOptions>
    {
        public ValidateOptionsResult Validate(string? name, TokensOptions options) =>
            options.Validate() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }
}

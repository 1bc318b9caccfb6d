using ClearingHouse.Application.Tokens;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Tokens;
using ClearingHouse.Grains.Hosting;

namespace ClearingHouse.Server.Hosting;

/// <summary>Registers tokens and real-time authorization.</summary>
public static class TokensHostingExtensions
{
    /// <summary>
    /// Adds the channel hub, the authorization journal, their metrics and the validated <see cref="TokensOptions"/>
    /// (section <c>Tokens</c>). The token store and cache are the profile's (see <see cref="ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseTokens(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TokensOptions, TokensOptionsValidator>(configuration, TokensOptions.Section);
        services.AddSingleton<TokenMetrics>();
        services.AddSingleton<TokenGrainReferences>();
        // Stateless: one instance instead of one per call (gRPC uses a registered service as it is).
        services.AddSingleton<TokenGrpcService>();
        services.AddSingleton<MspChannelHub>();
        services.AddHostedService(sp => sp.GetRequiredService<MspChannelHub>());
        services.AddSingleton<AuthorizationJournal>();
        services.AddHostedService(sp => sp.GetRequiredService<AuthorizationJournal>());
        return services;
    }
}

using ClearingHouse.Grains.Hosting;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Tokens;

namespace ClearingHouse.Server.Hosting;

/// <summary>Registers tokens and real-time authorization.</summary>
public static class TokensHostingExtensions
{
    /// <summary>
    /// Adds the token gRPC service and the validated <see cref="TokensOptions"/> (section <c>Tokens</c>). The core is the
    /// Application's; the token store and cache are the profile's (see <see cref="ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseTokens(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TokensOptions, TokensOptionsValidator>(configuration, TokensOptions.Section);
        // Stateless: one instance instead of one per call (gRPC uses a registered service as it is).
        services.AddSingleton<TokenGrpcService>();
        return services;
    }
}

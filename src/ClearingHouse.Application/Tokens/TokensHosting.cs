namespace ClearingHouse.Application.Tokens;

/// <summary>Registers tokens and real-time authorization in the core.</summary>
internal static class TokensHosting
{
    /// <summary>
    /// Adds the token and authorization cores, the EMSP channel hub (a hosted service: it re-registers this
    /// silo's channels), the authorization journal (a hosted service: its group-commit writer), the token grain
    /// references and the token metrics. The token store and cache come from the backend's registration; the
    /// validated <c>TokensOptions</c> from the host.
    /// </summary>
    internal static IServiceCollection AddTokensCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<TokenMetrics>();
        services.AddSingleton<TokenGrainReferences>();
        services.AddSingleton<MspChannelHub>();
        services.AddHostedService(sp => sp.GetRequiredService<MspChannelHub>());
        services.AddSingleton<RemoteMspRoutes>();
        services.AddSingleton<AuthorizationJournal>();
        services.AddHostedService(sp => sp.GetRequiredService<AuthorizationJournal>());
        services.AddSingleton<TokensCore>();
        services.AddSingleton<AuthorizationCore>();
        services.AddSingleton<AuthorizationChannelCore>();
        return services;
    }
}

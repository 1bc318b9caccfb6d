namespace ClearingHouse.Application.Sessions;

/// <summary>Registers the sessions flow.</summary>
internal static class SessionsHosting
{
    /// <summary>
    /// Adds <see cref="SessionFlow"/>, its metrics, the stuck-session monitor and the party feed hub (session and
    /// command-result subscribers). The host registers the session store of its profile and binds <c>Sessions</c>.
    /// </summary>
    internal static IServiceCollection AddSessionsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<SessionMetrics>();
        services.AddSingleton<StuckSessionMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<StuckSessionMonitor>());
        services.AddSingleton<PartyFeedHub>();
        services.AddSingleton<SessionFlow>();
        return services;
    }
}

namespace ClearingHouse.Application.Settlement;

/// <summary>Registers the settlement flow: statements and disputes.</summary>
internal static class SettlementHosting
{
    /// <summary>
    /// Adds the <see cref="StatementBuilder"/>, <see cref="StatementFlow"/> and
    /// <see cref="DisputeFlow"/>. The host registers the settlement store of its profile and binds <c>Settlement</c>.
    /// </summary>
    internal static IServiceCollection AddSettlementCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<StatementBuilder>();
        services.AddSingleton<StatementFlow>();
        services.AddSingleton<DisputeFlow>();
        return services;
    }
}

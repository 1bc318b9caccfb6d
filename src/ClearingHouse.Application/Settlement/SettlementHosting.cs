namespace ClearingHouse.Application.Settlement;

/// <summary>Registers the settlement flow: statements, disputes, invoice reconciliation.</summary>
internal static class SettlementHosting
{
    /// <summary>
    /// Adds the <see cref="StatementBuilder"/>, <see cref="StatementFlow"/>, <see cref="DisputeFlow"/> and
    /// <see cref="Invoices.InvoiceFlow"/>. The host registers the settlement and invoice stores of its profile and binds
    /// <c>Settlement</c>.
    /// </summary>
    internal static IServiceCollection AddSettlementCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<StatementBuilder>();
        services.AddSingleton<StatementFlow>();
        services.AddSingleton<DisputeFlow>();
        services.AddSingleton<Invoices.InvoiceFlow>();
        return services;
    }
}

using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Storage.Tests.Infrastructure;

/// <summary>
/// The stores of one backend over one test database (its connections and CDR store, and the stores a contract
/// test asks for), so that each contract test base builds and disposes them the same way on every backend.
/// </summary>
public abstract class StoreBackend : IAsyncDisposable
{
    /// <summary>The CDR store over the backend's connections.</summary>
    public abstract ICdrStore Cdrs { get; }

    public abstract ILocationStore CreateLocationStore();

    public abstract ISessionStore CreateSessionStore();

    /// <summary>The authorization journal's store (the backend's token store).</summary>
    public abstract IAuthorizationStore CreateAuthorizationStore();

    /// <summary>A data-quality store, ready for use.</summary>
    public abstract Task<IDataQualityStore> CreateDataQualityStoreAsync();

    /// <summary>A settlement store, ready for use.</summary>
    public abstract Task<ISettlementStore> CreateSettlementStoreAsync();

    /// <summary>An invoice store over the same database as the settlement store.</summary>
    public abstract IInvoiceStore CreateInvoiceStore();
    /// <summary>A tariff history store, ready for use (the schema is the fixture's).</summary>
    public abstract ITariffHistoryStore CreateTariffHistoryStore();
    /// <summary>An audit store, ready for use.</summary>
    public abstract Task<IAuditStore> CreateAuditStoreAsync();

    public async ValueTask DisposeAsync()
    {
        await DisposeConnectionsAsync();
        GC.SuppressFinalize(this);
    }

    protected abstract ValueTask DisposeConnectionsAsync();
}

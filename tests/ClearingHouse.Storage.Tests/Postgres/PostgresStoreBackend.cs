using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Postgres.Cdrs;
using ClearingHouse.Storage.Postgres.Invoices;
using ClearingHouse.Storage.Postgres.Locations;
using ClearingHouse.Storage.Postgres.Operations;
using ClearingHouse.Storage.Postgres.Sessions;
using ClearingHouse.Storage.Postgres.Settlement;
using ClearingHouse.Storage.Postgres.Tokens;
using ClearingHouse.Storage.Postgres.Tariffs;
using ClearingHouse.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Postgres;

/// <summary>The PostgreSQL stores over one fixture's schema (CDR day partitions, shared database).</summary>
public sealed class PostgresStoreBackend : StoreBackend
{
    private readonly PostgresConnectionFactory _connections;

    public PostgresStoreBackend(PostgresDatabaseFixture database)
    {
        _connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = database.ConnectionString }));
        Cdrs = new PostgresCdrStore(_connections);
    }

    public override ICdrStore Cdrs { get; }

    public override ILocationStore CreateLocationStore() => new PostgresLocationStore(_connections);

    public override IAuthorizationStore CreateAuthorizationStore() => new PostgresTokenStore(_connections);

    public override ISessionStore CreateSessionStore() => new PostgresSessionStore(_connections, OrleansServices.SerializerOf<SessionRecord>());

    /// <remarks>The schema is the fixture's (its migration step ran once).</remarks>
    public override Task<IDataQualityStore> CreateDataQualityStoreAsync() =>
        Task.FromResult<IDataQualityStore>(new PostgresDataQualityStore(_connections));

    public override Task<ISettlementStore> CreateSettlementStoreAsync() =>
        Task.FromResult<ISettlementStore>(new PostgresSettlementStore(_connections));

    public override IInvoiceStore CreateInvoiceStore() => new PostgresInvoiceStore(_connections);
    public override ITariffHistoryStore CreateTariffHistoryStore() => new PostgresTariffHistoryStore(_connections);
    public override Task<IAuditStore> CreateAuditStoreAsync() =>
        Task.FromResult<IAuditStore>(new PostgresAuditStore(_connections));

    protected override ValueTask DisposeConnectionsAsync() => _connections.DisposeAsync();
}

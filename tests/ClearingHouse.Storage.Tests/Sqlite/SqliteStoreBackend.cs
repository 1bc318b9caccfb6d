using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Sqlite.Cdrs;
using ClearingHouse.Storage.Sqlite.Invoices;
using ClearingHouse.Storage.Sqlite.Locations;
using ClearingHouse.Storage.Sqlite.Operations;
using ClearingHouse.Storage.Sqlite.Sessions;
using ClearingHouse.Storage.Sqlite.Settlement;
using ClearingHouse.Storage.Sqlite.Tokens;
using ClearingHouse.Storage.Sqlite.Tariffs;
using ClearingHouse.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Sqlite;

/// <summary>The SQLite stores over one fixture's file (WAL).</summary>
public sealed class SqliteStoreBackend : StoreBackend
{
    private readonly SqliteConnectionFactory _connections;

    public SqliteStoreBackend(SqliteFileFixture file)
    {
        _connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions { ConnectionString = file.ConnectionString }));
        Cdrs = new SqliteCdrStore(_connections);
    }

    public override ICdrStore Cdrs { get; }

    public override ILocationStore CreateLocationStore() => new SqliteLocationStore(_connections);

    public override IAuthorizationStore CreateAuthorizationStore() => new SqliteTokenStore(_connections);

    public override ISessionStore CreateSessionStore() => new SqliteSessionStore(_connections, OrleansServices.SerializerOf<SessionRecord>());

    /// <remarks>The schema is the fixture's (its migration step ran once).</remarks>
    public override Task<IDataQualityStore> CreateDataQualityStoreAsync() =>
        Task.FromResult<IDataQualityStore>(new SqliteDataQualityStore(_connections));

    public override Task<ISettlementStore> CreateSettlementStoreAsync() =>
        Task.FromResult<ISettlementStore>(new SqliteSettlementStore(_connections));

    public override IInvoiceStore CreateInvoiceStore() => new SqliteInvoiceStore(_connections);
    public override ITariffHistoryStore CreateTariffHistoryStore() => new SqliteTariffHistoryStore(_connections);
    public override Task<IAuditStore> CreateAuditStoreAsync() =>
        Task.FromResult<IAuditStore>(new SqliteAuditStore(_connections));

    protected override ValueTask DisposeConnectionsAsync()
    {
        _connections.Dispose();
        return ValueTask.CompletedTask;
    }
}

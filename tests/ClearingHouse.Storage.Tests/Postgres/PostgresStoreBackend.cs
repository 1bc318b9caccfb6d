using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Postgres.Cdrs;
using ClearingHouse.Storage.Postgres.Locations;
using ClearingHouse.Storage.Postgres.Operations;
using ClearingHouse.Storage.Postgres.Sessions;
using ClearingHouse.Storage.Postgres.Settlement;
using ClearingHouse.Storage.Postgres.Tokens;
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

    public override ILocationStore CreateLocationStore() => Own(new PostgresLocationStore(_connections));

    public override IAuthorizationStore CreateAuthorizationStore() => Own(new PostgresTokenStore(_connections));

    public override ISessionStore CreateSessionStore() => Own(new PostgresSessionStore(_connections, OrleansServices.SerializerOf<SessionRecord>()));

    /// <remarks>Schemas created up front, as the tests of this backend always did.</remarks>
    public override async Task<IDataQualityStore> CreateDataQualityStoreAsync()
    {
        var store = new PostgresDataQualityStore(_connections, Cdrs);
        await store.InitializeAsync();
        return store;
    }

    public override async Task<ISettlementStore> CreateSettlementStoreAsync()
    {
        var store = new PostgresSettlementStore(_connections, Cdrs);
        await store.InitializeAsync();
        return store;
    }

    protected override ValueTask DisposeConnectionsAsync() => _connections.DisposeAsync();
}

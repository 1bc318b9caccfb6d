using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Postgres.Cdrs;
using ClearingHouse.Storage.Postgres.Settlement;
using ClearingHouse.Storage.Tests.Postgres;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Settlement;

/// <summary>The settlement store contract on a real PostgreSQL server.</summary>
public sealed class PostgresSettlementStoreTests : SettlementStoreTestBase, IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private readonly PostgresConnectionFactory _connections;

    public PostgresSettlementStoreTests(PostgresDatabaseFixture database)
    {
        _connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = database.ConnectionString }));
        Cdrs = new PostgresCdrStore(_connections);
        Store = new PostgresSettlementStore(_connections, Cdrs);
    }

    protected override ISettlementStore Store { get; }

    protected override ICdrStore Cdrs { get; }

    public Task InitializeAsync() => Store.InitializeAsync();

    public async Task DisposeAsync() => await _connections.DisposeAsync();
}

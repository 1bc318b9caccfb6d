using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Postgres.Cdrs;
using ClearingHouse.Storage.Postgres.Locations;
using ClearingHouse.Storage.Postgres.Operations;
using ClearingHouse.Storage.Postgres.Sessions;
using ClearingHouse.Storage.Tests.Infrastructure;
using ClearingHouse.Storage.Tests.Postgres;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Operations;

/// <summary>The data-quality findings on a real PostgreSQL server (CDR day partitions, shared database).</summary>
public sealed class PostgresDataQualityStoreTests : DataQualityStoreTestBase, IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private readonly PostgresConnectionFactory _connections;
    private readonly PostgresLocationStore _locations;
    private readonly PostgresSessionStore _sessions;
    private readonly PostgresDataQualityStore _store;

    public PostgresDataQualityStoreTests(PostgresDatabaseFixture database)
    {
        _connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = database.ConnectionString }));
        Cdrs = new PostgresCdrStore(_connections);
        _locations = new PostgresLocationStore(_connections);
        _sessions = new PostgresSessionStore(_connections, OrleansServices.SerializerOf<SessionRecord>());
        _store = new PostgresDataQualityStore(_connections, Cdrs);
    }

    protected override IDataQualityStore Store => _store;

    protected override ILocationStore Locations => _locations;

    protected override ICdrStore Cdrs { get; }

    protected override ISessionStore Sessions => _sessions;

    public Task InitializeAsync() => _store.InitializeAsync();

    public async Task DisposeAsync()
    {
        _locations.Dispose();
        _sessions.Dispose();
        await _connections.DisposeAsync();
    }
}

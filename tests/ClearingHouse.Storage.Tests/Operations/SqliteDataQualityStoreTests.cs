using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Sqlite.Cdrs;
using ClearingHouse.Storage.Sqlite.Locations;
using ClearingHouse.Storage.Sqlite.Operations;
using ClearingHouse.Storage.Sqlite.Sessions;
using ClearingHouse.Storage.Tests.Infrastructure;
using ClearingHouse.Storage.Tests.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Operations;

/// <summary>The data-quality findings on a real SQLite file (WAL).</summary>
public sealed class SqliteDataQualityStoreTests : DataQualityStoreTestBase, IClassFixture<SqliteFileFixture>, IDisposable
{
    private readonly SqliteConnectionFactory _connections;
    private readonly SqliteLocationStore _locations;
    private readonly SqliteSessionStore _sessions;

    public SqliteDataQualityStoreTests(SqliteFileFixture file)
    {
        _connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions { ConnectionString = file.ConnectionString }));
        Cdrs = new SqliteCdrStore(_connections);
        _locations = new SqliteLocationStore(_connections);
        _sessions = new SqliteSessionStore(_connections, OrleansServices.SerializerOf<SessionRecord>());
        Store = new SqliteDataQualityStore(_connections, Cdrs);
    }

    protected override IDataQualityStore Store { get; }

    protected override ILocationStore Locations => _locations;

    protected override ICdrStore Cdrs { get; }

    protected override ISessionStore Sessions => _sessions;

    public void Dispose()
    {
        _locations.Dispose();
        _sessions.Dispose();
        _connections.Dispose();
    }
}

using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Sqlite.Cdrs;
using ClearingHouse.Storage.Sqlite.Settlement;
using ClearingHouse.Storage.Tests.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Settlement;

/// <summary>The settlement store contract on a real SQLite file (WAL).</summary>
public sealed class SqliteSettlementStoreTests : SettlementStoreTestBase, IClassFixture<SqliteFileFixture>, IDisposable
{
    private readonly SqliteConnectionFactory _connections;

    public SqliteSettlementStoreTests(SqliteFileFixture file)
    {
        _connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions { ConnectionString = file.ConnectionString }));
        Cdrs = new SqliteCdrStore(_connections);
        Store = new SqliteSettlementStore(_connections, Cdrs);
    }

    protected override ISettlementStore Store { get; }

    protected override ICdrStore Cdrs { get; }

    public void Dispose() => _connections.Dispose();
}

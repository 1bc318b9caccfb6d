using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Sqlite.Cdrs;
using ClearingHouse.Storage.Tests.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Cdrs;

/// <summary>The CDR store contract on a real SQLite file (WAL).</summary>
public sealed class SqliteCdrStoreTests : CdrStoreTestBase, IClassFixture<SqliteFileFixture>, IDisposable
{
    private readonly SqliteConnectionFactory _connections;

    public SqliteCdrStoreTests(SqliteFileFixture file)
    {
        _connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions { ConnectionString = file.ConnectionString }));
        Store = new SqliteCdrStore(_connections);
    }

    protected override ICdrStore Store { get; }

    public void Dispose() => _connections.Dispose();
}

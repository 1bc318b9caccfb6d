using ClearingHouse.Storage.Tests.Sqlite;

namespace ClearingHouse.Storage.Tests.Settlement;

/// <summary>The settlement store contract on a real SQLite file (WAL).</summary>
public sealed class SqliteSettlementStoreTests(SqliteFileFixture file)
    : SettlementStoreTestBase(new SqliteStoreBackend(file)), IClassFixture<SqliteFileFixture>;

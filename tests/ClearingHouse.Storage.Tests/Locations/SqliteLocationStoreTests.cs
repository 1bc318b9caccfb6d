using ClearingHouse.Storage.Tests.Sqlite;

namespace ClearingHouse.Storage.Tests.Locations;

/// <summary>The location index on a real SQLite file (WAL).</summary>
public sealed class SqliteLocationStoreTests(SqliteFileFixture file)
    : LocationStoreTestBase(new SqliteStoreBackend(file)), IClassFixture<SqliteFileFixture>;

using ClearingHouse.Storage.Tests.Sqlite;

namespace ClearingHouse.Storage.Tests.Sessions;

/// <summary>The session store's list and count on a real SQLite file (WAL).</summary>
public sealed class SqliteSessionStoreTests(SqliteFileFixture file)
    : SessionStoreTestBase(new SqliteStoreBackend(file)), IClassFixture<SqliteFileFixture>;

using ClearingHouse.Storage.Tests.Sqlite;

namespace ClearingHouse.Storage.Tests.Tokens;

/// <summary>The authorization journal on a real SQLite file (written through SQLite's own API).</summary>
public sealed class SqliteAuthorizationStoreTests(SqliteFileFixture file)
    : AuthorizationStoreTestBase(new SqliteStoreBackend(file)), IClassFixture<SqliteFileFixture>;

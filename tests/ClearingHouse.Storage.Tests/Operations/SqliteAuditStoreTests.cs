using ClearingHouse.Storage.Tests.Sqlite;

namespace ClearingHouse.Storage.Tests.Operations;

/// <summary>The audit store contract on a real SQLite file (WAL).</summary>
public sealed class SqliteAuditStoreTests(SqliteFileFixture file)
    : AuditStoreTestBase(new SqliteStoreBackend(file)), IClassFixture<SqliteFileFixture>;

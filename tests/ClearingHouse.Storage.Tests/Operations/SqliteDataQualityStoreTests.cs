using ClearingHouse.Storage.Tests.Sqlite;

namespace ClearingHouse.Storage.Tests.Operations;

/// <summary>The data-quality findings on a real SQLite file (WAL).</summary>
public sealed class SqliteDataQualityStoreTests(SqliteFileFixture file)
    : DataQualityStoreTestBase(new SqliteStoreBackend(file)), IClassFixture<SqliteFileFixture>;

using ClearingHouse.Storage.Tests.Sqlite;

namespace ClearingHouse.Storage.Tests.Tariffs;

/// <summary>The tariff history contract on a real SQLite file (WAL).</summary>
public sealed class SqliteTariffHistoryStoreTests(SqliteFileFixture file)
    : TariffHistoryStoreTestBase(new SqliteStoreBackend(file)), IClassFixture<SqliteFileFixture>;

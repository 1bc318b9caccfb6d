using ClearingHouse.Storage.Tests.Postgres;

namespace ClearingHouse.Storage.Tests.Settlement;

/// <summary>The settlement store contract on a real PostgreSQL server.</summary>
public sealed class PostgresSettlementStoreTests(PostgresDatabaseFixture database)
    : SettlementStoreTestBase(new PostgresStoreBackend(database)), IClassFixture<PostgresDatabaseFixture>;

using ClearingHouse.Storage.Tests.Postgres;

namespace ClearingHouse.Storage.Tests.Tariffs;

/// <summary>The tariff history contract on a real PostgreSQL server.</summary>
public sealed class PostgresTariffHistoryStoreTests(PostgresDatabaseFixture database)
    : TariffHistoryStoreTestBase(new PostgresStoreBackend(database)), IClassFixture<PostgresDatabaseFixture>;

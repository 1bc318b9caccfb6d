using ClearingHouse.Storage.Tests.Postgres;

namespace ClearingHouse.Storage.Tests.Locations;

/// <summary>The location index on a real PostgreSQL server (byte order by COLLATE "C").</summary>
public sealed class PostgresLocationStoreTests(PostgresDatabaseFixture database)
    : LocationStoreTestBase(new PostgresStoreBackend(database)), IClassFixture<PostgresDatabaseFixture>;

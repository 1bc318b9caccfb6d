using ClearingHouse.Storage.Tests.Postgres;

namespace ClearingHouse.Storage.Tests.Sessions;

/// <summary>The session store's list and count on a real PostgreSQL server (shared database).</summary>
public sealed class PostgresSessionStoreTests(PostgresDatabaseFixture database)
    : SessionStoreTestBase(new PostgresStoreBackend(database)), IClassFixture<PostgresDatabaseFixture>;

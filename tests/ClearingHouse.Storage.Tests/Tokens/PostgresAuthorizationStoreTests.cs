using ClearingHouse.Storage.Tests.Postgres;

namespace ClearingHouse.Storage.Tests.Tokens;

/// <summary>The authorization journal on a real PostgreSQL server (binary COPY).</summary>
public sealed class PostgresAuthorizationStoreTests(PostgresDatabaseFixture database)
    : AuthorizationStoreTestBase(new PostgresStoreBackend(database)), IClassFixture<PostgresDatabaseFixture>;

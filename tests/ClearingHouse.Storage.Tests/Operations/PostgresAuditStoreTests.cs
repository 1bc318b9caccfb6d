using ClearingHouse.Storage.Tests.Postgres;

namespace ClearingHouse.Storage.Tests.Operations;

/// <summary>The audit store contract on a real PostgreSQL server.</summary>
public sealed class PostgresAuditStoreTests(PostgresDatabaseFixture database)
    : AuditStoreTestBase(new PostgresStoreBackend(database)), IClassFixture<PostgresDatabaseFixture>;

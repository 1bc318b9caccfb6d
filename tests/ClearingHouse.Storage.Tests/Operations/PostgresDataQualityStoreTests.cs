using ClearingHouse.Storage.Tests.Postgres;

namespace ClearingHouse.Storage.Tests.Operations;

/// <summary>The data-quality findings on a real PostgreSQL server (CDR day partitions, shared database).</summary>
public sealed class PostgresDataQualityStoreTests(PostgresDatabaseFixture database)
    : DataQualityStoreTestBase(new PostgresStoreBackend(database)), IClassFixture<PostgresDatabaseFixture>;

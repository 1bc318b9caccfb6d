using ClearingHouse.Storage.Tests.Postgres;

namespace ClearingHouse.Storage.Tests.Invoices;

/// <summary>The invoice store contract on a real PostgreSQL server.</summary>
public sealed class PostgresInvoiceStoreTests(PostgresDatabaseFixture database)
    : InvoiceStoreTestBase(new PostgresStoreBackend(database)), IClassFixture<PostgresDatabaseFixture>;

using ClearingHouse.Storage.Tests.Sqlite;

namespace ClearingHouse.Storage.Tests.Invoices;

/// <summary>The invoice store contract on a real SQLite file (WAL).</summary>
public sealed class SqliteInvoiceStoreTests(SqliteFileFixture file)
    : InvoiceStoreTestBase(new SqliteStoreBackend(file)), IClassFixture<SqliteFileFixture>;

using System.Data.Common;
using ClearingHouse.Storage.Relational.Invoices;
using Microsoft.Data.Sqlite;

namespace ClearingHouse.Storage.Sqlite.Invoices;

/// <summary>
/// The invoice store in the Embedded profile's SQLite file, beside the CDRs and statements. Writers of this process are
/// serialized by the connection factory's write gate, so storing an invoice (header, lines, invoiced CDRs) is one
/// transaction no other writer interleaves with.
/// </summary>
public sealed class SqliteInvoiceStore(SqliteConnectionFactory connections) : RelationalInvoiceStore
{
    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await connections.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    protected override Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken) =>
        connections.ExecuteWriteAsync((connection, ct) => write(connection, ct), cancellationToken);

    /// <inheritdoc />
    protected override bool IsUniqueViolation(DbException exception) => exception is SqliteException { SqliteErrorCode: 19 };
}

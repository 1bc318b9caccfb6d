using System.Data.Common;
using ClearingHouse.Storage.Relational.Invoices;
using Npgsql;

namespace ClearingHouse.Storage.Postgres.Invoices;

/// <summary>
/// The invoice store in the Cluster profile's PostgreSQL database, beside the CDRs and statements. Two invoices naming
/// the same CDR at once meet on <c>invoiced_cdrs</c>' primary key: the second waits for the first and then fails with
/// a unique violation, so a CDR is invoiced once, whatever silo took the invoice.
/// </summary>
public sealed class PostgresInvoiceStore(PostgresConnectionFactory connections) : RelationalInvoiceStore
{
    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await connections.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    protected override async Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        return await write(connection, cancellationToken);
    }

    /// <inheritdoc />
    protected override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}

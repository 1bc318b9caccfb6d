using System.Data.Common;
using ClearingHouse.Storage.Relational.Settlement;
using Microsoft.Data.Sqlite;

namespace ClearingHouse.Storage.Sqlite.Settlement;

/// <summary>
/// The settlement store in the Embedded profile's SQLite file, beside the <c>cdrs</c> table. Writers of this
/// process are serialized by the connection factory's write gate, so a close (check, number, lines, header) is one
/// transaction no other writer interleaves with; CDR reads during a close run on other connections (WAL).
/// </summary>
public sealed class SqliteSettlementStore(SqliteConnectionFactory connections) : RelationalSettlementStore
{
    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await connections.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    protected override Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken) =>
        connections.ExecuteWriteAsync((connection, ct) => write(connection, ct), cancellationToken);

    /// <inheritdoc />
    protected override bool IsUniqueViolation(DbException exception) => exception is SqliteException { SqliteErrorCode: 19 };

    /// <inheritdoc />
    protected override object CdrTime(DateTimeOffset instant) => instant.UtcTicks;
}

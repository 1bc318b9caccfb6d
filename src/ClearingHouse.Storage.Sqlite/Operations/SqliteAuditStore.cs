using System.Data.Common;
using ClearingHouse.Storage.Relational.Operations;

namespace ClearingHouse.Storage.Sqlite.Operations;

/// <summary>The audit log in the Embedded profile's SQLite file; writes go through the connection factory's write gate.</summary>
public sealed class SqliteAuditStore(SqliteConnectionFactory connections) : RelationalAuditStore
{
    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await connections.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    protected override Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken) =>
        connections.ExecuteWriteAsync((connection, ct) => write(connection, ct), cancellationToken);
}

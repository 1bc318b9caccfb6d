using System.Data.Common;
using ClearingHouse.Storage.Relational.Operations;

namespace ClearingHouse.Storage.Postgres.Operations;

/// <summary>The audit log in the Cluster profile's PostgreSQL database (an identity column orders it hub-wide).</summary>
public sealed class PostgresAuditStore(PostgresConnectionFactory connections) : RelationalAuditStore
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
}

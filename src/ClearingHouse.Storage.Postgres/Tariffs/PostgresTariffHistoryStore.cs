using System.Data.Common;
using ClearingHouse.Storage.Relational.Tariffs;

namespace ClearingHouse.Storage.Postgres.Tariffs;

/// <summary>The tariff history in the Cluster profile's PostgreSQL database (one pooled connection per call).</summary>
public sealed class PostgresTariffHistoryStore(PostgresConnectionFactory connections) : RelationalTariffHistoryStore
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

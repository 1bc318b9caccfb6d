using System.Data.Common;
using ClearingHouse.Storage.Relational.Tariffs;

namespace ClearingHouse.Storage.Sqlite.Tariffs;

/// <summary>The tariff history in the Embedded profile's SQLite file (writes go through the file's one write gate).</summary>
public sealed class SqliteTariffHistoryStore(SqliteConnectionFactory connections) : RelationalTariffHistoryStore
{
    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await connections.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    protected override Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken) =>
        connections.ExecuteWriteAsync((connection, ct) => write(connection, ct), cancellationToken);
}

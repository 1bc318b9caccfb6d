using System.Data.Common;
using ClearingHouse.Storage.Relational;
using ClearingHouse.Storage.Relational.Settlement;
using Npgsql;

namespace ClearingHouse.Storage.Postgres.Settlement;

/// <summary>
/// The settlement store in the Cluster profile's PostgreSQL database, beside the <c>cdrs</c> table. Closes are
/// serialized hub-wide by a transaction-scoped advisory lock (closing is rare; numbers stay gapless), so a close
/// (check, number, lines, header) is one transaction; CDR reads during a close run on other pooled connections.
/// </summary>
public sealed class PostgresSettlementStore(PostgresConnectionFactory connections) : RelationalSettlementStore
{
    private const long CloseLockId = 0x53544D54_0001; // "STMT" + 1: one close at a time, hub-wide.

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
    protected override async Task<DbTransaction> BeginCloseAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await base.BeginCloseAsync(connection, cancellationToken);
        using var lockCommand = connection.Command($"SELECT pg_advisory_xact_lock({CloseLockId})", transaction);
        await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        return transaction;
    }

    /// <inheritdoc />
    protected override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <inheritdoc />
    protected override object CdrTime(DateTimeOffset instant) => instant.UtcDateTime;
}

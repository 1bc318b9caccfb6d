using System.Data.Common;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Storage.Relational;
using ClearingHouse.Storage.Relational.Settlement;
using Npgsql;

namespace ClearingHouse.Storage.Postgres.Settlement;

/// <summary>
/// The settlement store in the Cluster profile's PostgreSQL database, beside the <c>cdrs</c> table. Closes are
/// serialized hub-wide by a transaction-scoped advisory lock (closing is rare; numbers stay gapless), so a close
/// (check, number, lines, header) is one transaction; CDR reads during a close run on other pooled connections.
/// </summary>
public sealed class PostgresSettlementStore(PostgresConnectionFactory connections, ICdrStore cdrs) : RelationalSettlementStore(cdrs)
{
    private const long CloseLockId = 0x53544D54_0001; // "STMT" + 1: one close at a time, hub-wide.

    protected override string Schema => """
        CREATE TABLE IF NOT EXISTS statements (
            number bigint PRIMARY KEY,
            cpo_country text NOT NULL, cpo_party text NOT NULL, emsp_country text NOT NULL, emsp_party text NOT NULL,
            currency text NOT NULL, period_from bigint NOT NULL, period_to bigint NOT NULL,
            closed_at bigint NOT NULL, closed_by text NOT NULL, line_count integer NOT NULL, totals text NOT NULL, content_hash text NOT NULL,
            UNIQUE (cpo_country, cpo_party, emsp_country, emsp_party, currency, period_from, period_to));
        CREATE INDEX IF NOT EXISTS statements_by_emsp ON statements (emsp_country, emsp_party, number);
        CREATE TABLE IF NOT EXISTS statement_lines (
            number bigint NOT NULL, line_no bigint NOT NULL, cdr_id text NOT NULL, csv text NOT NULL,
            PRIMARY KEY (number, line_no));
        CREATE TABLE IF NOT EXISTS settled_cdrs (
            cpo_country text NOT NULL, cpo_party text NOT NULL, cdr_id text NOT NULL, number bigint NOT NULL,
            PRIMARY KEY (cpo_country, cpo_party, cdr_id));
        CREATE TABLE IF NOT EXISTS disputes (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            cpo_country text NOT NULL, cpo_party text NOT NULL, cdr_id text NOT NULL, emsp_country text NOT NULL, emsp_party text NOT NULL,
            currency text NOT NULL, cdr_end bigint NOT NULL, state integer NOT NULL, opened_by text NOT NULL, reason text NOT NULL,
            opened_at bigint NOT NULL, updated_at bigint NOT NULL, version integer NOT NULL, credit_cdr_id text NULL, new_cdr_id text NULL,
            UNIQUE (cpo_country, cpo_party, cdr_id));
        CREATE INDEX IF NOT EXISTS disputes_by_emsp ON disputes (emsp_country, emsp_party, id);
        CREATE TABLE IF NOT EXISTS dispute_events (
            dispute_id bigint NOT NULL, version integer NOT NULL, at bigint NOT NULL, actor text NOT NULL,
            from_state integer NULL, to_state integer NOT NULL, reason text NOT NULL,
            PRIMARY KEY (dispute_id, version));
        CREATE TABLE IF NOT EXISTS audit_log (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL, action text NOT NULL, target text NOT NULL, detail text NOT NULL);
        """;

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

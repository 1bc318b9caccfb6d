using System.Data.Common;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Storage.Relational.Settlement;
using Microsoft.Data.Sqlite;

namespace ClearingHouse.Storage.Sqlite.Settlement;

/// <summary>
/// The settlement store in the Embedded profile's SQLite file, beside the <c>cdrs</c> table. Writers of this
/// process are serialized by the connection factory's write gate, so a close (check, number, lines, header) is one
/// transaction no other writer interleaves with; CDR reads during a close run on other connections (WAL).
/// </summary>
public sealed class SqliteSettlementStore(SqliteConnectionFactory connections, ICdrStore cdrs) : RelationalSettlementStore(cdrs)
{
    protected override string Schema => """
        CREATE TABLE IF NOT EXISTS statements (
            number INTEGER PRIMARY KEY,
            cpo_country TEXT NOT NULL, cpo_party TEXT NOT NULL, emsp_country TEXT NOT NULL, emsp_party TEXT NOT NULL,
            currency TEXT NOT NULL, period_from INTEGER NOT NULL, period_to INTEGER NOT NULL,
            closed_at INTEGER NOT NULL, closed_by TEXT NOT NULL, line_count INTEGER NOT NULL, totals TEXT NOT NULL, content_hash TEXT NOT NULL,
            UNIQUE (cpo_country, cpo_party, emsp_country, emsp_party, currency, period_from, period_to));
        CREATE INDEX IF NOT EXISTS statements_by_emsp ON statements (emsp_country, emsp_party, number);
        CREATE TABLE IF NOT EXISTS statement_lines (
            number INTEGER NOT NULL, line_no INTEGER NOT NULL, cdr_id TEXT NOT NULL, csv TEXT NOT NULL,
            PRIMARY KEY (number, line_no));
        CREATE TABLE IF NOT EXISTS settled_cdrs (
            cpo_country TEXT NOT NULL, cpo_party TEXT NOT NULL, cdr_id TEXT NOT NULL, number INTEGER NOT NULL,
            PRIMARY KEY (cpo_country, cpo_party, cdr_id));
        CREATE TABLE IF NOT EXISTS disputes (
            id INTEGER PRIMARY KEY,
            cpo_country TEXT NOT NULL, cpo_party TEXT NOT NULL, cdr_id TEXT NOT NULL, emsp_country TEXT NOT NULL, emsp_party TEXT NOT NULL,
            currency TEXT NOT NULL, cdr_end INTEGER NOT NULL, state INTEGER NOT NULL, opened_by TEXT NOT NULL, reason TEXT NOT NULL,
            opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL, credit_cdr_id TEXT NULL, new_cdr_id TEXT NULL,
            UNIQUE (cpo_country, cpo_party, cdr_id));
        CREATE INDEX IF NOT EXISTS disputes_by_emsp ON disputes (emsp_country, emsp_party, id);
        CREATE TABLE IF NOT EXISTS dispute_events (
            dispute_id INTEGER NOT NULL, version INTEGER NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL,
            from_state INTEGER NULL, to_state INTEGER NOT NULL, reason TEXT NOT NULL,
            PRIMARY KEY (dispute_id, version));
        CREATE TABLE IF NOT EXISTS audit_log (
            seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL);
        """;

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

using System.Runtime.CompilerServices;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Settlement;
using System.Data.Common;

namespace ClearingHouse.Storage.Relational.Settlement;

/// <summary>
/// <see cref="ISettlementStore"/> over ADO.NET: every query and write of statements and disputes, the same
/// SQL for SQLite and PostgreSQL. A backend supplies its connections, how writes are run and serialized, and how it
/// reports a unique violation; its migration step creates the tables.
/// </summary>
public abstract class RelationalSettlementStore : ISettlementStore
{
    private const string StatementColumns =
        "number, cpo_country, cpo_party, emsp_country, emsp_party, currency, period_from, period_to, closed_at, closed_by, line_count, totals, content_hash";

    private const string DisputeByCdrSql = $"SELECT {DisputeColumns} FROM disputes WHERE cpo_country = @cc AND cpo_party = @cp AND cdr_id = @id";

    private const string DisputeColumns =
        "id, cpo_country, cpo_party, cdr_id, emsp_country, emsp_party, currency, cdr_end, state, opened_by, reason, opened_at, updated_at, version, credit_cdr_id, new_cdr_id";

    /// <summary>Opens a connection for reads.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs a write on a connection, serialized as the backend requires.</summary>
    protected abstract Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken);

    /// <summary>Begins the transaction of a close; closes must not run concurrently (statement numbers stay gapless).</summary>
    protected virtual async Task<DbTransaction> BeginCloseAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.BeginTransactionAsync(cancellationToken);
    }

    /// <summary>Whether <paramref name="exception"/> is a unique-key violation.</summary>
    protected abstract bool IsUniqueViolation(DbException exception);

    /// <summary>The parameter value for an instant compared with the <c>cdrs</c> table's time columns.</summary>
    protected abstract object CdrTime(DateTimeOffset instant);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ClosedStatement>> ListClosedAsync(PartyKey cpo, PartyKey emsp, string currency, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command($"SELECT {StatementColumns} FROM statements WHERE cpo_country = @cc AND cpo_party = @cp AND emsp_country = @ec AND emsp_party = @ep AND currency = @cur ORDER BY period_from");
        AddPair(command, cpo, emsp);
        command.Add("@cur", currency);
        return await ReadStatementsAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ClosedStatement?> GetStatementAsync(long number, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command($"SELECT {StatementColumns} FROM statements WHERE number = @n");
        command.Add("@n", number);
        var found = await ReadStatementsAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ClosedStatement>> ListStatementsAsync(StatementListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.CreateCommand();
        var sql = $"SELECT {StatementColumns} FROM statements WHERE number > @after" + PartyFilter(command, query.Cpo, query.Emsp);

        command.CommandText = sql + " ORDER BY number LIMIT @limit";
        command.Add("@after", query.AfterNumber);
        command.Add("@limit", query.Limit);
        return await ReadStatementsAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlySet<string>> FindSettledAsync(PartyKey cpo, IReadOnlyCollection<string> cdrIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cdrIds);
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command("SELECT 1 FROM settled_cdrs WHERE cpo_country = @cc AND cpo_party = @cp AND cdr_id = @id");
        command.Add("@cc", cpo.CountryCode);
        command.Add("@cp", cpo.PartyId);
        var id = command.Add("@id");
        foreach (var cdrId in cdrIds)
        {
            id.Value = cdrId;
            if (await command.ExecuteScalarAsync(cancellationToken) is not null)
            {
                found.Add(cdrId);
            }
        }

        return found;
    }

    /// <inheritdoc />
    public async Task<(ClosedStatement Statement, bool Created)> CloseAsync(
        StatementKey key, string closedBy, DateTimeOffset closedAt,
        Func<Func<StatementLineRow, Task>, CancellationToken, Task<StatementContent>> build,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(build);
        return await WriteAsync(
            async (connection, ct) =>
            {
                await using var transaction = await BeginCloseAsync(connection, ct);
                ClosedStatement? overlap = null;
                using (var existing = connection.Command($"SELECT {StatementColumns} FROM statements WHERE cpo_country = @cc AND cpo_party = @cp AND emsp_country = @ec AND emsp_party = @ep AND currency = @cur AND period_from < @to AND period_to > @from", transaction))
                {
                    AddPair(existing, key.Cpo, key.Emsp);
                    existing.Add("@cur", key.Currency);
                    existing.Add("@from", key.From.UtcTicks);
                    existing.Add("@to", key.To.UtcTicks);
                    foreach (var s in await ReadStatementsAsync(existing, ct))
                    {
                        if (s.Key == key)
                        {
                            return (s, false);
                        }

                        overlap ??= s;
                    }
                }

                if (overlap is not null)
                {
                    throw new HubException(HubErrorCode.FailedPrecondition,
                        $"the period overlaps closed statement {overlap.Number} ({overlap.Key.From:u} to {overlap.Key.To:u}); close a period that does not overlap it");
                }

                long number;
                using (var next = connection.Command("SELECT COALESCE(MAX(number), 0) + 1 FROM statements", transaction))
                {
                    number = (long)(await next.ExecuteScalarAsync(ct))!;
                }

                using var line = connection.Command("INSERT INTO statement_lines (number, line_no, cdr_id, csv) VALUES (@n, @line, @id, @csv)", transaction);
                line.Add("@n", number);
                var lineNo = line.Add("@line");
                var lineId = line.Add("@id");
                var csv = line.Add("@csv");
                using var settle = connection.Command("INSERT INTO settled_cdrs (cpo_country, cpo_party, cdr_id, number) VALUES (@cc, @cp, @id, @n)", transaction);
                settle.Add("@cc", key.Cpo.CountryCode);
                settle.Add("@cp", key.Cpo.PartyId);
                settle.Add("@n", number);
                var settleId = settle.Add("@id");

                StatementContent content;
                try
                {
                    content = await build(
                        async row =>
                        {
                            lineNo.Value = row.LineNumber;
                            lineId.Value = row.CdrId;
                            csv.Value = row.CsvLine;
                            await line.ExecuteNonQueryAsync(ct);
                            if (row.Settles)
                            {
                                settleId.Value = row.CdrId;
                                await settle.ExecuteNonQueryAsync(ct);
                            }
                        },
                        ct);
                }
                catch (DbException ex) when (IsUniqueViolation(ex))
                {
                    throw new HubException(HubErrorCode.FailedPrecondition, "a CDR of this statement was settled by another statement meanwhile; retry the close");
                }

                var statement = new ClosedStatement
                {
                    Number = number,
                    Key = key,
                    ClosedAt = closedAt,
                    ClosedBy = closedBy,
                    LineCount = content.LineCount,
                    TotalsJson = content.TotalsJson,
                    ContentHash = content.ContentHash,
                };
                using (var header = connection.Command($"INSERT INTO statements ({StatementColumns}) VALUES (@n, @cc, @cp, @ec, @ep, @cur, @from, @to, @at, @by, @lines, @totals, @hash)", transaction))
                {
                    header.Add("@n", number);
                    AddPair(header, key.Cpo, key.Emsp);
                    header.Add("@cur", key.Currency);
                    header.Add("@from", key.From.UtcTicks);
                    header.Add("@to", key.To.UtcTicks);
                    header.Add("@at", closedAt.UtcTicks);
                    header.Add("@by", closedBy);
                    header.Add("@lines", content.LineCount);
                    header.Add("@totals", content.TotalsJson);
                    header.Add("@hash", content.ContentHash);
                    await header.ExecuteNonQueryAsync(ct);
                }

                await transaction.CommitAsync(ct);
                return (statement, true);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ReadLinesAsync(long number, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command("SELECT csv FROM statement_lines WHERE number = @n ORDER BY line_no");
        command.Add("@n", number);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return reader.GetString(0);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, DisputeRecord>> FindDisputesAsync(PartyKey cpo, IReadOnlyCollection<string> cdrIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cdrIds);
        var found = new Dictionary<string, DisputeRecord>(StringComparer.Ordinal);
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command(DisputeByCdrSql);
        command.Add("@cc", cpo.CountryCode);
        command.Add("@cp", cpo.PartyId);
        var id = command.Add("@id");
        foreach (var cdrId in cdrIds)
        {
            id.Value = cdrId;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                found[cdrId] = ReadDispute(reader);
            }
        }

        return found;
    }

    /// <inheritdoc />
    public async Task<DisputeRecord?> GetDisputeAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command($"SELECT {DisputeColumns} FROM disputes WHERE id = @id");
        command.Add("@id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadDispute(reader) : null;
    }

    /// <inheritdoc />
    public async Task<(DisputeRecord Dispute, bool Created)> OpenDisputeAsync(DisputeRecord draft, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return await WriteAsync(
            async (connection, ct) =>
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                using var insert = connection.Command(
                    "INSERT INTO disputes (cpo_country, cpo_party, cdr_id, emsp_country, emsp_party, currency, cdr_end, state, opened_by, reason, opened_at, updated_at, version) " +
                    "VALUES (@cc, @cp, @id, @ec, @ep, @cur, @end, @state, @by, @reason, @at, @at, 1) ON CONFLICT DO NOTHING RETURNING id",
                    transaction);
                AddPair(insert, draft.Cpo, draft.Emsp);
                insert.Add("@id", draft.CdrId);
                insert.Add("@cur", draft.Currency);
                insert.Add("@end", draft.CdrEnd.UtcTicks);
                insert.Add("@state", (int)draft.State);
                insert.Add("@by", draft.OpenedBy);
                insert.Add("@reason", draft.Reason);
                insert.Add("@at", draft.OpenedAt.UtcTicks);
                if (await insert.ExecuteScalarAsync(ct) is not long id)
                {
                    using var find = connection.Command(DisputeByCdrSql, transaction);
                    find.Add("@cc", draft.Cpo.CountryCode);
                    find.Add("@cp", draft.Cpo.PartyId);
                    find.Add("@id", draft.CdrId);
                    await using var reader = await find.ExecuteReaderAsync(ct);
                    await reader.ReadAsync(ct);
                    return (ReadDispute(reader), false);
                }

                var opened = draft with { Id = id, Version = 1, UpdatedAt = draft.OpenedAt };
                await InsertEventAsync(connection, transaction, new DisputeEvent { DisputeId = id, Version = 1, At = draft.OpenedAt, Actor = actor, To = draft.State, Reason = draft.Reason }, ct);
                await transaction.CommitAsync(ct);
                return (opened, true);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> MoveDisputeAsync(DisputeRecord updated, DisputeEvent change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updated);
        ArgumentNullException.ThrowIfNull(change);
        return await WriteAsync(
            async (connection, ct) =>
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                using var update = connection.Command("UPDATE disputes SET state = @state, updated_at = @at, version = @v, credit_cdr_id = @credit, new_cdr_id = @new WHERE id = @id AND version = @prev", transaction);
                update.Add("@state", (int)updated.State);
                update.Add("@at", updated.UpdatedAt.UtcTicks);
                update.Add("@v", updated.Version);
                update.Add("@prev", updated.Version - 1);
                update.Add("@credit", (object?)updated.CreditCdrId ?? DBNull.Value);
                update.Add("@new", (object?)updated.NewCdrId ?? DBNull.Value);
                update.Add("@id", updated.Id);
                if (await update.ExecuteNonQueryAsync(ct) != 1)
                {
                    return false;
                }

                await InsertEventAsync(connection, transaction, change, ct);
                await transaction.CommitAsync(ct);
                return true;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DisputeRecord>> ListDisputesAsync(DisputeQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.CreateCommand();
        var sql = $"SELECT {DisputeColumns} FROM disputes WHERE id > @after" + PartyFilter(command, query.Cpo, query.Emsp);

        if (query.State is { } state)
        {
            sql += " AND state = @state";
            command.Add("@state", (int)state);
        }

        command.CommandText = sql + " ORDER BY id LIMIT @limit";
        command.Add("@after", query.AfterId);
        command.Add("@limit", query.Limit);
        var list = new List<DisputeRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadDispute(reader));
        }

        return list;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DisputeEvent>> ListDisputeEventsAsync(long disputeId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command("SELECT dispute_id, version, at, actor, from_state, to_state, reason FROM dispute_events WHERE dispute_id = @id ORDER BY version");
        command.Add("@id", disputeId);
        var list = new List<DisputeEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new DisputeEvent
            {
                DisputeId = reader.GetInt64(0),
                Version = reader.GetInt32(1),
                At = new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero),
                Actor = reader.GetString(3),
                From = reader.IsDBNull(4) ? null : (DisputeState)reader.GetInt32(4),
                To = (DisputeState)reader.GetInt32(5),
                Reason = reader.GetString(6),
            });
        }

        return list;
    }

    /// <inheritdoc />
    public async Task<(long Count, IReadOnlyList<(PartyKey Cpo, string CdrId)> Examples)> FindPriceMismatchesAsync(DateTimeOffset since, int examples, PriceCheck check = PriceCheck.Mismatch, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using var command = connection.Command("SELECT COUNT(*) FROM cdrs WHERE price_check = @check AND end_time >= @since");
        command.Add("@check", (int)check);
        command.Add("@since", CdrTime(since));
        var count = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        command.CommandText = "SELECT cpo_country, cpo_party, cdr_id FROM cdrs WHERE price_check = @check AND end_time >= @since ORDER BY end_time DESC LIMIT @n";
        command.Add("@n", examples);
        var list = new List<(PartyKey, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add((new PartyKey(reader.GetString(0), reader.GetString(1), PartyRole.Cpo), reader.GetString(2)));
        }

        return (count, list);
    }

    private static async Task InsertEventAsync(DbConnection connection, DbTransaction transaction, DisputeEvent change, CancellationToken ct)
    {
        using var command = connection.Command("INSERT INTO dispute_events (dispute_id, version, at, actor, from_state, to_state, reason) VALUES (@id, @v, @at, @actor, @from, @to, @reason)", transaction);
        command.Add("@id", change.DisputeId);
        command.Add("@v", change.Version);
        command.Add("@at", change.At.UtcTicks);
        command.Add("@actor", change.Actor);
        command.Add("@from", change.From is { } f ? (int)f : DBNull.Value);
        command.Add("@to", (int)change.To);
        command.Add("@reason", change.Reason);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The conditions (and their parameters) for an optional CPO and an optional EMSP.</summary>
    private static string PartyFilter(DbCommand command, PartyKey? cpo, PartyKey? emsp)
    {
        var sql = "";
        if (cpo is { } c)
        {
            sql += " AND cpo_country = @cc AND cpo_party = @cp";
            command.Add("@cc", c.CountryCode);
            command.Add("@cp", c.PartyId);
        }

        if (emsp is { } e)
        {
            sql += " AND emsp_country = @ec AND emsp_party = @ep";
            command.Add("@ec", e.CountryCode);
            command.Add("@ep", e.PartyId);
        }

        return sql;
    }

    private static void AddPair(DbCommand command, PartyKey cpo, PartyKey emsp)
    {
        command.Add("@cc", cpo.CountryCode);
        command.Add("@cp", cpo.PartyId);
        command.Add("@ec", emsp.CountryCode);
        command.Add("@ep", emsp.PartyId);
    }

    private static async Task<IReadOnlyList<ClosedStatement>> ReadStatementsAsync(DbCommand command, CancellationToken ct)
    {
        var list = new List<ClosedStatement>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new ClosedStatement
            {
                Number = r.GetInt64(0),
                Key = new StatementKey(
                    new PartyKey(r.GetString(1), r.GetString(2), PartyRole.Cpo),
                    new PartyKey(r.GetString(3), r.GetString(4), PartyRole.Emsp),
                    r.GetString(5),
                    new DateTimeOffset(r.GetInt64(6), TimeSpan.Zero),
                    new DateTimeOffset(r.GetInt64(7), TimeSpan.Zero)),
                ClosedAt = new DateTimeOffset(r.GetInt64(8), TimeSpan.Zero),
                ClosedBy = r.GetString(9),
                LineCount = r.GetInt32(10),
                TotalsJson = r.GetString(11),
                ContentHash = r.GetString(12),
            });
        }

        return list;
    }

    private static DisputeRecord ReadDispute(DbDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Cpo = new PartyKey(r.GetString(1), r.GetString(2), PartyRole.Cpo),
        CdrId = r.GetString(3),
        Emsp = new PartyKey(r.GetString(4), r.GetString(5), PartyRole.Emsp),
        Currency = r.GetString(6),
        CdrEnd = new DateTimeOffset(r.GetInt64(7), TimeSpan.Zero),
        State = (DisputeState)r.GetInt32(8),
        OpenedBy = r.GetString(9),
        Reason = r.GetString(10),
        OpenedAt = new DateTimeOffset(r.GetInt64(11), TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(r.GetInt64(12), TimeSpan.Zero),
        Version = r.GetInt32(13),
        CreditCdrId = r.IsDBNull(14) ? null : r.GetString(14),
        NewCdrId = r.IsDBNull(15) ? null : r.GetString(15),
    };

}

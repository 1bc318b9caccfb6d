using ClearingHouse.Grains.Diagnostics;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using Microsoft.Data.Sqlite;

namespace ClearingHouse.Storage.Sqlite.Cdrs;

/// <summary>
/// <see cref="ICdrStore"/> on the Embedded profile's SQLite file (WAL, synchronous=FULL): one table, unique on
/// (CPO, CDR id); a batch is one transaction of prepared <c>INSERT OR IGNORE</c>s, so it is durable when the
/// commit returns and a retried CDR is ignored, whatever its other fields say. Two indexes serve the lists:
/// by CPO and by EMSP, each in time order.
/// </summary>
/// <remarks>
/// The EMSP feed (<see cref="ICdrFeedStore"/>): every stored row gets <c>feed_seq</c> from the one-row table
/// <c>cdr_feed_head</c>, advanced inside the write transaction. SQLite has one writer at a time, so sequence
/// order is commit order and a reader never finds a smaller sequence appear behind one it has read.
/// </remarks>
public sealed class SqliteCdrStore(SqliteConnectionFactory connections) : ICdrStore, ICdrFeedStore
{
    private readonly QueueMetrics? _queues;

    /// <summary>Creates the store, reporting its group-commit queue's depth and batch sizes.</summary>
    public SqliteCdrStore(SqliteConnectionFactory connections, QueueMetrics queues)
        : this(connections)
    {
        ArgumentNullException.ThrowIfNull(queues);
        _queues = queues;
        queues.TrackDepth(HubQueue.CdrGroupCommit, () => _queue.Count);
    }

    private const string Columns =
        "cpo_country, cpo_party, cdr_id, emsp_country, emsp_party, start_time, end_time, currency, total_excl, total_incl, " +
        "credit, credit_reference_id, tariff_id, price_check, hub_price, received_at, ocpi_json";

    private readonly ConcurrentQueue<PendingInsert> _queue = new();
    private int _writing;

    /// <inheritdoc />
    /// <remarks>
    /// Group commit: batches that arrive while a transaction is being written wait in a queue, and the next
    /// transaction writes all of them (up to <see cref="MaxGroupRows"/> rows) with one commit, so one fsync serves many
    /// batches. Each caller still gets its own result, only after the commit that holds its batch; a failed
    /// transaction fails every batch in it, and none of them is stored.
    /// </remarks>
    public async Task<IReadOnlySet<string>> InsertAsync(PartyKey cpo, IReadOnlyList<StoredCdr> cdrs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cdrs);
        if (cdrs.Count == 0)
        {
            return new HashSet<string>();
        }

        var pending = new PendingInsert(cpo, cdrs);
        _queue.Enqueue(pending);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Most rows written in one group-commit transaction.</summary>
    public const int MaxGroupRows = 5_000;

    private sealed record PendingInsert(PartyKey Cpo, IReadOnlyList<StoredCdr> Cdrs)
    {
        public TaskCompletionSource<IReadOnlySet<string>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // One writer at a time drains the queue; it exits when the queue is empty (no thread parked while idle).
    private async Task DrainAsync()
    {
        while (true)
        {
            var group = new List<PendingInsert>();
            var rows = 0;
            while (rows < MaxGroupRows && _queue.TryDequeue(out var next))
            {
                group.Add(next);
                rows += next.Cdrs.Count;
            }

            if (group.Count == 0)
            {
                Volatile.Write(ref _writing, 0);
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
                {
                    return;
                }

                continue;
            }

            _queues?.Batch(HubQueue.CdrGroupCommit, rows);
            try
            {
                var results = await connections.ExecuteWriteAsync((connection, _) => Task.FromResult(WriteGroup(connection, group, rows)));
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Completion.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                foreach (var pending in group)
                {
                    pending.Completion.TrySetException(ex);
                }
            }
        }
    }

    // Synchronous on purpose: Microsoft.Data.Sqlite's async methods run synchronously anyway, and this runs on the
    // single drain task, per row.
    private static HashSet<string>[] WriteGroup(SqliteConnection connection, List<PendingInsert> group, int rows)
    {
        using var transaction = connection.BeginTransaction();
        long seq;
        using (var head = connection.CreateCommand())
        {
            head.Transaction = transaction;
            head.CommandText = "UPDATE cdr_feed_head SET seq = seq + $n WHERE id = 1 RETURNING seq";
            head.Parameters.AddWithValue("$n", rows);
            seq = Convert.ToInt64(head.ExecuteScalar(), CultureInfo.InvariantCulture) - rows;
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT OR IGNORE INTO cdrs ({Columns}, feed_seq) VALUES " +
            "($cc, $cp, $id, $ec, $ep, $start, $end, $cur, $excl, $incl, $credit, $cref, $tariff, $check, $hub, $recv, $json, $seq)";
        var p = new SqliteParameter[18];
        string[] names = ["$cc", "$cp", "$id", "$ec", "$ep", "$start", "$end", "$cur", "$excl", "$incl", "$credit", "$cref", "$tariff", "$check", "$hub", "$recv", "$json", "$seq"];
        for (var i = 0; i < names.Length; i++)
        {
            p[i] = command.Parameters.Add(new SqliteParameter { ParameterName = names[i] });
        }

        command.Prepare();
        var results = new HashSet<string>[group.Count];
        for (var g = 0; g < group.Count; g++)
        {
            var (cpo, cdrs) = (group[g].Cpo, group[g].Cdrs);
            var inserted = results[g] = new HashSet<string>(StringComparer.Ordinal);
            p[0].Value = cpo.CountryCode;
            p[1].Value = cpo.PartyId;
            foreach (var cdr in cdrs)
            {
                p[2].Value = cdr.Id;
                p[3].Value = cdr.Emsp.CountryCode;
                p[4].Value = cdr.Emsp.PartyId;
                p[5].Value = cdr.StartDateTime.UtcTicks;
                p[6].Value = cdr.EndDateTime.UtcTicks;
                p[7].Value = cdr.Currency;
                p[8].Value = cdr.TotalCostExclVat.ToString(CultureInfo.InvariantCulture);
                p[9].Value = (object?)cdr.TotalCostInclVat?.ToString(CultureInfo.InvariantCulture) ?? DBNull.Value;
                p[10].Value = cdr.Credit ? 1 : 0;
                p[11].Value = (object?)cdr.CreditReferenceId ?? DBNull.Value;
                p[12].Value = (object?)cdr.TariffId ?? DBNull.Value;
                p[13].Value = (int)cdr.PriceCheck;
                p[14].Value = (object?)cdr.HubPriceJson ?? DBNull.Value;
                p[15].Value = cdr.ReceivedAt.UtcTicks;
                p[16].Value = cdr.OcpiJson;
                p[17].Value = ++seq;
                if (command.ExecuteNonQuery() == 1)
                {
                    inserted.Add(cdr.Id);
                }
            }
        }

        // Acknowledged only after this returns: synchronous=FULL fsyncs the WAL on commit.
        transaction.Commit();
        return results;
    }

    /// <inheritdoc />
    public async Task<StoredCdr?> GetAsync(PartyKey cpo, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM cdrs WHERE cpo_country = $cc AND cpo_party = $cp AND cdr_id = $id";
        command.Parameters.AddWithValue("$cc", cpo.CountryCode);
        command.Parameters.AddWithValue("$cp", cpo.PartyId);
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlySet<string>> FindExistingAsync(PartyKey cpo, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM cdrs WHERE cpo_country = $cc AND cpo_party = $cp AND cdr_id = $id";
        command.Parameters.AddWithValue("$cc", cpo.CountryCode);
        command.Parameters.AddWithValue("$cp", cpo.PartyId);
        var idParameter = command.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
        foreach (var id in ids)
        {
            idParameter.Value = id;
            if (await command.ExecuteScalarAsync(cancellationToken) is not null)
            {
                found.Add(id);
            }
        }

        return found;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredCdr>> ListAsync(CdrQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        var sql = new StringBuilder($"SELECT {Columns} FROM cdrs WHERE 1 = 1");
        AppendFilters(sql, command, query);
        if (query.After is { } after)
        {
            sql.Append(" AND (end_time, cpo_country, cpo_party, cdr_id) > ($at, $ac, $ap, $aid)");
            command.Parameters.AddWithValue("$at", after.EndDateTime.UtcTicks);
            command.Parameters.AddWithValue("$ac", after.CpoCountryCode);
            command.Parameters.AddWithValue("$ap", after.CpoPartyId);
            command.Parameters.AddWithValue("$aid", after.Id);
        }

        sql.Append(" ORDER BY end_time, cpo_country, cpo_party, cdr_id LIMIT $limit");
        command.Parameters.AddWithValue("$limit", query.Limit);
        command.CommandText = sql.ToString();
        var page = new List<StoredCdr>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add(Read(reader));
        }

        return page;
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(CdrQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT COUNT(*) FROM cdrs WHERE 1 = 1");
        AppendFilters(sql, command, query);
        command.CommandText = sql.ToString();
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    // The filters of a list or count: CPO, EMSP, end_date_time range.
    private static void AppendFilters(StringBuilder sql, SqliteCommand command, CdrQuery query)
    {
        if (query.Cpo is { } cpo)
        {
            sql.Append(" AND cpo_country = $cc AND cpo_party = $cp");
            command.Parameters.AddWithValue("$cc", cpo.CountryCode);
            command.Parameters.AddWithValue("$cp", cpo.PartyId);
        }

        if (query.Emsp is { } emsp)
        {
            sql.Append(" AND emsp_country = $ec AND emsp_party = $ep");
            command.Parameters.AddWithValue("$ec", emsp.CountryCode);
            command.Parameters.AddWithValue("$ep", emsp.PartyId);
        }

        if (query.From is { } from)
        {
            sql.Append(" AND end_time >= $from");
            command.Parameters.AddWithValue("$from", from.UtcTicks);
        }

        if (query.To is { } to)
        {
            sql.Append(" AND end_time < $to");
            command.Parameters.AddWithValue("$to", to.UtcTicks);
        }
    }

    /// <inheritdoc />
    public async Task<CdrFeedPosition> GetFeedHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM cdr_feed_head WHERE id = 1";
        return new CdrFeedPosition(Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture), 0);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CdrFeedEntry>> ReadFeedAsync(PartyKey emsp, CdrFeedPosition after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns}, feed_seq FROM cdrs WHERE emsp_country = $ec AND emsp_party = $ep AND feed_seq > $after " +
            "ORDER BY feed_seq LIMIT $limit";
        command.Parameters.AddWithValue("$ec", emsp.CountryCode);
        command.Parameters.AddWithValue("$ep", emsp.PartyId);
        command.Parameters.AddWithValue("$after", after.Major);
        command.Parameters.AddWithValue("$limit", limit);
        var page = new List<CdrFeedEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add(new CdrFeedEntry(Read(reader), new CdrFeedPosition(reader.GetInt64(17), 0)));
        }

        return page;
    }

    /// <inheritdoc />
    /// <remarks>One write transaction under the file's write gate, as the group commit's: the head sequence moves on
    /// by one and the CDR takes it, so sequence order stays commit order.</remarks>
    public async Task<CdrFeedPosition?> RequeueAsync(PartyKey cpo, string cdrId, CancellationToken cancellationToken = default)
    {
        return await connections.ExecuteWriteAsync<CdrFeedPosition?>(
            async (connection, ct) =>
            {
                using var transaction = connection.BeginTransaction();
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "SELECT 1 FROM cdrs WHERE cpo_country = $cc AND cpo_party = $cp AND cdr_id = $id";
                command.Parameters.AddWithValue("$cc", cpo.CountryCode);
                command.Parameters.AddWithValue("$cp", cpo.PartyId);
                command.Parameters.AddWithValue("$id", cdrId);
                if (await command.ExecuteScalarAsync(ct) is null)
                {
                    return null;
                }

                command.CommandText = "UPDATE cdr_feed_head SET seq = seq + 1 WHERE id = 1 RETURNING seq";
                var seq = Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
                command.CommandText = "UPDATE cdrs SET feed_seq = $seq WHERE cpo_country = $cc AND cpo_party = $cp AND cdr_id = $id";
                command.Parameters.AddWithValue("$seq", seq);
                await command.ExecuteNonQueryAsync(ct);
                await transaction.CommitAsync(ct);
                return new CdrFeedPosition(seq, 0);
            },
            cancellationToken);
    }

    private static StoredCdr Read(SqliteDataReader r) => new()
    {
        Cpo = new PartyKey(r.GetString(0), r.GetString(1), PartyRole.Cpo),
        Id = r.GetString(2),
        Emsp = new PartyKey(r.GetString(3), r.GetString(4), PartyRole.Emsp),
        StartDateTime = new DateTimeOffset(r.GetInt64(5), TimeSpan.Zero),
        EndDateTime = new DateTimeOffset(r.GetInt64(6), TimeSpan.Zero),
        Currency = r.GetString(7),
        TotalCostExclVat = decimal.Parse(r.GetString(8), CultureInfo.InvariantCulture),
        TotalCostInclVat = r.IsDBNull(9) ? null : decimal.Parse(r.GetString(9), CultureInfo.InvariantCulture),
        Credit = r.GetInt64(10) != 0,
        CreditReferenceId = r.IsDBNull(11) ? null : r.GetString(11),
        TariffId = r.IsDBNull(12) ? null : r.GetString(12),
        PriceCheck = (PriceCheck)r.GetInt32(13),
        HubPriceJson = r.IsDBNull(14) ? null : r.GetString(14),
        ReceivedAt = new DateTimeOffset(r.GetInt64(15), TimeSpan.Zero),
        OcpiJson = r.GetString(16),
    };
}

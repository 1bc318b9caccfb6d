using ClearingHouse.Grains.Diagnostics;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using Npgsql;
using NpgsqlTypes;

namespace ClearingHouse.Storage.Postgres.Cdrs;

/// <summary>
/// <see cref="ICdrStore"/> on PostgreSQL for the Cluster profile.
/// </summary>
/// <remarks>
/// <para><c>cdrs</c> is partitioned by day of <c>end_time</c> (one partition per UTC day, created on demand under an
/// advisory lock), with three indexes that every partition inherits (by CPO, by EMSP, and by the (CPO, EMSP) pair, each
/// in time order), so a page for one party, or one pair as settlement reads it, and one period touches only that
/// period's partitions and only index entries of the rows it returns.</para>
/// <para>A unique key of a partitioned table must contain the partition key, so (CPO, id) alone cannot be unique
/// there. Idempotency lives in the small unpartitioned table <c>cdr_keys</c> (primary key (CPO country, CPO party,
/// id), with the row's <c>end_time</c> so a lookup by id finds its partition). A group of batches is one transaction
/// on one connection in two steps: a prepared statement on arrays (<c>unnest</c>) puts the keys into <c>cdr_keys</c>
/// with <c>ON CONFLICT DO NOTHING RETURNING</c>, then a binary <c>COPY</c> puts the full rows of the keys that were new
/// straight into the partitioned <c>cdrs</c>. Step 2 can never conflict: step 1 kept only new keys, and a concurrent
/// batch with the same key waits on <c>cdr_keys</c>' primary key until this transaction ends, then finds the conflict.
/// Keys are inserted in id order, so two batches never deadlock. A failure in either step rolls back both, and the
/// batch is acknowledged after the commit (synchronous_commit on). Measured alternatives for step 2 (see the docs,
/// Performance, rounds 3-5): a single statement with a CTE over all the arrays spilled ~1.4 KB per row to temporary
/// files past work_mem; an <c>INSERT .. SELECT FROM unnest</c> of 17 arrays cost 25.7 us of PostgreSQL backend CPU
/// per CDR against 23.8 us for this COPY (medians of 6 interleaved runs; COPY inserts through multi-insert buffers
/// and builds no arrays); binary COPY into a temporary staging table followed by <c>INSERT .. ON CONFLICT</c> cost
/// 34-36 us (the staging table is written, read back and truncated at every commit).</para>
/// <para>The EMSP feed (<see cref="ICdrFeedStore"/>) also lives in <c>cdr_keys</c> (small, unpartitioned): each key
/// row carries its EMSP, the id of the transaction that stored it (<c>feed_xid</c>) and a sequence value. Feed order
/// is (feed_xid, feed_seq), and a read only returns rows whose transaction id is below the oldest transaction of this
/// database still running in the read's own snapshot (<see cref="HorizonSql"/>): those are all finished, and every
/// later commit has a larger id, so nothing ever appears behind a position already read. The price: delivery waits
/// for the longest writing transaction of this database running when the CDR committed.</para>
/// </remarks>
public sealed class PostgresCdrStore(PostgresConnectionFactory connections) : ICdrStore, ICdrFeedStore
{
    private readonly QueueMetrics? _queues;

    /// <summary>Creates the store, reporting its group-commit queue's depth and batch sizes.</summary>
    public PostgresCdrStore(PostgresConnectionFactory connections, QueueMetrics queues)
        : this(connections)
    {
        ArgumentNullException.ThrowIfNull(queues);
        _queues = queues;
        queues.TrackDepth(HubQueue.CdrGroupCommit, () => _queue.Count);
    }

    private const string Columns =
        "cpo_country, cpo_party, cdr_id, emsp_country, emsp_party, start_time, end_time, currency, total_excl, total_incl, " +
        "credit, credit_reference_id, tariff_id, price_check, hub_price, received_at, ocpi_json";

    // Step 1 of a group's transaction: the keys alone (narrow rows, inserted in key order so two writers never
    // deadlock); it returns the keys that were new.
    private const string InsertKeysSql = """
        INSERT INTO cdr_keys (cpo_country, cpo_party, cdr_id, end_time, emsp_country, emsp_party)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])
            AS t(cpo_country, cpo_party, cdr_id, end_time, emsp_country, emsp_party)
        ORDER BY cpo_country, cpo_party, cdr_id
        ON CONFLICT DO NOTHING
        RETURNING cpo_country, cpo_party, cdr_id
        """;

    // Step 2: the full rows of those new keys only, as binary COPY straight into the partitioned table (PostgreSQL
    // routes each row to its day partition and buffers rows per partition: one heap WAL record per page of rows).
    private const string CopyRowsSql = $"COPY cdrs ({Columns}) FROM STDIN (FORMAT BINARY)";

    // The feed's horizon, from the statement's own snapshot: its xmax, or the oldest transaction still running in it,
    // leaving out transactions known to run in another database (pg_stat_activity), whose rows can never be ours. A
    // transaction that finished meanwhile, or whose database is not visible to this role, is kept: conservative.
    private const string HorizonSql = """
        SELECT LEAST(pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
                     (SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
                      WHERE x::text::bigint NOT IN (SELECT a.backend_xid::text::bigint FROM pg_stat_activity a
                                                    WHERE a.datname <> current_database() AND a.backend_xid IS NOT NULL)))
        """;

    private readonly ConcurrentDictionary<DateOnly, bool> _partitions = new();
    private readonly Lock _partitionLock = new();
    private Task _partitionWork = Task.CompletedTask;
    private readonly ConcurrentQueue<PendingInsert> _queue = new();
    private int _writers;

    /// <inheritdoc />
    /// <remarks>
    /// Group commit: batches wait in a queue, and each of at most <see cref="MaxWriters"/> writers sends everything
    /// queued (up to <see cref="MaxGroupRows"/> rows, several CPOs) as one transaction, so one commit serves many batches
    /// and PostgreSQL is not asked to run a hundred concurrent inserts on a small machine. Each caller gets its own
    /// result after the commit holding its batch; a failed transaction fails every batch in it and stores none of them.
    /// A CDR id repeated by two batches of one group is stored by the first; the second sees a duplicate.
    /// </remarks>
    public async Task<IReadOnlySet<string>> InsertAsync(PartyKey cpo, IReadOnlyList<StoredCdr> cdrs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cdrs);
        if (cdrs.Count == 0)
        {
            return new HashSet<string>();
        }

        await EnsurePartitionsAsync(cdrs, cancellationToken);
        var pending = new PendingInsert(cpo, cdrs);
        _queue.Enqueue(pending);
        StartWriterIfNeeded();
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Most rows in one group-commit statement.</summary>
    public const int MaxGroupRows = 4_000;

    /// <summary>Most group-commit statements running at once.</summary>
    public const int MaxWriters = 4;

    private sealed record PendingInsert(PartyKey Cpo, IReadOnlyList<StoredCdr> Cdrs)
    {
        public TaskCompletionSource<IReadOnlySet<string>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private void StartWriterIfNeeded()
    {
        while (true)
        {
            var writers = Volatile.Read(ref _writers);
            if (writers >= MaxWriters || _queue.IsEmpty)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _writers, writers + 1, writers) == writers)
            {
                _ = Task.Run(DrainAsync, CancellationToken.None);
                return;
            }
        }
    }

    // A writer sends groups until the queue is empty, then exits (no task parked while idle).
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
                Interlocked.Decrement(ref _writers);
                // An insert enqueued after the check above may have seen MaxWriters busy writers: look again.
                StartWriterIfNeeded();
                return;
            }

            if (!_queue.IsEmpty)
            {
                StartWriterIfNeeded();
            }

            _queues?.Batch(HubQueue.CdrGroupCommit, rows);
            try
            {
                var results = await WriteGroupAsync(group, rows);
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

    private async Task<HashSet<string>[]> WriteGroupAsync(List<PendingInsert> group, int rows)
    {
        // Which batch of the group each key belongs to: the first that names it.
        var owner = new Dictionary<(string, string, string), int>(rows);
        var unique = new List<(PartyKey Cpo, StoredCdr Cdr)>(rows);
        for (var g = 0; g < group.Count; g++)
        {
            var cpo = group[g].Cpo;
            foreach (var c in group[g].Cdrs)
            {
                if (owner.TryAdd((cpo.CountryCode, cpo.PartyId, c.Id), g))
                {
                    unique.Add((cpo, c));
                }
            }
        }

        var results = new HashSet<string>[group.Count];
        for (var g = 0; g < results.Length; g++)
        {
            results[g] = new HashSet<string>(StringComparer.Ordinal);
        }

        await using var connection = await connections.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var fresh = new List<(PartyKey Cpo, StoredCdr Cdr)>(unique.Count);
        await using (var keys = new NpgsqlCommand(InsertKeysSql, connection, transaction))
        {
            keys.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. unique.Select(u => u.Cpo.CountryCode)] });
            keys.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. unique.Select(u => u.Cpo.PartyId)] });
            keys.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. unique.Select(u => u.Cdr.Id)] });
            keys.Parameters.Add(Timestamps([.. unique.Select(u => u.Cdr.EndDateTime.UtcDateTime)]));
            keys.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. unique.Select(u => u.Cdr.Emsp.CountryCode)] });
            keys.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. unique.Select(u => u.Cdr.Emsp.PartyId)] });
            // Prepared: a custom plan would copy every array into the plan, for each group.
            await keys.PrepareAsync();
            var inserted = new HashSet<(string, string, string)>(unique.Count);
            await using (var reader = await keys.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var key = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                    inserted.Add(key);
                    results[owner[key]].Add(key.Item3);
                }
            }

            foreach (var u in unique)
            {
                if (inserted.Contains((u.Cpo.CountryCode, u.Cpo.PartyId, u.Cdr.Id)))
                {
                    fresh.Add(u);
                }
            }
        }

        if (fresh.Count > 0)
        {
            // Same connection and transaction as step 1: step 1 kept only keys that were new (a concurrent writer of the
            // same key waits on cdr_keys' primary key), so no row here can conflict, and a failed COPY rolls back both.
            await using var copy = await connection.BeginBinaryImportAsync(CopyRowsSql);
            foreach (var (cpo, cdr) in fresh)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(cpo.CountryCode, NpgsqlDbType.Text);
                await copy.WriteAsync(cpo.PartyId, NpgsqlDbType.Text);
                await copy.WriteAsync(cdr.Id, NpgsqlDbType.Text);
                await copy.WriteAsync(cdr.Emsp.CountryCode, NpgsqlDbType.Text);
                await copy.WriteAsync(cdr.Emsp.PartyId, NpgsqlDbType.Text);
                await copy.WriteAsync(cdr.StartDateTime.UtcDateTime, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(cdr.EndDateTime.UtcDateTime, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(cdr.Currency, NpgsqlDbType.Text);
                await copy.WriteAsync(cdr.TotalCostExclVat, NpgsqlDbType.Numeric);
                await WriteOrNullAsync(copy, cdr.TotalCostInclVat, NpgsqlDbType.Numeric);
                await copy.WriteAsync(cdr.Credit, NpgsqlDbType.Boolean);
                await WriteOrNullAsync(copy, cdr.CreditReferenceId, NpgsqlDbType.Text);
                await WriteOrNullAsync(copy, cdr.TariffId, NpgsqlDbType.Text);
                await copy.WriteAsync((short)cdr.PriceCheck, NpgsqlDbType.Smallint);
                await WriteOrNullAsync(copy, cdr.HubPriceJson, NpgsqlDbType.Text);
                await copy.WriteAsync(cdr.ReceivedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(cdr.OcpiJson, NpgsqlDbType.Text);
            }

            // Without this call disposing the importer cancels the COPY, and the commit below then fails.
            await copy.CompleteAsync();
        }

        // Acknowledged only after this commit (synchronous_commit on): keys and rows become visible together.
        await transaction.CommitAsync();
        return results;
    }

    private static NpgsqlParameter<DateTime[]> Timestamps(DateTime[] values) =>
        new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    private static Task WriteOrNullAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type) =>
        value is null ? copy.WriteNullAsync() : copy.WriteAsync(value, type);

    private static Task WriteOrNullAsync(NpgsqlBinaryImporter copy, decimal? value, NpgsqlDbType type) =>
        value is { } v ? copy.WriteAsync(v, type) : copy.WriteNullAsync();

    /// <inheritdoc />
    public async Task<StoredCdr?> GetAsync(PartyKey cpo, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        // The key table gives the row's end_time, so the lookup touches one partition.
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns} FROM cdrs c WHERE (c.cpo_country, c.cpo_party, c.cdr_id, c.end_time) = " +
            "(SELECT k.cpo_country, k.cpo_party, k.cdr_id, k.end_time FROM cdr_keys k WHERE k.cpo_country = $1 AND k.cpo_party = $2 AND k.cdr_id = $3)",
            connection)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = cpo.CountryCode },
                new NpgsqlParameter<string> { TypedValue = cpo.PartyId },
                new NpgsqlParameter<string> { TypedValue = id },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlySet<string>> FindExistingAsync(PartyKey cpo, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT cdr_id FROM cdr_keys WHERE cpo_country = $1 AND cpo_party = $2 AND cdr_id = ANY($3)", connection)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = cpo.CountryCode },
                new NpgsqlParameter<string> { TypedValue = cpo.PartyId },
                new NpgsqlParameter<string[]> { TypedValue = [.. ids] },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredCdr>> ListAsync(CdrQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder($"SELECT {Columns} FROM cdrs WHERE true");
        string Add<T>(T value) => AddParameter(command, value);
        AppendFilters(sql, command, query);
        if (query.After is { } after)
        {
            sql.Append(CultureInfo.InvariantCulture,
                $" AND (end_time, cpo_country, cpo_party, cdr_id) > ({Add(after.EndDateTime.UtcDateTime)}, {Add(after.CpoCountryCode)}, {Add(after.CpoPartyId)}, {Add(after.Id)})");
        }

        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY end_time, cpo_country, cpo_party, cdr_id LIMIT {Add(query.Limit)}");
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
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder("SELECT COUNT(*) FROM cdrs WHERE true");
        AppendFilters(sql, command, query);
        command.CommandText = sql.ToString();
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // The filters of a list or count: CPO, EMSP, end_date_time range.
    private static void AppendFilters(StringBuilder sql, NpgsqlCommand command, CdrQuery query)
    {
        if (query.Cpo is { } cpo)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND cpo_country = {AddParameter(command, cpo.CountryCode)} AND cpo_party = {AddParameter(command, cpo.PartyId)}");
        }

        if (query.Emsp is { } emsp)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND emsp_country = {AddParameter(command, emsp.CountryCode)} AND emsp_party = {AddParameter(command, emsp.PartyId)}");
        }

        if (query.From is { } from)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND end_time >= {AddParameter(command, from.UtcDateTime)}");
        }

        if (query.To is { } to)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND end_time < {AddParameter(command, to.UtcDateTime)}");
        }
    }

    // A positional parameter ($n) of the command.
    private static string AddParameter<T>(NpgsqlCommand command, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        return "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async Task<CdrFeedPosition> GetFeedHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(HorizonSql, connection);
        // Everything before (horizon, 0) is finished; anything committing from now on has an id >= horizon.
        return new CdrFeedPosition((long)(await command.ExecuteScalarAsync(cancellationToken))!, 0);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The key row takes this transaction's id and the next <c>cdr_feed_seq</c> value, exactly as an insert's defaults
    /// give them, so the horizon rule holds: readers see the new position only once no older transaction still runs.
    /// Key rows stored before the feed existed get their EMSP from the CDR.
    /// </remarks>
    public async Task<CdrFeedPosition?> RequeueAsync(PartyKey cpo, string cdrId, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            UPDATE cdr_keys k SET feed_xid = pg_current_xact_id()::text::bigint, feed_seq = nextval('cdr_feed_seq'),
                                  emsp_country = c.emsp_country, emsp_party = c.emsp_party
            FROM cdrs c
            WHERE k.cpo_country = $1 AND k.cpo_party = $2 AND k.cdr_id = $3
              AND c.cpo_country = k.cpo_country AND c.cpo_party = k.cpo_party AND c.end_time = k.end_time AND c.cdr_id = k.cdr_id
            RETURNING k.feed_xid, k.feed_seq
            """,
            connection)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = cpo.CountryCode },
                new NpgsqlParameter<string> { TypedValue = cpo.PartyId },
                new NpgsqlParameter<string> { TypedValue = cdrId },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new CdrFeedPosition(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CdrFeedEntry>> ReadFeedAsync(PartyKey emsp, CdrFeedPosition after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {string.Join(", ", Columns.Split(", ").Select(c => "c." + c))}, k.feed_xid, k.feed_seq FROM cdr_keys k " +
            "JOIN cdrs c ON c.cpo_country = k.cpo_country AND c.cpo_party = k.cpo_party AND c.end_time = k.end_time AND c.cdr_id = k.cdr_id " +
            "WHERE k.emsp_country = $1 AND k.emsp_party = $2 AND (k.feed_xid, k.feed_seq) > ($3, $4) " +
            $"AND k.feed_xid < ({HorizonSql}) " +
            "ORDER BY k.feed_xid, k.feed_seq LIMIT $5",
            connection)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = emsp.CountryCode },
                new NpgsqlParameter<string> { TypedValue = emsp.PartyId },
                new NpgsqlParameter<long> { TypedValue = after.Major },
                new NpgsqlParameter<long> { TypedValue = after.Minor },
                new NpgsqlParameter<int> { TypedValue = limit },
            },
        };
        var page = new List<CdrFeedEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add(new CdrFeedEntry(Read(reader), new CdrFeedPosition(reader.GetInt64(17), reader.GetInt64(18))));
        }

        return page;
    }

    private async Task EnsurePartitionsAsync(IReadOnlyList<StoredCdr> cdrs, CancellationToken cancellationToken)
    {
        List<DateOnly>? missing = null;
        foreach (var cdr in cdrs)
        {
            var day = DateOnly.FromDateTime(cdr.EndDateTime.UtcDateTime);
            if (!_partitions.ContainsKey(day) && !(missing ??= []).Contains(day))
            {
                missing.Add(day);
            }
        }

        if (missing is null)
        {
            return;
        }

        // One creator per silo: on a new day every batch in flight misses at once, and each used to open its own
        // connection to queue on the advisory lock (a cold start at 128 batches in flight filled the 100-connection pool).
        Task mine;
        lock (_partitionLock)
        {
            mine = _partitionWork = AfterAsync(_partitionWork, missing, cancellationToken);
        }

        await mine;
    }

    // Runs after the previous creator (whatever its outcome), and creates only what is still missing by then.
    private async Task AfterAsync(Task previous, List<DateOnly> missing, CancellationToken cancellationToken)
    {
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // The previous caller got its own error; this one tries again.
        }

        missing.RemoveAll(_partitions.ContainsKey);
        if (missing.Count > 0)
        {
            await CreatePartitionsAsync(missing, cancellationToken);
        }
    }

    private async Task CreatePartitionsAsync(List<DateOnly> missing, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var sql = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({PostgresMigrations.LockKey});"));
        foreach (var day in missing)
        {
            sql.Append(CultureInfo.InvariantCulture,
                $" CREATE TABLE IF NOT EXISTS cdrs_{day:yyyyMMdd} PARTITION OF cdrs FOR VALUES FROM ('{day:yyyy-MM-dd}T00:00:00Z') TO ('{day.AddDays(1):yyyy-MM-dd}T00:00:00Z');");
        }

        await using (var command = new NpgsqlCommand(sql.ToString(), connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var day in missing)
        {
            _partitions[day] = true;
        }
    }

    private static StoredCdr Read(NpgsqlDataReader r) => new()
    {
        Cpo = new PartyKey(r.GetString(0), r.GetString(1), PartyRole.Cpo),
        Id = r.GetString(2),
        Emsp = new PartyKey(r.GetString(3), r.GetString(4), PartyRole.Emsp),
        StartDateTime = new DateTimeOffset(r.GetDateTime(5), TimeSpan.Zero),
        EndDateTime = new DateTimeOffset(r.GetDateTime(6), TimeSpan.Zero),
        Currency = r.GetString(7),
        TotalCostExclVat = r.GetDecimal(8),
        TotalCostInclVat = r.IsDBNull(9) ? null : r.GetDecimal(9),
        Credit = r.GetBoolean(10),
        CreditReferenceId = r.IsDBNull(11) ? null : r.GetString(11),
        TariffId = r.IsDBNull(12) ? null : r.GetString(12),
        PriceCheck = (PriceCheck)r.GetInt16(13),
        HubPriceJson = r.IsDBNull(14) ? null : r.GetString(14),
        ReceivedAt = new DateTimeOffset(r.GetDateTime(15), TimeSpan.Zero),
        OcpiJson = r.GetString(16),
    };
}

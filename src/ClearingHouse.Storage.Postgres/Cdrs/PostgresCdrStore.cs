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
/// advisory lock), with two indexes (by CPO, by EMSP, each in time order) that every partition inherits, so a page
/// for one party and period touches only that period's partitions.</para>
/// <para>A unique key of a partitioned table must contain the partition key, so (CPO, id) alone cannot be unique
/// there. Idempotency lives in the small unpartitioned table <c>cdr_keys</c> (primary key (CPO country, CPO party,
/// id), with the row's <c>end_time</c> so a lookup by id finds its partition). A batch is one statement: the rows
/// arrive as arrays (<c>unnest</c>), their keys go into <c>cdr_keys</c> with <c>ON CONFLICT DO NOTHING</c>, and
/// only the rows whose key was new go into <c>cdrs</c>. Concurrent batches with the same key serialize on the
/// primary key: the second waits for the first to commit, then finds the conflict. Keys are inserted in id order,
/// so two batches never deadlock. The batch is acknowledged after the commit (synchronous_commit on).</para>
/// <para>The EMSP feed (<see cref="ICdrFeedStore"/>) also lives in <c>cdr_keys</c> (small, unpartitioned): each key
/// row carries its EMSP, the id of the transaction that stored it (<c>feed_xid</c>) and a sequence value. Feed order
/// is (feed_xid, feed_seq), and a read only returns rows whose transaction id is below the oldest transaction still
/// running (<c>pg_snapshot_xmin</c>): those are all finished, and every later commit has a larger id, so nothing
/// ever appears behind a position already read. The price: delivery waits for the longest writing transaction
/// running on the server when the CDR committed.</para>
/// </remarks>
public sealed class PostgresCdrStore(PostgresConnectionFactory connections) : ICdrStore, ICdrFeedStore
{
    private const long SchemaLockId = 0x43445253_0001; // "CDRS" + 1: serializes DDL across silos.

    private const string Columns =
        "cpo_country, cpo_party, cdr_id, emsp_country, emsp_party, start_time, end_time, currency, total_excl, total_incl, " +
        "credit, credit_reference_id, tariff_id, price_check, hub_price, received_at, ocpi_json";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS cdr_keys (
            cpo_country text NOT NULL,
            cpo_party text NOT NULL,
            cdr_id text NOT NULL,
            end_time timestamptz NOT NULL,
            PRIMARY KEY (cpo_country, cpo_party, cdr_id));
        CREATE SEQUENCE IF NOT EXISTS cdr_feed_seq;
        ALTER TABLE cdr_keys
            ADD COLUMN IF NOT EXISTS emsp_country text NULL,
            ADD COLUMN IF NOT EXISTS emsp_party text NULL,
            ADD COLUMN IF NOT EXISTS feed_xid bigint NULL DEFAULT (pg_current_xact_id()::text::bigint),
            ADD COLUMN IF NOT EXISTS feed_seq bigint NULL DEFAULT nextval('cdr_feed_seq');
        CREATE INDEX IF NOT EXISTS cdr_keys_feed ON cdr_keys (emsp_country, emsp_party, feed_xid, feed_seq);
        CREATE TABLE IF NOT EXISTS cdrs (
            cpo_country text NOT NULL,
            cpo_party text NOT NULL,
            cdr_id text NOT NULL,
            emsp_country text NOT NULL,
            emsp_party text NOT NULL,
            start_time timestamptz NOT NULL,
            end_time timestamptz NOT NULL,
            currency text NOT NULL,
            total_excl numeric NOT NULL,
            total_incl numeric NULL,
            credit boolean NOT NULL,
            credit_reference_id text NULL,
            tariff_id text NULL,
            price_check smallint NOT NULL,
            hub_price text NULL,
            received_at timestamptz NOT NULL,
            ocpi_json text NOT NULL
        ) PARTITION BY RANGE (end_time);
        CREATE INDEX IF NOT EXISTS cdrs_by_cpo ON cdrs (cpo_country, cpo_party, end_time, cdr_id);
        CREATE INDEX IF NOT EXISTS cdrs_by_emsp ON cdrs (emsp_country, emsp_party, end_time, cpo_country, cpo_party, cdr_id);
        """;

    private const string InsertSql = $"""
        WITH s AS (
            SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[],
                $9::numeric[], $10::numeric[], $11::boolean[], $12::text[], $13::text[], $14::smallint[], $15::text[],
                $16::timestamptz[], $17::text[])
            AS t(cdr_id, emsp_country, emsp_party, start_time, end_time, currency, total_excl, total_incl, credit,
                 credit_reference_id, tariff_id, price_check, hub_price, received_at, ocpi_json)
        ), k AS (
            INSERT INTO cdr_keys (cpo_country, cpo_party, cdr_id, end_time, emsp_country, emsp_party)
            SELECT $1, $2, cdr_id, end_time, emsp_country, emsp_party FROM s ORDER BY cdr_id
            ON CONFLICT DO NOTHING
            RETURNING cdr_id
        ), ins AS (
            INSERT INTO cdrs ({Columns})
            SELECT $1, $2, s.cdr_id, s.emsp_country, s.emsp_party, s.start_time, s.end_time, s.currency, s.total_excl,
                   s.total_incl, s.credit, s.credit_reference_id, s.tariff_id, s.price_check, s.hub_price, s.received_at, s.ocpi_json
            FROM s JOIN k ON k.cdr_id = s.cdr_id
            RETURNING cdr_id
        )
        SELECT cdr_id FROM ins
        """;

    private readonly ConcurrentDictionary<DateOnly, bool> _partitions = new();
    private Task? _schema;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLockId}); {Schema}", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlySet<string>> InsertAsync(PartyKey cpo, IReadOnlyList<StoredCdr> cdrs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cdrs);
        await EnsureSchemaAsync(cancellationToken);
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        if (cdrs.Count == 0)
        {
            return inserted;
        }

        await EnsurePartitionsAsync(cdrs, cancellationToken);
        var n = cdrs.Count;
        var ids = new string[n];
        var emspCountries = new string[n];
        var emspParties = new string[n];
        var starts = new DateTime[n];
        var ends = new DateTime[n];
        var currencies = new string[n];
        var excl = new decimal[n];
        var incl = new decimal?[n];
        var credits = new bool[n];
        var creditRefs = new string?[n];
        var tariffs = new string?[n];
        var checks = new short[n];
        var hubPrices = new string?[n];
        var received = new DateTime[n];
        var json = new string[n];
        for (var i = 0; i < n; i++)
        {
            var c = cdrs[i];
            ids[i] = c.Id;
            emspCountries[i] = c.Emsp.CountryCode;
            emspParties[i] = c.Emsp.PartyId;
            starts[i] = c.StartDateTime.UtcDateTime;
            ends[i] = c.EndDateTime.UtcDateTime;
            currencies[i] = c.Currency;
            excl[i] = c.TotalCostExclVat;
            incl[i] = c.TotalCostInclVat;
            credits[i] = c.Credit;
            creditRefs[i] = c.CreditReferenceId;
            tariffs[i] = c.TariffId;
            checks[i] = (short)c.PriceCheck;
            hubPrices[i] = c.HubPriceJson;
            received[i] = c.ReceivedAt.UtcDateTime;
            json[i] = c.OcpiJson;
        }

        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(InsertSql, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = cpo.CountryCode },
                new NpgsqlParameter<string> { TypedValue = cpo.PartyId },
                new NpgsqlParameter<string[]> { TypedValue = ids },
                new NpgsqlParameter<string[]> { TypedValue = emspCountries },
                new NpgsqlParameter<string[]> { TypedValue = emspParties },
                new NpgsqlParameter<DateTime[]> { TypedValue = starts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
                new NpgsqlParameter<DateTime[]> { TypedValue = ends, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
                new NpgsqlParameter<string[]> { TypedValue = currencies },
                new NpgsqlParameter<decimal[]> { TypedValue = excl },
                new NpgsqlParameter<decimal?[]> { TypedValue = incl },
                new NpgsqlParameter<bool[]> { TypedValue = credits },
                new NpgsqlParameter<string?[]> { TypedValue = creditRefs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<string?[]> { TypedValue = tariffs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<short[]> { TypedValue = checks },
                new NpgsqlParameter<string?[]> { TypedValue = hubPrices, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<DateTime[]> { TypedValue = received, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
                new NpgsqlParameter<string[]> { TypedValue = json },
            },
        };

        // A single statement is its own transaction: committed (and durable) before the reader completes.
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add(reader.GetString(0));
        }

        return inserted;
    }

    /// <inheritdoc />
    public async Task<StoredCdr?> GetAsync(PartyKey cpo, string id, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
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
        await EnsureSchemaAsync(cancellationToken);
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
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder($"SELECT {Columns} FROM cdrs WHERE true");
        string Add<T>(T value)
        {
            command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
            return "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        if (query.Cpo is { } cpo)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND cpo_country = {Add(cpo.CountryCode)} AND cpo_party = {Add(cpo.PartyId)}");
        }

        if (query.Emsp is { } emsp)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND emsp_country = {Add(emsp.CountryCode)} AND emsp_party = {Add(emsp.PartyId)}");
        }

        if (query.From is { } from)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND end_time >= {Add(from.UtcDateTime)}");
        }

        if (query.To is { } to)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND end_time < {Add(to.UtcDateTime)}");
        }

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
    public async Task<CdrFeedPosition> GetFeedHeadAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint", connection);
        // Everything before (xmin, 0) is finished; anything committing from now on has an id >= xmin.
        return new CdrFeedPosition((long)(await command.ExecuteScalarAsync(cancellationToken))!, 0);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CdrFeedEntry>> ReadFeedAsync(PartyKey emsp, CdrFeedPosition after, int limit, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {string.Join(", ", Columns.Split(", ").Select(c => "c." + c))}, k.feed_xid, k.feed_seq FROM cdr_keys k " +
            "JOIN cdrs c ON c.cpo_country = k.cpo_country AND c.cpo_party = k.cpo_party AND c.end_time = k.end_time AND c.cdr_id = k.cdr_id " +
            "WHERE k.emsp_country = $1 AND k.emsp_party = $2 AND (k.feed_xid, k.feed_seq) > ($3, $4) " +
            "AND k.feed_xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint " +
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

    private Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        var schema = _schema;
        return schema is { IsCompletedSuccessfully: true } ? Task.CompletedTask : _schema = InitializeAsync(cancellationToken);
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

        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var sql = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({SchemaLockId});"));
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

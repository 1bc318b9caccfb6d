using System.Globalization;
using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Storage.Postgres.Locations;
using ClearingHouse.Storage.Postgres.Sessions;
using Npgsql;
using NpgsqlTypes;

namespace ClearingHouse.Storage.Postgres.Operations;

/// <summary>
/// <see cref="IDataQualityStore"/> in the Cluster profile's PostgreSQL database: side tables <c>location_connectors</c>
/// and <c>tariff_index</c>, and queries over them, <c>evse_status</c>, <c>cdrs</c> (partitions pruned by the
/// <c>since</c> bound) and <c>sessions</c>.
/// </summary>
public sealed class PostgresDataQualityStore(PostgresConnectionFactory connections) : IDataQualityStore
{
    /// <inheritdoc />
    public async Task RecordLocationAsync(LocationFacts facts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var cpo = facts.Cpo.ToString();
        var key = cpo + "/" + facts.LocationId;
        var rows = facts.Published
            ? facts.Connectors.SelectMany(c => (c.TariffIds.Count == 0 ? [""] : c.TariffIds).Select(t => (c.EvseUid, c.ConnectorId, Tariff: t))).Distinct().ToArray()
            : [];
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("DELETE FROM location_connectors WHERE cpo = @cpo AND location_id = @id")
                {
                    Parameters = { new("cpo", cpo), new("id", facts.LocationId) },
                },
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO location_connectors (cpo, location_id, evse_uid, connector_id, tariff_id)
                    SELECT @cpo, @id, e, c, t FROM unnest(@e, @c, @t) AS v(e, c, t)
                    """)
                {
                    Parameters =
                    {
                        new("cpo", cpo), new("id", facts.LocationId),
                        new("e", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.EvseUid).ToArray() },
                        new("c", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.ConnectorId).ToArray() },
                        new("t", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Tariff).ToArray() },
                    },
                },
                // EVSEs the location no longer has would otherwise look stale for ever.
                new NpgsqlBatchCommand("DELETE FROM evse_status WHERE location_key = @k AND NOT (evse_uid = ANY(@u))")
                {
                    Parameters =
                    {
                        new("k", key),
                        new("u", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = facts.Evses.Select(e => e.Uid).ToArray() },
                    },
                },
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO evse_status (location_key, evse_uid, status, last_updated)
                    SELECT @k, u, s, t FROM unnest(@u, @s, @t) AS v(u, s, t)
                    ON CONFLICT (location_key, evse_uid) DO UPDATE SET status = excluded.status, last_updated = excluded.last_updated
                    WHERE excluded.last_updated > evse_status.last_updated
                    """)
                {
                    Parameters =
                    {
                        new("k", key),
                        new("u", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = facts.Evses.Select(e => e.Uid).ToArray() },
                        new("s", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = facts.Evses.Select(e => (short)e.Status).ToArray() },
                        new("t", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = facts.Evses.Select(e => e.LastUpdatedTicks).ToArray() },
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task RecordTariffsAsync(PartyKey cpo, IReadOnlyCollection<string> tariffIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tariffIds);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("DELETE FROM tariff_index WHERE cpo = @cpo") { Parameters = { new("cpo", cpo.ToString()) } },
                new NpgsqlBatchCommand("INSERT INTO tariff_index (cpo, tariff_id) SELECT DISTINCT @cpo, t FROM unnest(@t) AS v(t)")
                {
                    Parameters =
                    {
                        new("cpo", cpo.ToString()),
                        new("t", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = tariffIds.ToArray() },
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<FindingCount> FindStaleEvsesAsync(DateTimeOffset updatedBefore, PartyKey? cpo, int examples, CancellationToken cancellationToken = default)
    {
        // location_key starts with the CPO's text form and '/': a range on the primary key.
        const string Where = "last_updated < @before AND status <> @removed AND (@from::text IS NULL OR (location_key >= @from AND location_key < @to))";
        return CountAsync(
            $"SELECT COUNT(*) FROM evse_status WHERE {Where}",
            $"SELECT location_key || '/' || evse_uid, status, last_updated FROM evse_status WHERE {Where} ORDER BY last_updated, location_key, evse_uid LIMIT @n",
            r => $"{r.GetString(0)} ({(EvseStatus)r.GetInt16(1)} since {new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero):u})",
            c =>
            {
                c.Parameters.Add(new NpgsqlParameter<long>("before", updatedBefore.UtcTicks));
                c.Parameters.Add(new NpgsqlParameter<short>("removed", (short)EvseStatus.Removed));
                c.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Text) { Value = cpo is { } p ? p + "/" : DBNull.Value });
                c.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Text) { Value = cpo is { } q ? q + "0" : DBNull.Value });
            },
            examples,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<FindingCount> FindLocationsWithoutTariffAsync(PartyKey? cpo, int examples, CancellationToken cancellationToken = default)
    {
        const string Problems = """
            SELECT lc.cpo, lc.location_id,
                   MIN(lc.evse_uid || '/' || lc.connector_id || CASE WHEN lc.tariff_id = '' THEN ': no tariff' ELSE ': unknown tariff ' || lc.tariff_id END) AS first
            FROM location_connectors lc
            WHERE (@cpo::text IS NULL OR lc.cpo = @cpo)
              AND (lc.tariff_id = '' OR NOT EXISTS (SELECT 1 FROM tariff_index t WHERE t.cpo = lc.cpo AND t.tariff_id = lc.tariff_id))
            GROUP BY lc.cpo, lc.location_id
            """;
        return CountAsync(
            $"SELECT COUNT(*) FROM ({Problems}) p",
            $"SELECT cpo || '/' || location_id || ' (' || first || ')' FROM ({Problems}) p ORDER BY cpo, location_id LIMIT @n",
            r => r.GetString(0),
            c => c.Parameters.Add(new NpgsqlParameter("cpo", NpgsqlDbType.Text) { Value = cpo is { } p ? p.ToString() : DBNull.Value }),
            examples,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<FindingCount> FindCdrsWithoutSessionAsync(DateTimeOffset since, PartyKey? cpo, int examples, CancellationToken cancellationToken = default)
    {
        // The end_time bound prunes the day partitions; with a CPO, cdrs_by_cpo serves the range. Each CDR probes the
        // sessions primary key. session_id is read from the stored JSON (no column for it, so ingest is untouched);
        // ::json rather than ::jsonb: about twice as fast for one field (measured, ~4 us per CDR).
        const string Where = """
            c.end_time >= @since AND (@cc::text IS NULL OR (c.cpo_country = @cc AND c.cpo_party = @cp))
            AND NOT EXISTS (SELECT 1 FROM sessions s
                            WHERE s.cpo = c.cpo_country || '-' || c.cpo_party || '-CPO' AND s.id = (c.ocpi_json::json ->> 'session_id'))
            """;
        return CountAsync(
            $"SELECT COUNT(*) FROM cdrs c WHERE {Where}",
            $"SELECT c.cpo_country || '-' || c.cpo_party || '-CPO/' || c.cdr_id, c.ocpi_json::json ->> 'session_id' FROM cdrs c WHERE {Where} " +
            "ORDER BY c.end_time DESC, c.cpo_country, c.cpo_party, c.cdr_id LIMIT @n",
            r => $"{r.GetString(0)} (session {(r.IsDBNull(1) ? "none given" : r.GetString(1))})",
            c =>
            {
                c.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("since", since.ToUniversalTime()));
                c.Parameters.Add(new NpgsqlParameter("cc", NpgsqlDbType.Text) { Value = cpo is { } p ? p.CountryCode : DBNull.Value });
                c.Parameters.Add(new NpgsqlParameter("cp", NpgsqlDbType.Text) { Value = cpo is { } q ? q.PartyId : DBNull.Value });
            },
            examples,
            cancellationToken);
    }

    private async Task<FindingCount> CountAsync(
        string countSql, string examplesSql, Func<NpgsqlDataReader, string> example, Action<NpgsqlCommand> bind, int examples, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        long count;
        await using (var command = new NpgsqlCommand(countSql, connection))
        {
            bind(command);
            count = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        var list = new List<string>();
        if (count > 0 && examples > 0)
        {
            await using var command = new NpgsqlCommand(examplesSql, connection);
            bind(command);
            command.Parameters.Add(new NpgsqlParameter<int>("n", examples));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Add(example(reader));
            }
        }

        return new FindingCount(count, list);
    }

}

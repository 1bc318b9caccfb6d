using System.Globalization;
using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Storage.Sqlite.Locations;
using ClearingHouse.Storage.Sqlite.Sessions;
using Microsoft.Data.Sqlite;

namespace ClearingHouse.Storage.Sqlite.Operations;

/// <summary>
/// <see cref="IDataQualityStore"/> in the Embedded profile's SQLite file: side tables <c>location_connectors</c> and
/// <c>tariff_index</c>, and queries over them, <c>evse_status</c>, <c>cdrs</c> and <c>sessions</c>.
/// </summary>
public sealed class SqliteDataQualityStore(SqliteConnectionFactory connections) : IDataQualityStore
{
    /// <inheritdoc />
    public async Task RecordLocationAsync(LocationFacts facts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var cpo = facts.Cpo.ToString();
        var key = cpo + "/" + facts.LocationId;
        await connections.ExecuteWriteAsync(
            async (connection, ct) =>
            {
                using var transaction = connection.BeginTransaction();
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "DELETE FROM location_connectors WHERE cpo = $cpo AND location_id = $id";
                command.Parameters.AddWithValue("$cpo", cpo);
                command.Parameters.AddWithValue("$id", facts.LocationId);
                await command.ExecuteNonQueryAsync(ct);

                // EVSEs the location no longer has would otherwise look stale for ever.
                var uids = facts.Evses.Select((e, i) => { command.Parameters.AddWithValue($"$u{i}", e.Uid); return $"$u{i}"; }).ToList();
                command.CommandText = "DELETE FROM evse_status WHERE location_key = $key" + (uids.Count > 0 ? $" AND evse_uid NOT IN ({string.Join(",", uids)})" : "");
                command.Parameters.AddWithValue("$key", key);
                await command.ExecuteNonQueryAsync(ct);

                using var status = connection.CreateCommand();
                status.Transaction = transaction;
                status.CommandText = """
                    INSERT INTO evse_status (location_key, evse_uid, status, last_updated) VALUES ($k, $u, $s, $t)
                    ON CONFLICT (location_key, evse_uid) DO UPDATE SET status = excluded.status, last_updated = excluded.last_updated
                    WHERE excluded.last_updated > evse_status.last_updated
                    """;
                status.Parameters.AddWithValue("$k", key);
                var u = status.Parameters.Add("$u", SqliteType.Text);
                var s = status.Parameters.Add("$s", SqliteType.Integer);
                var t = status.Parameters.Add("$t", SqliteType.Integer);
                foreach (var (uid, value, ticks) in facts.Evses)
                {
                    (u.Value, s.Value, t.Value) = (uid, (int)value, ticks);
                    await status.ExecuteNonQueryAsync(ct);
                }

                if (facts.Published)
                {
                    using var insert = connection.CreateCommand();
                    insert.Transaction = transaction;
                    insert.CommandText = "INSERT OR IGNORE INTO location_connectors (cpo, location_id, evse_uid, connector_id, tariff_id) VALUES ($cpo, $id, $e, $c, $t)";
                    insert.Parameters.AddWithValue("$cpo", cpo);
                    insert.Parameters.AddWithValue("$id", facts.LocationId);
                    var e = insert.Parameters.Add("$e", SqliteType.Text);
                    var c = insert.Parameters.Add("$c", SqliteType.Text);
                    var tariff = insert.Parameters.Add("$t", SqliteType.Text);
                    foreach (var connector in facts.Connectors)
                    {
                        (e.Value, c.Value) = (connector.EvseUid, connector.ConnectorId);
                        foreach (var id in connector.TariffIds.Count == 0 ? [""] : connector.TariffIds)
                        {
                            tariff.Value = id;
                            await insert.ExecuteNonQueryAsync(ct);
                        }
                    }
                }

                await transaction.CommitAsync(ct);
                return 0;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task RecordTariffsAsync(PartyKey cpo, IReadOnlyCollection<string> tariffIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tariffIds);
        await connections.ExecuteWriteAsync(
            async (connection, ct) =>
            {
                using var transaction = connection.BeginTransaction();
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "DELETE FROM tariff_index WHERE cpo = $cpo";
                command.Parameters.AddWithValue("$cpo", cpo.ToString());
                await command.ExecuteNonQueryAsync(ct);
                command.CommandText = "INSERT OR IGNORE INTO tariff_index (cpo, tariff_id) VALUES ($cpo, $t)";
                var t = command.Parameters.Add("$t", SqliteType.Text);
                foreach (var id in tariffIds)
                {
                    t.Value = id;
                    await command.ExecuteNonQueryAsync(ct);
                }

                await transaction.CommitAsync(ct);
                return 0;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<FindingCount> FindStaleEvsesAsync(DateTimeOffset updatedBefore, PartyKey? cpo, int examples, CancellationToken cancellationToken = default)
    {
        // location_key starts with the CPO's text form and '/': a range on the primary key.
        const string Where = "last_updated < $before AND status <> $removed AND ($from IS NULL OR (location_key >= $from AND location_key < $to))";
        return await CountAsync(
            $"SELECT COUNT(*) FROM evse_status WHERE {Where}",
            $"SELECT location_key || '/' || evse_uid, status, last_updated FROM evse_status WHERE {Where} ORDER BY last_updated, location_key, evse_uid LIMIT $n",
            r => $"{r.GetString(0)} ({(EvseStatus)r.GetInt32(1)} since {new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero):u})",
            c =>
            {
                c.Parameters.AddWithValue("$before", updatedBefore.UtcTicks);
                c.Parameters.AddWithValue("$removed", (int)EvseStatus.Removed);
                c.Parameters.AddWithValue("$from", cpo is { } p ? p + "/" : DBNull.Value);
                c.Parameters.AddWithValue("$to", cpo is { } q ? q + "0" : DBNull.Value);
            },
            examples,
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<FindingCount> FindLocationsWithoutTariffAsync(PartyKey? cpo, int examples, CancellationToken cancellationToken = default)
    {
        const string Problems = """
            SELECT lc.cpo, lc.location_id,
                   MIN(lc.evse_uid || '/' || lc.connector_id || CASE WHEN lc.tariff_id = '' THEN ': no tariff' ELSE ': unknown tariff ' || lc.tariff_id END) AS first
            FROM location_connectors lc
            WHERE ($cpo IS NULL OR lc.cpo = $cpo)
              AND (lc.tariff_id = '' OR NOT EXISTS (SELECT 1 FROM tariff_index t WHERE t.cpo = lc.cpo AND t.tariff_id = lc.tariff_id))
            GROUP BY lc.cpo, lc.location_id
            """;
        return await CountAsync(
            $"SELECT COUNT(*) FROM ({Problems})",
            $"SELECT cpo || '/' || location_id || ' (' || first || ')' FROM ({Problems}) ORDER BY cpo, location_id LIMIT $n",
            r => r.GetString(0),
            c => c.Parameters.AddWithValue("$cpo", cpo is { } p ? p.ToString() : DBNull.Value),
            examples,
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<FindingCount> FindCdrsWithoutSessionAsync(DateTimeOffset since, PartyKey? cpo, int examples, CancellationToken cancellationToken = default)
    {
        // With a CPO the range runs on cdrs_by_cpo; without one it scans the CDRs ending since (no index on end_time
        // alone: it would cost every CDR insert). Each CDR probes the sessions primary key.
        const string Where = """
            c.end_time >= $since AND ($cc IS NULL OR (c.cpo_country = $cc AND c.cpo_party = $cp))
            AND NOT EXISTS (SELECT 1 FROM sessions s
                            WHERE s.cpo = c.cpo_country || '-' || c.cpo_party || '-CPO' AND s.id = json_extract(c.ocpi_json, '$.session_id'))
            """;
        return await CountAsync(
            $"SELECT COUNT(*) FROM cdrs c WHERE {Where}",
            $"SELECT c.cpo_country || '-' || c.cpo_party || '-CPO/' || c.cdr_id, json_extract(c.ocpi_json, '$.session_id') FROM cdrs c WHERE {Where} " +
            "ORDER BY c.end_time DESC, c.cpo_country, c.cpo_party, c.cdr_id LIMIT $n",
            r => $"{r.GetString(0)} (session {(r.IsDBNull(1) ? "none given" : Convert.ToString(r.GetValue(1), CultureInfo.InvariantCulture))})",
            c =>
            {
                c.Parameters.AddWithValue("$since", since.UtcTicks);
                c.Parameters.AddWithValue("$cc", cpo is { } p ? p.CountryCode : DBNull.Value);
                c.Parameters.AddWithValue("$cp", cpo is { } q ? q.PartyId : DBNull.Value);
            },
            examples,
            cancellationToken);
    }

    private async Task<FindingCount> CountAsync(
        string countSql, string examplesSql, Func<SqliteDataReader, string> example, Action<SqliteCommand> bind, int examples, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = countSql;
        bind(command);
        var count = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        var list = new List<string>();
        if (count > 0 && examples > 0)
        {
            command.CommandText = examplesSql;
            command.Parameters.AddWithValue("$n", examples);
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Add(example(reader));
            }
        }

        return new FindingCount(count, list);
    }

}

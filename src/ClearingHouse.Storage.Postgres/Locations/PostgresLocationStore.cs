using ClearingHouse.Domain.Locations;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Storage.Relational;
using ClearingHouse.Storage.Relational.Locations;
using Npgsql;
using NpgsqlTypes;

namespace ClearingHouse.Storage.Postgres.Locations;

/// <summary>The location index and written-behind EVSE statuses in the Cluster profile's PostgreSQL database.</summary>
public sealed class PostgresLocationStore(PostgresConnectionFactory connections) : ILocationStore
{
    /// <inheritdoc />
    public async Task UpsertIndexAsync(LocationIndexEntry entry, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO location_index (cpo, location_id, country_code, last_updated) VALUES (@cpo, @id, @cc, @lu)
            ON CONFLICT (cpo, location_id) DO UPDATE SET country_code = excluded.country_code, last_updated = excluded.last_updated
            """,
            connection);
        command.Parameters.AddWithValue("cpo", entry.Cpo);
        command.Parameters.AddWithValue("id", entry.LocationId);
        command.Parameters.AddWithValue("cc", entry.CountryCode);
        command.Parameters.AddWithValue("lu", entry.LastUpdatedTicks);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<LocationIndexEntry>> PageAsync(LocationIndexQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };

        // COLLATE "C": byte order, the same order as the ordinal keyset comparison the tokens encode.
        return await LocationIndexPage.ReadAsync(command, query, CpoIn, "cpo COLLATE \"C\", location_id COLLATE \"C\"", cancellationToken);
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(LocationIndexQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection };
        return await LocationIndexPage.CountAsync(command, query, CpoIn, cancellationToken);
    }

    private static string CpoIn(System.Data.Common.DbCommand command, IReadOnlyCollection<string> cpos)
    {
        command.Add("@cpos", cpos.ToArray());
        return "cpo = ANY(@cpos)";
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EvseStatusRow>> ReadStatusesAsync(string locationKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT evse_uid, status, last_updated FROM evse_status WHERE location_key = @k", connection);
        command.Parameters.AddWithValue("k", locationKey);
        var result = new List<EvseStatusRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new EvseStatusRow(locationKey, reader.GetString(0), (EvseStatus)reader.GetInt16(1), reader.GetInt64(2)));
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EvseStatusCount>> CountStatusesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT split_part(location_key, '/', 1) AS cpo, status, count(*)
            FROM evse_status GROUP BY 1, 2 ORDER BY 1, 2
            """, connection);
        var result = new List<EvseStatusCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new EvseStatusCount(reader.GetString(0), (EvseStatus)reader.GetInt16(1), reader.GetInt64(2)));
        }

        return result;
    }

    /// <inheritdoc />
    public async Task WriteStatusesAsync(IReadOnlyCollection<EvseStatusRow> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
        {
            return;
        }

        // One round trip: arrays unnested into a newer-only upsert, then the index rows moved forward.
        var keys = new string[rows.Count];
        var uids = new string[rows.Count];
        var statuses = new short[rows.Count];
        var ticks = new long[rows.Count];
        var i = 0;
        foreach (var row in rows)
        {
            (keys[i], uids[i], statuses[i], ticks[i]) = (row.LocationKey, row.EvseUid, (short)row.Status, row.LastUpdatedTicks);
            i++;
        }

        var latest = rows.GroupBy(r => r.LocationKey)
            .Select(g => (Ok: LocationKeys.TryParse(g.Key, out var cpo, out var id), Cpo: cpo.ToString(), Id: id, Ticks: g.Max(r => r.LastUpdatedTicks)))
            .Where(x => x.Ok)
            .ToArray();
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO evse_status (location_key, evse_uid, status, last_updated)
                    SELECT * FROM unnest(@k, @u, @s, @t)
                    ON CONFLICT (location_key, evse_uid) DO UPDATE SET status = excluded.status, last_updated = excluded.last_updated
                    WHERE excluded.last_updated > evse_status.last_updated
                    """)
                {
                    Parameters =
                    {
                        new("k", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = keys },
                        new("u", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = uids },
                        new("s", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = statuses },
                        new("t", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ticks },
                    },
                },
                new NpgsqlBatchCommand(
                    """
                    UPDATE location_index i SET last_updated = v.t
                    FROM unnest(@c, @l, @t) AS v(c, l, t)
                    WHERE i.cpo = v.c AND i.location_id = v.l AND i.last_updated < v.t
                    """)
                {
                    Parameters =
                    {
                        new("c", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = latest.Select(x => x.Cpo).ToArray() },
                        new("l", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = latest.Select(x => x.Id).ToArray() },
                        new("t", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = latest.Select(x => x.Ticks).ToArray() },
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

}

using ClearingHouse.Domain.Locations;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Storage.Relational;
using ClearingHouse.Storage.Relational.Locations;
using Microsoft.Data.Sqlite;

namespace ClearingHouse.Storage.Sqlite.Locations;

/// <summary>The location index and written-behind EVSE statuses in the Embedded profile's SQLite file.</summary>
public sealed class SqliteLocationStore(SqliteConnectionFactory connections) : ILocationStore
{
    /// <inheritdoc />
    public async Task UpsertIndexAsync(LocationIndexEntry entry, CancellationToken cancellationToken = default)
    {
        await connections.ExecuteWriteAsync(
            async (connection, ct) =>
            {
                using var command = connection.CreateCommand();
                command.CommandText =
                    """
                    INSERT INTO location_index (cpo, location_id, country_code, last_updated) VALUES ($cpo, $id, $cc, $lu)
                    ON CONFLICT (cpo, location_id) DO UPDATE SET country_code = excluded.country_code, last_updated = excluded.last_updated
                    """;
                command.Parameters.AddWithValue("$cpo", entry.Cpo);
                command.Parameters.AddWithValue("$id", entry.LocationId);
                command.Parameters.AddWithValue("$cc", entry.CountryCode);
                command.Parameters.AddWithValue("$lu", entry.LastUpdatedTicks);
                return await command.ExecuteNonQueryAsync(ct);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<LocationIndexEntry>> PageAsync(LocationIndexQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        return await LocationIndexPage.ReadAsync(command, query, CpoIn, "cpo, location_id", cancellationToken);
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(LocationIndexQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        return await LocationIndexPage.CountAsync(command, query, CpoIn, cancellationToken);
    }

    private static string CpoIn(System.Data.Common.DbCommand command, IReadOnlyCollection<string> cpos)
    {
        var names = cpos.Select((cpo, i) => command.Add($"@c{i}", cpo).ParameterName);
        return $"cpo IN ({string.Join(",", names)})";
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EvseStatusRow>> ReadStatusesAsync(string locationKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT evse_uid, status, last_updated FROM evse_status WHERE location_key = $k";
        command.Parameters.AddWithValue("$k", locationKey);
        var result = new List<EvseStatusRow>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new EvseStatusRow(locationKey, reader.GetString(0), (EvseStatus)reader.GetInt32(1), reader.GetInt64(2)));
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EvseStatusCount>> CountStatusesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenConnectionAsync(cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT substr(location_key, 1, instr(location_key, '/') - 1) AS cpo, status, count(*)
            FROM evse_status GROUP BY cpo, status ORDER BY cpo, status
            """;
        var result = new List<EvseStatusCount>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new EvseStatusCount(reader.GetString(0), (EvseStatus)reader.GetInt32(1), reader.GetInt64(2)));
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

        await connections.ExecuteWriteAsync(
            async (connection, ct) =>
            {
                using var transaction = connection.BeginTransaction();
                using var upsert = connection.CreateCommand();
                upsert.Transaction = transaction;
                upsert.CommandText =
                    """
                    INSERT INTO evse_status (location_key, evse_uid, status, last_updated) VALUES ($k, $u, $s, $t)
                    ON CONFLICT (location_key, evse_uid) DO UPDATE SET status = excluded.status, last_updated = excluded.last_updated
                    WHERE excluded.last_updated > evse_status.last_updated
                    """;
                var k = upsert.Parameters.Add("$k", SqliteType.Text);
                var u = upsert.Parameters.Add("$u", SqliteType.Text);
                var s = upsert.Parameters.Add("$s", SqliteType.Integer);
                var t = upsert.Parameters.Add("$t", SqliteType.Integer);
                using var index = connection.CreateCommand();
                index.Transaction = transaction;
                index.CommandText = "UPDATE location_index SET last_updated = $t WHERE cpo = $cpo AND location_id = $id AND last_updated < $t";
                var icpo = index.Parameters.Add("$cpo", SqliteType.Text);
                var iid = index.Parameters.Add("$id", SqliteType.Text);
                var it = index.Parameters.Add("$t", SqliteType.Integer);
                upsert.Prepare();
                index.Prepare();
                foreach (var row in rows)
                {
                    k.Value = row.LocationKey;
                    u.Value = row.EvseUid;
                    s.Value = (int)row.Status;
                    t.Value = row.LastUpdatedTicks;
                    await upsert.ExecuteNonQueryAsync(ct);
                }

                foreach (var group in rows.GroupBy(r => r.LocationKey))
                {
                    if (LocationKeys.TryParse(group.Key, out var cpo, out var id))
                    {
                        icpo.Value = cpo.ToString();
                        iid.Value = id;
                        it.Value = group.Max(r => r.LastUpdatedTicks);
                        await index.ExecuteNonQueryAsync(ct);
                    }
                }

                await transaction.CommitAsync(ct);
                return 0;
            },
            cancellationToken);
    }

}

using System.Data.Common;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Storage.Relational.Locations;

/// <summary>One page of the <c>location_index</c> table: the same query on SQLite and PostgreSQL but for two dialect bits.</summary>
public static class LocationIndexPage
{
    /// <summary>
    /// Reads the page <paramref name="query"/> asks for with <paramref name="command"/> (its connection open):
    /// its filters, keyset-paged after <see cref="LocationIndexQuery.After"/>, ordered by <paramref name="orderBy"/>.
    /// </summary>
    /// <param name="command">A fresh command on an open connection.</param>
    /// <param name="query">The page.</param>
    /// <param name="cpoIn">The backend's condition "cpo is one of these" (it adds its parameters to the command).</param>
    /// <param name="orderBy">The backend's <c>ORDER BY</c> list: cpo, then location id, in ordinal (byte) order.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<IReadOnlyList<LocationIndexEntry>> ReadAsync(
        DbCommand command,
        LocationIndexQuery query,
        Func<DbCommand, IReadOnlyCollection<string>, string> cpoIn,
        string orderBy,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(cpoIn);
        if (Where(command, query, cpoIn, withPosition: true) is not { } where)
        {
            return [];
        }

        command.CommandText = "SELECT cpo, location_id, country_code, last_updated FROM location_index"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + " ORDER BY " + orderBy + " LIMIT @limit";
        command.Add("@limit", query.Limit);
        var result = new List<LocationIndexEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new LocationIndexEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return result;
    }

    /// <summary>How many index rows match the filters of <paramref name="query"/> (its position and limit are ignored).</summary>
    /// <param name="command">A fresh command on an open connection.</param>
    /// <param name="query">The filters.</param>
    /// <param name="cpoIn">The backend's condition "cpo is one of these" (it adds its parameters to the command).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<long> CountAsync(DbCommand command, LocationIndexQuery query, Func<DbCommand, IReadOnlyCollection<string>, string> cpoIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(cpoIn);
        if (Where(command, query, cpoIn, withPosition: false) is not { } where)
        {
            return 0;
        }

        command.CommandText = "SELECT COUNT(*) FROM location_index" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    // The conditions of a page or count (their parameters added to the command); null when no row can match.
    private static List<string>? Where(DbCommand command, LocationIndexQuery query, Func<DbCommand, IReadOnlyCollection<string>, string> cpoIn, bool withPosition)
    {
        var where = new List<string>();
        if (query.Cpos is { } cpos)
        {
            if (cpos.Count == 0)
            {
                return null;
            }

            where.Add(cpoIn(command, cpos));
        }

        if (query.CountryCode is { } cc)
        {
            where.Add("country_code = @cc");
            command.Add("@cc", cc);
        }

        if (query.UpdatedSinceTicks is { } since)
        {
            where.Add("last_updated >= @since");
            command.Add("@since", since);
        }

        if (query.UpdatedBeforeTicks is { } before)
        {
            where.Add("last_updated < @before");
            command.Add("@before", before);
        }

        if (withPosition && query.After is { } after)
        {
            where.Add("(cpo, location_id) > (@acpo, @aid)");
            command.Add("@acpo", after.Cpo);
            command.Add("@aid", after.LocationId);
        }

        return where;
    }
}

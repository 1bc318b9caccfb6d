using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Locations;

/// <summary>One row of the location index: what keyset listing and filters need.</summary>
/// <param name="Cpo">The CPO's text form (for example NL-ABC-CPO).</param>
/// <param name="LocationId">The location's id.</param>
/// <param name="CountryCode">The CPO's country code (filter).</param>
/// <param name="LastUpdatedTicks">Latest change of the location or any EVSE (UTC ticks).</param>
public sealed record LocationIndexEntry(string Cpo, string LocationId, string CountryCode, long LastUpdatedTicks);

/// <summary>A keyset page query over the location index.</summary>
public sealed record LocationIndexQuery
{
    /// <summary>Only these CPOs (text form); null means all.</summary>
    public IReadOnlyCollection<string>? Cpos { get; init; }

    /// <summary>Only this CPO country code; null means any.</summary>
    public string? CountryCode { get; init; }

    /// <summary>Only entries changed at or after (UTC ticks); null means any.</summary>
    public long? UpdatedSinceTicks { get; init; }

    /// <summary>Only entries changed before (UTC ticks, exclusive); null means any.</summary>
    public long? UpdatedBeforeTicks { get; init; }

    /// <summary>Start strictly after this (cpo, location id); null for the first page.</summary>
    public (string Cpo, string LocationId)? After { get; init; }

    /// <summary>At most this many.</summary>
    public required int Limit { get; init; }
}

/// <summary>One EVSE status to write behind.</summary>
/// <param name="LocationKey">The location grain's key.</param>
/// <param name="EvseUid">The EVSE's uid.</param>
/// <param name="Status">Its status.</param>
/// <param name="LastUpdatedTicks">When it changed (UTC ticks); a row is only replaced by a newer one.</param>
public readonly record struct EvseStatusRow(string LocationKey, string EvseUid, EvseStatus Status, long LastUpdatedTicks);

/// <summary>
/// The durable side tables of locations: the index that keyset listing reads (ordered by CPO then
/// location id), and the EVSE statuses written behind in batches (newer-only upserts).
/// SQLite in the Embedded profile, PostgreSQL in the Cluster profile.
/// </summary>
public interface ILocationStore
{
    /// <summary>Inserts or replaces an index row (durable when it returns).</summary>
    Task UpsertIndexAsync(LocationIndexEntry entry, CancellationToken cancellationToken = default);

    /// <summary>One keyset page of index rows in (cpo, location id) order.</summary>
    Task<IReadOnlyList<LocationIndexEntry>> PageAsync(LocationIndexQuery query, CancellationToken cancellationToken = default);

    /// <summary>How many index rows match the filters of <paramref name="query"/> (its position and limit are ignored): a paged list's total.</summary>
    Task<long> CountAsync(LocationIndexQuery query, CancellationToken cancellationToken = default);

    /// <summary>The written statuses of one location.</summary>
    Task<IReadOnlyList<EvseStatusRow>> ReadStatusesAsync(string locationKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes statuses in one transaction, each only over an older row, and moves the index rows'
    /// last change forward to the newest status of their location.
    /// </summary>
    Task WriteStatusesAsync(IReadOnlyCollection<EvseStatusRow> rows, CancellationToken cancellationToken = default);

    /// <summary>How many EVSEs of each CPO have each written status: one aggregate over the written statuses.</summary>
    Task<IReadOnlyList<EvseStatusCount>> CountStatusesAsync(CancellationToken cancellationToken = default);
}

/// <summary>How many EVSEs of one CPO have one status.</summary>
/// <param name="Cpo">The CPO's text form (for example NL-ABC-CPO).</param>
/// <param name="Status">The status.</param>
/// <param name="Count">How many EVSEs.</param>
public readonly record struct EvseStatusCount(string Cpo, EvseStatus Status, long Count);

/// <summary>Parses the CPO part of a location grain key.</summary>
public static class LocationKeys
{
    /// <summary>Splits <c>NL-ABC-CPO/LOC1</c>; false when malformed.</summary>
    public static bool TryParse(string key, out PartyKey cpo, out string locationId)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        cpo = default;
        locationId = "";
        if (slash <= 0 || !PartyKey.TryParse(key[..slash], out var parsed))
        {
            return false;
        }

        cpo = parsed.Value;
        locationId = key[(slash + 1)..];
        return true;
    }
}

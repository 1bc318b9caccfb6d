using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Application.Locations;

/// <summary>What <see cref="LocationsCore.ListAsync"/> lists.</summary>
public sealed record LocationListQuery
{
    /// <summary>Only this CPO's locations; null: every CPO the caller may read.</summary>
    public PartyKey? Cpo { get; init; }

    /// <summary>Only CPOs of this country code; null means any.</summary>
    public string? CountryCode { get; init; }

    /// <summary>Only locations changed (object or any EVSE status) at or after this; null means any.</summary>
    public DateTimeOffset? UpdatedSince { get; init; }

    /// <summary>Only locations changed before this (exclusive); null means any. Used by <see cref="LocationsCore.CountAsync"/>.</summary>
    public DateTimeOffset? UpdatedBefore { get; init; }

    /// <summary>Start strictly after this (CPO text form, location id), the previous page's <see cref="LocationPage.Next"/>.</summary>
    public (string Cpo, string LocationId)? After { get; init; }

    /// <summary>At most this many locations.</summary>
    public required int Size { get; init; }
}

/// <summary>One page of locations.</summary>
public sealed record LocationPage
{
    /// <summary>The locations, with current statuses.</summary>
    public required IReadOnlyList<LocationData> Locations { get; init; }

    /// <summary>Where the next page starts; null on the last page.</summary>
    public (string Cpo, string LocationId)? Next { get; init; }
}

/// <summary>Something an edge keeps per location that a write makes stale (a cached snapshot).</summary>
public interface ILocationSnapshotInvalidation
{
    /// <summary>Drops what is kept for the location after a write to it (best effort, never waits).</summary>
    void Invalidate(PartyKey cpo, string locationId);
}

/// <summary>
/// An edge's cache of whole locations in its wire form <typeparamref name="T"/>, read through by
/// <see cref="LocationsCore.GetAsync"/>. A cache, never a copy anything depends on: a miss, an error or an outage
/// sends the read to the location's grain.
/// </summary>
public interface ILocationSnapshotCache<T> : ILocationSnapshotInvalidation
    where T : class
{
    /// <summary>The cached snapshot, or null (a miss, or the cache is unavailable).</summary>
    ValueTask<T?> GetAsync(PartyKey cpo, string locationId);

    /// <summary>Caches a snapshot read from the grain (best effort, never waits).</summary>
    void Set(PartyKey cpo, string locationId, T location);
}

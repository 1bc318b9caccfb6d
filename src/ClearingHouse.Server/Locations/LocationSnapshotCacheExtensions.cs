using ClearingHouse.Application.Locations;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using Google.Protobuf;

namespace ClearingHouse.Server.Locations;

/// <summary>The gRPC edge's use of <see cref="ILocationSnapshotCache"/>: it caches the protobuf wire form GetLocation answers with.</summary>
public static class LocationSnapshotCacheExtensions
{
    /// <summary>The cached location, or null (a miss, the cache is unavailable, or the bytes are not a location).</summary>
    public static ValueTask<Location?> GetAsync(this ILocationSnapshotCache cache, PartyKey cpo, string locationId)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return cache.GetAsync(cpo, locationId, static bytes => Location.Parser.ParseFrom(bytes));
    }

    /// <summary>Caches a location read from the grain (best effort, never waits).</summary>
    public static void Set(this ILocationSnapshotCache cache, PartyKey cpo, string locationId, Location location)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(location);
        cache.Set(cpo, locationId, location.ToByteArray());
    }
}

using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Application.Locations;

/// <summary>
/// Snapshots of whole locations kept for reads, as the bytes of the form an edge answers with (the gRPC edge
/// keeps its protobuf wire form). A cache, never a copy anything depends on: a miss, an error, an outage or a
/// snapshot that does not parse sends the read to the location's grain.
/// </summary>
public interface ILocationSnapshotCache : ILocationSnapshotInvalidation
{
    /// <summary>
    /// The cached snapshot parsed by <paramref name="parse"/>, or null: a miss, the cache is unavailable, or
    /// <paramref name="parse"/> threw (the snapshot is then dropped).
    /// </summary>
    ValueTask<T?> GetAsync<T>(PartyKey cpo, string locationId, Func<byte[], T> parse)
        where T : class;

    /// <summary>Caches a snapshot read from the grain (best effort, never waits).</summary>
    void Set(PartyKey cpo, string locationId, byte[] snapshot);

}

/// <summary>No cache (the Embedded profile, where the location grain in this process is the cache, or no cache Redis).</summary>
public sealed class NoLocationSnapshotCache : ILocationSnapshotCache
{
    /// <inheritdoc />
    public ValueTask<T?> GetAsync<T>(PartyKey cpo, string locationId, Func<byte[], T> parse)
        where T : class => ValueTask.FromResult<T?>(null);

    /// <inheritdoc />
    public void Set(PartyKey cpo, string locationId, byte[] snapshot)
    {
    }

    /// <inheritdoc />
    public void Invalidate(PartyKey cpo, string locationId)
    {
    }
}

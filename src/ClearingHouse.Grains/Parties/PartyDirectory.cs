using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Parties;

/// <summary>
/// The silo-local, read-only copy of the party registry that hot paths (authentication, agreement
/// checks) read without a grain call. Refreshed from <see cref="IPartyRegistryGrain"/> when older
/// than <see cref="PartyDirectoryOptions.RefreshInterval"/>; a refresh with no change costs one call
/// that returns nothing. One refresh runs at a time; readers meanwhile get the previous view.
/// </summary>
public sealed class PartyDirectory(IGrainFactory grains, HubClock clock, IOptions<PartyDirectoryOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Cached? _cached;

    /// <summary>A view no older than the refresh interval.</summary>
    public ValueTask<DirectoryView> GetAsync()
    {
        var cached = _cached;
        return cached is not null && clock.UtcNow - cached.FetchedAt < options.Value.RefreshInterval
            ? ValueTask.FromResult(cached.View)
            : new ValueTask<DirectoryView>(RefreshAsync(cached));
    }

    /// <summary>A view that includes every change committed before this call (asks the registry).</summary>
    public Task<DirectoryView> GetFreshAsync() => RefreshAsync(null);

    private async Task<DirectoryView> RefreshAsync(Cached? stale)
    {
        await _refresh.WaitAsync();
        try
        {
            var current = _cached;
            // Another caller refreshed while this one waited.
            if (stale is not null && current is not null && !ReferenceEquals(current, stale))
            {
                return current.View;
            }

            var fetchedAt = clock.UtcNow;
            var snapshot = await grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key).GetSnapshot(current?.View.Snapshot.Version ?? 0);
            var view = snapshot is null && current is not null ? current.View : new DirectoryView(snapshot!);
            _cached = new Cached(view, fetchedAt);
            return view;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _refresh.Dispose();

    private sealed record Cached(DirectoryView View, DateTimeOffset FetchedAt);
}

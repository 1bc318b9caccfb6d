using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Parties;

/// <summary>
/// The silo-local, read-only copy of the party registry that hot paths (authentication, agreement
/// checks) read without a grain call. Refreshed from <see cref="IPartyRegistryGrain"/> in the
/// background once it is half <see cref="PartyDirectoryOptions.RefreshInterval"/> old, so readers
/// normally never wait; a refresh with no change costs one call that returns nothing. One refresh
/// runs at a time.
/// </summary>
/// <remarks>
/// Failover: the registry is one grain, on one silo. When that silo dies, calls to it fail or hang
/// until membership declares the silo dead and the registry re-activates on a survivor. Meanwhile a
/// reader whose view is older than the refresh interval waits at most
/// <see cref="PartyDirectoryOptions.RefreshWait"/> for the refresh, then gets the last view (up to
/// <see cref="PartyDirectoryOptions.MaxStaleness"/> old, then Unavailable) instead of an error: the
/// survivor keeps serving. This stretches no propagation time the registry could have committed a
/// change in: a registry that does not answer commits nothing, so the view misses at most the changes
/// of the refresh interval before the registry stopped answering, and takes them on at the first
/// answer after.
/// </remarks>
public sealed partial class PartyDirectory(IGrainFactory grains, HubClock clock, IOptions<PartyDirectoryOptions> options, ILogger<PartyDirectory> logger)
{
    // After a failed refresh, readers get the last view without a new call for this long: a registry
    // whose silo refuses connections is not asked once per reader.
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private volatile Cached? _cached;
    private Task<DirectoryView>? _refreshing;
    private DateTimeOffset _retryAt;
    private bool _servingLast;

    /// <summary>
    /// A view no older than the refresh interval while the registry answers; during a failover, the
    /// last view (see the remarks on this type).
    /// </summary>
    public ValueTask<DirectoryView> GetAsync()
    {
        var cached = _cached;
        if (cached is null)
        {
            return new ValueTask<DirectoryView>(Refresh(chain: false));
        }

        var age = clock.UtcNow - cached.FetchedAt;
        var interval = options.Value.RefreshInterval;
        if (age < interval)
        {
            if (age >= interval / 2)
            {
                RefreshInBackground();
            }

            return ValueTask.FromResult(cached.View);
        }

        return new ValueTask<DirectoryView>(RefreshOrLastAsync(cached));
    }

    /// <summary>
    /// A view that includes every change committed before this call (asks the registry; fails when the
    /// registry cannot be reached: an administrative change must not act on an old view).
    /// </summary>
    public Task<DirectoryView> GetFreshAsync() => Refresh(chain: true);

    private async Task<DirectoryView> RefreshOrLastAsync(Cached stale)
    {
        Task<DirectoryView> refresh;
        lock (_gate)
        {
            if ((_refreshing is null || _refreshing.IsCompleted) && clock.UtcNow < _retryAt)
            {
                return LastOrUnavailable(stale, null);
            }

            refresh = Refresh(chain: false);
        }

        try
        {
            return await refresh.WaitAsync(options.Value.RefreshWait);
        }
        catch (Exception ex) when (ex is not HubException)
        {
            return LastOrUnavailable(stale, ex);
        }
    }

    private DirectoryView LastOrUnavailable(Cached stale, Exception? failure)
    {
        var last = _cached ?? stale;
        var age = clock.UtcNow - last.FetchedAt;
        if (age > options.Value.MaxStaleness)
        {
            throw new HubException(HubErrorCode.Unavailable, $"the party registry has not answered for {age.TotalSeconds:0} s; retry");
        }

        lock (_gate)
        {
            if (!_servingLast)
            {
                _servingLast = true;
                LogServingLast(logger, failure, last.View.Snapshot.Version, age);
            }
        }

        return last.View;
    }

    private void RefreshInBackground()
    {
        lock (_gate)
        {
            if (_refreshing is { IsCompleted: false } || clock.UtcNow < _retryAt)
            {
                return;
            }

            // Observed in FetchAsync's failure path; a reader that needs it awaits it there.
            _ = Refresh(chain: false);
        }
    }

    // Joins the refresh under way, or starts one. A chained refresh starts after the one under way
    // ends, so it sees every change committed before it was asked for.
    private Task<DirectoryView> Refresh(bool chain)
    {
        lock (_gate)
        {
            var running = _refreshing is { IsCompleted: false } r ? r : null;
            if (running is not null && !chain)
            {
                return running;
            }

            var next = FetchAfterAsync(running);
            _refreshing = next;
            return next;
        }
    }

    private async Task<DirectoryView> FetchAfterAsync(Task? previous)
    {
        if (previous is not null)
        {
            try
            {
                await previous;
            }
            catch (Exception)
            {
                // Its own caller saw the failure; this fetch asks again.
            }
        }

        var current = _cached;
        var fetchedAt = clock.UtcNow;
        try
        {
            var snapshot = await grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key).GetSnapshot(current?.View.Snapshot.Version ?? 0);
            var view = snapshot is null && current is not null ? current.View : new DirectoryView(snapshot!);
            lock (_gate)
            {
                // Fetches run one at a time, so this one is the newest.
                _cached = new Cached(view, fetchedAt);
                if (_servingLast)
                {
                    _servingLast = false;
                    LogRegistryBack(logger, view.Snapshot.Version);
                }
            }

            return view;
        }
        catch (Exception)
        {
            lock (_gate)
            {
                _retryAt = clock.UtcNow + RetryAfterFailure;
            }

            throw;
        }
    }

    private sealed record Cached(DirectoryView View, DateTimeOffset FetchedAt);

    [LoggerMessage(EventId = 8701, Level = LogLevel.Warning, Message = "The party registry does not answer (its silo may be failing over); serving the last snapshot (version {Version}, {Age} old) until it does")]
    private static partial void LogServingLast(ILogger logger, Exception? exception, long version, TimeSpan age);

    [LoggerMessage(EventId = 8702, Level = LogLevel.Information, Message = "The party registry answers again (snapshot version {Version})")]
    private static partial void LogRegistryBack(ILogger logger, long version);
}

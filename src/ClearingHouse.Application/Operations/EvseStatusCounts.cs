using ClearingHouse.Application.Access;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Application.Operations;

/// <summary>EVSE statuses counted per CPO and status, at one instant.</summary>
/// <param name="Counts">The counts, by CPO then status.</param>
/// <param name="At">When they were counted.</param>
public sealed record EvseStatusCountsView(IReadOnlyList<EvseStatusCount> Counts, DateTimeOffset At);

/// <summary>
/// How many EVSEs of each CPO have each status, for the operator's live view: one GROUP BY over the statuses the hub
/// writes behind (so a few seconds behind the feed), never a per-EVSE read or subscription. The answer is shared for
/// <see cref="MaxAge"/>, so any number of open consoles cost the store one aggregate per interval.
/// </summary>
public sealed class EvseStatusCounts(ILocationStore store, HubClock clock) : IDisposable
{
    /// <summary>How long one count is shared.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private EvseStatusCountsView? _last;

    /// <summary>The counts (operator only, full or read-only).</summary>
    public async Task<EvseStatusCountsView> GetAsync(CallerIdentity caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        if (_last is { } fresh && clock.UtcNow - fresh.At < MaxAge)
        {
            return fresh;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } counted && clock.UtcNow - counted.At < MaxAge)
            {
                return counted;
            }

            var now = clock.UtcNow;
            _last = new EvseStatusCountsView(await store.CountStatusesAsync(cancellationToken), now);
            return _last;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();
}

using System.Collections.Concurrent;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Locations;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Cdrs;

/// <summary>
/// The silo-local answer to "in which time zone is this CPO's location", for pricing CDRs: the location's own
/// <c>time_zone</c> as its grain holds it, or "not known to the hub". Kept for <see cref="CdrOptions.LocationTimeZoneTtl"/>,
/// so a batch of CDRs at known locations costs no grain call, and a batch's misses are asked for together (one
/// grain call per distinct location, concurrently, shared with any other batch asking at the same time). A put or
/// patch through this silo forgets the location at once. Bounded: past <see cref="MaxEntries"/> the copy starts over.
/// </summary>
public sealed class LocationTimeZones(IGrainFactory grains, HubClock clock, IOptions<CdrOptions> options)
{
    /// <summary>Most locations kept (known or not); a CPO naming ever new unknown ids cannot grow it without bound.</summary>
    public const int MaxEntries = 200_000;

    private readonly ConcurrentDictionary<(PartyKey Cpo, string LocationId), Entry> _entries = new();

    /// <summary>
    /// Resolves <paramref name="locationIds"/> of <paramref name="cpo"/> into <paramref name="zones"/>: id -> the
    /// location's time zone ("" when it has none), or null when the hub does not know the location.
    /// </summary>
    public ValueTask ResolveAsync(PartyKey cpo, IReadOnlyCollection<string> locationIds, Dictionary<string, string?> zones)
    {
        ArgumentNullException.ThrowIfNull(locationIds);
        ArgumentNullException.ThrowIfNull(zones);
        var now = clock.UtcNow;
        var ttl = options.Value.LocationTimeZoneTtl;
        List<(string Id, Task<string?> Zone)>? pending = null;
        foreach (var id in locationIds)
        {
            var key = (cpo, id);
            if (!_entries.TryGetValue(key, out var entry) || now - entry.FetchedAt >= ttl || entry.Zone.IsFaulted || entry.Zone.IsCanceled)
            {
                if (_entries.Count >= MaxEntries)
                {
                    _entries.Clear();
                }

                var fresh = new Entry(Fetch(cpo, id), now);
                entry = entry is null ? _entries.GetOrAdd(key, fresh) : _entries.TryUpdate(key, fresh, entry) ? fresh : _entries.GetValueOrDefault(key, fresh);
            }

            if (entry.Zone.IsCompletedSuccessfully)
            {
                zones[id] = entry.Zone.Result;
            }
            else
            {
                (pending ??= []).Add((id, entry.Zone));
            }
        }

        return pending is null ? ValueTask.CompletedTask : new ValueTask(AwaitAsync(pending, zones));
    }

    /// <summary>Forgets a location (after a change made through this silo).</summary>
    public void Invalidate(PartyKey cpo, string locationId) => _entries.TryRemove((cpo, locationId), out _);

    private async Task<string?> Fetch(PartyKey cpo, string locationId)
    {
        var grain = grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, locationId));
        try
        {
            return await grain.GetTimeZone();
        }
        catch (OrleansMessageRejectionException)
        {
            // The grain of a location the hub does not know deactivates itself after answering; a call from another
            // silo queued behind that answer is rejected once forwarding gives up (seen under concurrent batches in a
            // 2-silo cluster). Asking again reaches a fresh activation instead of failing the whole batch.
            return await grain.GetTimeZone();
        }
    }

    private static async Task AwaitAsync(List<(string Id, Task<string?> Zone)> pending, Dictionary<string, string?> zones)
    {
        foreach (var (id, zone) in pending)
        {
            // A failed lookup fails the batch (nothing stored, the CPO retries) rather than pricing in a wrong zone;
            // the faulted entry is replaced on the next ask.
            zones[id] = await zone;
        }
    }

    private sealed record Entry(Task<string?> Zone, DateTimeOffset FetchedAt);
}

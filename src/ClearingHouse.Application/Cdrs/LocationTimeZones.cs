using System.Collections.Concurrent;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Locations;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Cdrs;

/// <summary>
/// The silo-local answer to "in which time zone is this CPO's location, and which tariffs does each of its connectors
/// list", for pricing and checking CDRs: the location's own <c>time_zone</c> and connectors' <c>tariff_ids</c> as its
/// grain holds them (<see cref="LocationPricingFacts"/>), or "not known to the hub". Kept for <see cref="CdrOptions.LocationTimeZoneTtl"/>,
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
    public ValueTask ResolveAsync(PartyKey cpo, IReadOnlyCollection<string> locationIds, Dictionary<string, string?> zones) =>
        ResolveAsync(cpo, locationIds, zones, null);

    /// <summary>
    /// As <see cref="ResolveAsync(PartyKey, IReadOnlyCollection{string}, Dictionary{string, string?})"/>, and also each
    /// known location's <see cref="LocationPricingFacts"/> into <paramref name="facts"/> (when given).
    /// </summary>
    public ValueTask ResolveAsync(PartyKey cpo, IReadOnlyCollection<string> locationIds, Dictionary<string, string?> zones, Dictionary<string, LocationPricingFacts>? facts)
    {
        ArgumentNullException.ThrowIfNull(locationIds);
        ArgumentNullException.ThrowIfNull(zones);
        var now = clock.UtcNow;
        var ttl = options.Value.LocationTimeZoneTtl;
        List<(string Id, Task<LocationPricingFacts?> Zone)>? pending = null;
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
                Put(id, entry.Zone.Result, zones, facts);
            }
            else
            {
                (pending ??= []).Add((id, entry.Zone));
            }
        }

        return pending is null ? ValueTask.CompletedTask : new ValueTask(AwaitAsync(pending, zones, facts));
    }

    /// <summary>Forgets a location (after a change made through this silo).</summary>
    public void Invalidate(PartyKey cpo, string locationId) => _entries.TryRemove((cpo, locationId), out _);

    private static void Put(string id, LocationPricingFacts? found, Dictionary<string, string?> zones, Dictionary<string, LocationPricingFacts>? facts)
    {
        zones[id] = found?.TimeZone;
        if (facts is not null && found is not null)
        {
            facts[id] = found;
        }
    }

    private async Task<LocationPricingFacts?> Fetch(PartyKey cpo, string locationId)
    {
        var grain = grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, locationId));
        LocationData? location;
        try
        {
            location = await grain.Get();
        }
        catch (OrleansMessageRejectionException)
        {
            // A call from another silo queued behind a deactivating activation is rejected once forwarding gives up
            // (seen under concurrent batches in a 2-silo cluster). Asking again reaches a fresh activation instead of
            // failing the whole batch.
            location = await grain.Get();
        }

        return location is null ? null : LocationPricingFacts.Of(location);
    }

    private static async Task AwaitAsync(List<(string Id, Task<LocationPricingFacts?> Zone)> pending, Dictionary<string, string?> zones, Dictionary<string, LocationPricingFacts>? facts)
    {
        foreach (var (id, zone) in pending)
        {
            // A failed lookup fails the batch (nothing stored, the CPO retries) rather than pricing in a wrong zone;
            // the faulted entry is replaced on the next ask.
            Put(id, await zone, zones, facts);
        }
    }

    private sealed record Entry(Task<LocationPricingFacts?> Zone, DateTimeOffset FetchedAt);
}

/// <summary>What CDR pricing needs of a location the hub knows: its time zone and what each connector lists.</summary>
/// <param name="TimeZone">The location's <c>time_zone</c> ("" when it has none).</param>
/// <param name="Connectors">By (EVSE uid, connector id): the connector's <c>tariff_ids</c> and <c>last_updated</c>.</param>
public sealed record LocationPricingFacts(string TimeZone, IReadOnlyDictionary<(string EvseUid, string ConnectorId), (string[] TariffIds, DateTimeOffset LastUpdated)> Connectors)
{
    /// <summary>The facts of a location as its grain holds it.</summary>
    public static LocationPricingFacts Of(LocationData location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var connectors = new Dictionary<(string, string), (string[], DateTimeOffset)>();
        foreach (var evse in location.Evses)
        {
            foreach (var connector in evse.Connectors)
            {
                connectors[(evse.Uid, connector.Id)] = (connector.TariffIds, connector.LastUpdated);
            }
        }

        return new LocationPricingFacts(location.TimeZone, connectors);
    }
}

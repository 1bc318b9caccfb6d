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
        LocationPricingView? location;
        try
        {
            location = await grain.GetForPricing();
        }
        catch (OrleansMessageRejectionException)
        {
            // A call from another silo queued behind a deactivating activation is rejected once forwarding gives up
            // (seen under concurrent batches in a 2-silo cluster). Asking again reaches a fresh activation instead of
            // failing the whole batch.
            location = await grain.GetForPricing();
        }

        return location is null ? null : LocationPricingFacts.Of(location.Location, location.TariffHistory);
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

/// <summary>What CDR pricing needs of one connector: what it lists now, since when, and what it listed before.</summary>
/// <param name="TariffIds">The connector's current <c>tariff_ids</c>.</param>
/// <param name="LastUpdated">The connector's <c>last_updated</c>.</param>
/// <param name="Earlier">Its earlier lists the hub keeps, oldest first (<see cref="ConnectorTariffHistory"/>).</param>
public sealed record ConnectorPricingFacts(string[] TariffIds, DateTimeOffset LastUpdated, IReadOnlyList<ConnectorTariffListing> Earlier)
{
    /// <summary>What the connector listed at <paramref name="at"/>; null when the hub cannot tell.</summary>
    public string[]? ListedAt(DateTimeOffset at) => ConnectorTariffHistory.ListedAt(TariffIds, LastUpdated, Earlier, at);

    /// <summary>The first change of the list after <paramref name="from"/> and before <paramref name="to"/> (its instant and the list after it); null when none.</summary>
    public (DateTimeOffset At, string[] TariffIds)? FirstChangeBetween(DateTimeOffset from, DateTimeOffset to)
    {
        for (var i = 0; i < Earlier.Count; i++)
        {
            if (Earlier[i].Until > from && Earlier[i].Until < to)
            {
                return (Earlier[i].Until, i + 1 < Earlier.Count ? Earlier[i + 1].TariffIds : TariffIds);
            }
        }

        return null;
    }
}

/// <summary>What CDR pricing needs of a location the hub knows: its time zone and what each connector lists.</summary>
/// <param name="TimeZone">The location's <c>time_zone</c> ("" when it has none).</param>
/// <param name="Connectors">By (EVSE uid, connector id): the connector's tariff lists.</param>
public sealed record LocationPricingFacts(string TimeZone, IReadOnlyDictionary<(string EvseUid, string ConnectorId), ConnectorPricingFacts> Connectors)
{
    /// <summary>The facts of a location as its grain holds it, with its connectors' earlier tariff lists.</summary>
    public static LocationPricingFacts Of(LocationData location, IReadOnlyList<ConnectorTariffListing> earlier)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(earlier);
        var connectors = new Dictionary<(string, string), ConnectorPricingFacts>();
        foreach (var evse in location.Evses)
        {
            foreach (var connector in evse.Connectors)
            {
                var own = earlier.Count == 0
                    ? (IReadOnlyList<ConnectorTariffListing>)[]
                    : [.. earlier.Where(l => l.EvseUid == evse.Uid && l.ConnectorId == connector.Id).OrderBy(l => l.Until)];
                connectors[(evse.Uid, connector.Id)] = new ConnectorPricingFacts(connector.TariffIds, connector.LastUpdated, own);
            }
        }

        return new LocationPricingFacts(location.TimeZone, connectors);
    }
}

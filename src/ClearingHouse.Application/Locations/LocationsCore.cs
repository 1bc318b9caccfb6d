using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Tariffs;

namespace ClearingHouse.Application.Locations;

/// <summary>
/// Locations of CPOs, for every edge: a CPO writes its own (put, patch, EVSE patch); the operator, the CPO itself and
/// EMSPs with an active agreement read them. The location grain applies a write newer-only and publishes the status
/// changes it accepts; this class adds the access rules and drops what the edges and CDR pricing cache of a location.
/// </summary>
public sealed class LocationsCore(
    IGrainFactory grains,
    AccessPolicy access,
    ILocationStore store,
    LocationTimeZones timeZones,
    TariffCatalog tariffs,
    IEnumerable<ILocationSnapshotInvalidation> snapshots)
{
    private readonly ILocationSnapshotInvalidation[] _snapshots = [.. snapshots];

    /// <summary>
    /// Creates or replaces a location of the calling CPO; not applied when the hub holds a newer one. InvalidArgument
    /// naming the connector when one lists two stored tariffs that break OCPI's one-active-tariff-per-type rule.
    /// </summary>
    public async Task<LocationWriteResult> PutAsync(CallerIdentity caller, LocationData location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var cpo = RequireOwner(caller, location.Cpo);
        await RequireOneTariffPerTypeAsync(cpo, location.Evses.SelectMany((e, i) =>
            e.Connectors.Select((c, j) => ($"evses[{i}].connectors[{j}].tariff_ids", e.Uid, c))));
        return await WriteAsync(cpo, location.Id, g => g.Put(location), timeZone: true);
    }

    /// <summary>Patches a location of the calling CPO. NotFound when it has none of that id.</summary>
    public Task<LocationWriteResult> PatchAsync(CallerIdentity caller, string locationId, LocationPatch patch) =>
        WriteAsync(RequireCpo(caller), locationId, g => g.Patch(patch), timeZone: true);

    /// <summary>
    /// Patches one EVSE of a location of the calling CPO. NotFound when there is no such location or EVSE;
    /// InvalidArgument naming the connector when the connectors it sets break the one-active-tariff-per-type rule.
    /// </summary>
    public async Task<LocationWriteResult> PatchEvseAsync(CallerIdentity caller, string locationId, EvsePatch patch)
    {
        var cpo = RequireCpo(caller);
        if (patch?.Connectors is { } connectors)
        {
            await RequireOneTariffPerTypeAsync(cpo, connectors.Select((c, j) => ($"connectors[{j}].tariff_ids", patch.Uid, c)));
        }

        // CDR pricing keeps the connectors' tariff_ids with the zone: a patch replacing connectors forgets them too.
        return await WriteAsync(cpo, locationId, g => g.PatchEvse(patch!), timeZone: patch?.Connectors is not null);
    }

    /// <summary>
    /// InvalidArgument (naming the connector's <c>tariff_ids</c>) when a connector lists two tariffs the CPO has stored
    /// that are of the same OCPI type (or both without one) with overlapping validity windows
    /// (<see cref="ConnectorTariffRules.FindOverlaps"/>): OCPI lets a connector list several tariffs but at most one of
    /// each type active at any time, and a CDR priced at such a connector cannot be checked (TARIFF_CONFLICT).
    /// </summary>
    /// <remarks>
    /// A refusal rather than a data-quality finding: the rule is the CPO's obligation, the windows and types are fixed
    /// facts of the tariffs (no clock involved), and the bad-input rule is to refuse with the field named and
    /// nothing applied; the location held before stays, with its statuses. Only what the hub can judge at the write is
    /// judged: a tariff the CPO has not stored yet (OCPI lets locations and tariffs arrive in any order), or stored
    /// through another silo less than <c>Directory:RefreshInterval</c> ago, is not; a conflict that arises later (a
    /// tariff put afterwards, or its window widened) is caught per CDR as TARIFF_CONFLICT.
    /// </remarks>
    private async Task RequireOneTariffPerTypeAsync(PartyKey cpo, IEnumerable<(string Field, string EvseUid, ConnectorData Connector)> connectors)
    {
        CpoTariffs? stored = null;
        foreach (var (field, evseUid, connector) in connectors)
        {
            if (connector.TariffIds.Length < 2)
            {
                continue;
            }

            stored ??= await tariffs.GetAsync(cpo);
            var listed = new List<Tariff>(connector.TariffIds.Length);
            foreach (var id in connector.TariffIds)
            {
                if (stored.Find(id) is { } tariff)
                {
                    listed.Add(tariff.Tariff);
                }
            }

            if (ConnectorTariffRules.FindOverlaps(listed) is [var overlap, ..])
            {
                var type = overlap.Type is { } t ? $"both of type {ConnectorTariffRules.Name(t)}" : "both without a type";
                throw new HubException(
                    HubErrorCode.InvalidArgument,
                    $"{field}: connector {evseUid}/{connector.Id} lists tariffs '{overlap.First.Id}' and '{overlap.Second.Id}', {type} with overlapping validity windows: OCPI allows one active tariff per type at a connector",
                    field);
            }
        }
    }

    /// <summary>
    /// One location in an edge's wire form <typeparamref name="T"/>: from the edge's snapshot cache when it holds
    /// it, else from the grain (then cached). PermissionDenied unless the caller may read <paramref name="cpo"/>'s
    /// locations; NotFound when the location is not known.
    /// </summary>
    public async Task<T> GetAsync<T>(CallerIdentity caller, PartyKey cpo, string locationId, ILocationSnapshotCache<T> cache, Func<LocationData, T> toSnapshot)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(toSnapshot);
        await RequireMayReadAsync(caller, cpo);
        if (await cache.GetAsync(cpo, locationId) is { } cached)
        {
            return cached;
        }

        var location = await Location(cpo, locationId).Get()
            ?? throw new HubException(HubErrorCode.NotFound, $"location {locationId} of {cpo} is not known");
        var snapshot = toSnapshot(location);
        cache.Set(cpo, locationId, snapshot);
        return snapshot;
    }

    /// <summary>
    /// What the connectors of a location of <paramref name="cpo"/> listed in <c>tariff_ids</c> over time (one EVSE, or one
    /// connector of it, when given): per connector of the location as held now, the earlier lists the hub keeps
    /// (<see cref="ConnectorTariffHistory"/>) oldest first, then the current one (<see cref="ConnectorTariffListing.Until"/>
    /// <see cref="DateTimeOffset.MaxValue"/>). PermissionDenied unless the caller may read the CPO's locations; NotFound
    /// for an unknown location, EVSE or connector.
    /// </summary>
    public async Task<IReadOnlyList<ConnectorTariffListing>> TariffHistoryAsync(CallerIdentity caller, PartyKey cpo, string locationId, string evseUid, string connectorId)
    {
        await RequireMayReadAsync(caller, cpo);
        if (connectorId.Length > 0 && evseUid.Length == 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "connector_id needs evse_uid", "evse_uid");
        }

        var view = await Location(cpo, locationId).GetForPricing()
            ?? throw new HubException(HubErrorCode.NotFound, $"location {locationId} of {cpo} is not known");
        var evses = view.Location.Evses.Where(e => evseUid.Length == 0 || e.Uid == evseUid).ToList();
        if (evses.Count == 0 && evseUid.Length > 0)
        {
            throw new HubException(HubErrorCode.NotFound, $"location {locationId} of {cpo} has no EVSE '{evseUid}'");
        }

        var listings = new List<ConnectorTariffListing>();
        foreach (var evse in evses)
        {
            foreach (var connector in evse.Connectors.Where(c => connectorId.Length == 0 || c.Id == connectorId))
            {
                var earlier = view.TariffHistory.Where(l => l.EvseUid == evse.Uid && l.ConnectorId == connector.Id).OrderBy(l => l.Until).ToList();
                listings.AddRange(earlier);
                listings.Add(new ConnectorTariffListing
                {
                    EvseUid = evse.Uid,
                    ConnectorId = connector.Id,
                    TariffIds = connector.TariffIds,
                    Since = earlier.Count > 0 ? earlier[^1].Until : connector.LastUpdated,
                    Until = DateTimeOffset.MaxValue,
                });
            }
        }

        if (connectorId.Length > 0 && listings.Count == 0)
        {
            throw new HubException(HubErrorCode.NotFound, $"EVSE '{evseUid}' of location {locationId} has no connector '{connectorId}'");
        }

        return listings;
    }

    /// <summary>
    /// What one connector listed at <paramref name="at"/>, from its listings as <see cref="TariffHistoryAsync"/> returns
    /// them (oldest first, current last); null when the instant is before everything the hub keeps.
    /// </summary>
    public static string[]? ListedAt(IReadOnlyList<ConnectorTariffListing> connectorListings, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(connectorListings);
        var current = connectorListings[^1];
        return ConnectorTariffHistory.ListedAt(current.TariffIds, current.Since, [.. connectorListings.Take(connectorListings.Count - 1)], at);
    }

    /// <summary>
    /// One keyset page of the locations the caller may read (of <see cref="LocationListQuery.Cpo"/> only when set:
    /// PermissionDenied unless the caller may read it), in (CPO, location id) order.
    /// </summary>
    public async Task<LocationPage> ListAsync(CallerIdentity caller, LocationListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var cpos = await ListedCposAsync(caller, query);
        var entries = await store.PageAsync(new LocationIndexQuery
        {
            Cpos = cpos,
            CountryCode = query.CountryCode,
            UpdatedSinceTicks = query.UpdatedSince?.UtcTicks,
            After = query.After,
            Limit = query.Size + 1,
        }, cancellationToken);
        var page = entries.Take(query.Size).ToArray();
        var locations = await Task.WhenAll(page.Select(e =>
            PartyKey.TryParse(e.Cpo, out var k) ? Location(k.Value, e.LocationId).Get() : Task.FromResult<LocationData?>(null)));
        return new LocationPage
        {
            Locations = [.. locations.Where(l => l is not null).Select(l => l!)],
            Next = entries.Count > query.Size ? (page[^1].Cpo, page[^1].LocationId) : null,
        };
    }

    /// <summary>
    /// How many locations the caller may read match the filters of <paramref name="query"/> (its position and size are
    /// ignored): the total of the pages <see cref="ListAsync"/> returns, by the index's change time (object or EVSE status).
    /// </summary>
    public async Task<long> CountAsync(CallerIdentity caller, LocationListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return await store.CountAsync(new LocationIndexQuery
        {
            Cpos = await ListedCposAsync(caller, query),
            CountryCode = query.CountryCode,
            UpdatedSinceTicks = query.UpdatedSince?.UtcTicks,
            UpdatedBeforeTicks = query.UpdatedBefore?.UtcTicks,
            Limit = 0,
        }, cancellationToken);
    }

    // The CPOs a list covers: the one named (PermissionDenied unless the caller may read it), else every one it may read.
    private async Task<IReadOnlyCollection<string>?> ListedCposAsync(CallerIdentity caller, LocationListQuery query)
    {
        if (query.Cpo is { } cpo)
        {
            await RequireMayReadAsync(caller, cpo);
            return [cpo.ToString()];
        }

        return await VisibleCposAsync(caller);
    }

    /// <summary>
    /// The CPOs (text form) a caller may read: null (all) for the operator, itself for a CPO, the CPOs it has an
    /// active agreement with for an EMSP.
    /// </summary>
    internal async Task<IReadOnlyCollection<string>?> VisibleCposAsync(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.IsOperator)
        {
            return null;
        }

        if (caller.Party is { Role: PartyRole.Cpo } cpo)
        {
            return [cpo.ToString()];
        }

        var emsp = caller.RequireParty(PartyRole.Emsp);
        return [.. access.AgreedCpos(await access.ViewAsync(), emsp).Select(c => c.ToString())];
    }

    /// <summary>PermissionDenied unless the caller may read <paramref name="cpo"/>'s locations and statuses.</summary>
    internal async Task RequireMayReadAsync(CallerIdentity caller, PartyKey cpo)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.IsOperator || caller.Party == cpo)
        {
            return;
        }

        var emsp = caller.RequireParty(PartyRole.Emsp);
        if (!access.MayExchange(await access.ViewAsync(), cpo, emsp))
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"{emsp} has no active roaming agreement with {cpo}");
        }
    }

    private static PartyKey RequireCpo(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.RequireParty(PartyRole.Cpo);
    }

    private static PartyKey RequireOwner(CallerIdentity caller, PartyKey owner)
    {
        var cpo = RequireCpo(caller);
        if (owner != cpo)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"a CPO may only write its own locations, not those of {owner}");
        }

        return cpo;
    }

    // The grain applies the write (newer-only, publishing the status changes it accepts). A write that applied makes
    // the edges' cached snapshots stale, and the time zone CDR pricing holds when the location object changed.
    private async Task<LocationWriteResult> WriteAsync(PartyKey cpo, string locationId, Func<ILocationGrain, Task<LocationWriteResult>> write, bool timeZone)
    {
        var result = await write(Location(cpo, locationId));
        if (!result.Applied)
        {
            return result;
        }

        foreach (var cache in _snapshots)
        {
            cache.Invalidate(cpo, locationId);
        }

        if (timeZone)
        {
            timeZones.Invalidate(cpo, locationId);
        }

        return result;
    }

    private ILocationGrain Location(PartyKey cpo, string locationId) => grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, locationId));
}

using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;

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
    IEnumerable<ILocationSnapshotInvalidation> snapshots)
{
    private readonly ILocationSnapshotInvalidation[] _snapshots = [.. snapshots];

    /// <summary>Creates or replaces a location of the calling CPO; not applied when the hub holds a newer one.</summary>
    public async Task<LocationWriteResult> PutAsync(CallerIdentity caller, LocationData location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var cpo = RequireOwner(caller, location.Cpo);
        var result = await Location(cpo, location.Id).Put(location);
        Written(result, cpo, location.Id, timeZone: true);
        return result;
    }

    /// <summary>Patches a location of the calling CPO. NotFound when it has none of that id.</summary>
    public async Task<LocationWriteResult> PatchAsync(CallerIdentity caller, string locationId, LocationPatch patch)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        var result = await Location(cpo, locationId).Patch(patch);
        Written(result, cpo, locationId, timeZone: true);
        return result;
    }

    /// <summary>Patches one EVSE of a location of the calling CPO. NotFound when there is no such location or EVSE.</summary>
    public async Task<LocationWriteResult> PatchEvseAsync(CallerIdentity caller, string locationId, EvsePatch patch)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        var result = await Location(cpo, locationId).PatchEvse(patch);
        Written(result, cpo, locationId, timeZone: false);
        return result;
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
    /// One keyset page of the locations the caller may read (of <see cref="LocationListQuery.Cpo"/> only when set:
    /// PermissionDenied unless the caller may read it), in (CPO, location id) order.
    /// </summary>
    public async Task<LocationPage> ListAsync(CallerIdentity caller, LocationListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        IReadOnlyCollection<string>? cpos;
        if (query.Cpo is { } cpo)
        {
            await RequireMayReadAsync(caller, cpo);
            cpos = [cpo.ToString()];
        }
        else
        {
            cpos = await VisibleCposAsync(caller);
        }

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

    private static PartyKey RequireOwner(CallerIdentity caller, PartyKey owner)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        if (owner != cpo)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"a CPO may only write its own locations, not those of {owner}");
        }

        return cpo;
    }

    // A write that applied makes the cached snapshots stale, and the time zone CDR pricing holds when the object changed.
    private void Written(LocationWriteResult result, PartyKey cpo, string locationId, bool timeZone)
    {
        if (!result.Applied)
        {
            return;
        }

        foreach (var cache in _snapshots)
        {
            cache.Invalidate(cpo, locationId);
        }

        if (timeZone)
        {
            timeZones.Invalidate(cpo, locationId);
        }
    }

    private ILocationGrain Location(PartyKey cpo, string locationId) => grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, locationId));
}

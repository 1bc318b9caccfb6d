using ClearingHouse.Application.Locations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Options;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Locations;

/// <summary>
/// The locations module in the hub role. Receiver interface (a CPO pushes its own locations to the hub): PUT and PATCH
/// of a location, PATCH of an EVSE (its status reaches every subscriber, gRPC or OCPI, as a gRPC PatchEvse does), GET
/// of what the hub holds. Sender interface (an EMSP pulls): the paged list of the locations of the CPOs it has an
/// active agreement with. Each is one call into <see cref="LocationsCore"/>, which applies the access rules.
/// </summary>
public static class OcpiLocationsModule
{
    /// <summary>The sender interface's path (EMSPs GET).</summary>
    public const string SenderPath = OcpiVersions.VersionPath + "/locations";

    /// <summary>The receiver interface's path (CPOs PUT/PATCH).</summary>
    public const string ReceiverPath = OcpiVersions.VersionPath + "/receiver/locations";

    /// <summary>Maps both interfaces.</summary>
    public static RouteGroupBuilder MapOcpiLocations(this RouteGroupBuilder ocpi)
    {
        var receiver = ocpi.MapGroup(ReceiverPath["/ocpi".Length..] + "/{countryCode}/{partyId}/{locationId}");
        receiver.MapGet("", async (HttpContext context, string countryCode, string partyId, string locationId, LocationsCore core, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            var cpo = OcpiLocationMapping.RequireOwnCpo(caller.Party, countryCode, partyId);
            var location = await core.GetAsync(caller.Identity, cpo, locationId, NoSnapshots.Instance, OcpiLocationMapping.ToOcpi);
            return results.Ok(location);
        });
        receiver.MapPut("", async (HttpContext context, string countryCode, string partyId, string locationId, LocationsCore core, OcpiResults results, HubClock clock, IOptions<LocationsOptions> options) =>
        {
            var caller = context.Ocpi().Caller;
            var cpo = OcpiLocationMapping.RequireOwnCpo(caller.Party, countryCode, partyId);
            var body = await OcpiBody.ReadAsync<OcpiLocation>(context.Request);
            await core.PutAsync(caller.Identity, OcpiLocationMapping.ToData(body, cpo, locationId, clock.UtcNow, options.Value.MaxClockSkew));
            return results.Ok(null);
        });
        receiver.MapPatch("", async (HttpContext context, string countryCode, string partyId, string locationId, LocationsCore core, OcpiResults results, HubClock clock, IOptions<LocationsOptions> options) =>
        {
            var caller = context.Ocpi().Caller;
            OcpiLocationMapping.RequireOwnCpo(caller.Party, countryCode, partyId);
            var body = await OcpiBody.ReadAsync<OcpiLocation>(context.Request);
            await core.PatchAsync(caller.Identity, locationId, OcpiLocationMapping.ToPatch(body, clock.UtcNow, options.Value.MaxClockSkew));
            return results.Ok(null);
        });
        receiver.MapPatch("/{evseUid}", async (HttpContext context, string countryCode, string partyId, string locationId, string evseUid, LocationsCore core, OcpiResults results, HubClock clock, IOptions<LocationsOptions> options) =>
        {
            var caller = context.Ocpi().Caller;
            OcpiLocationMapping.RequireOwnCpo(caller.Party, countryCode, partyId);
            var body = await OcpiBody.ReadAsync<OcpiEvse>(context.Request);
            await core.PatchEvseAsync(caller.Identity, locationId, OcpiLocationMapping.ToPatch(body, evseUid, clock.UtcNow, options.Value.MaxClockSkew));
            return results.Ok(null);
        });

        ocpi.MapGet(SenderPath["/ocpi".Length..], async (HttpContext context, LocationsCore core, OcpiResults results, IOptions<OcpiOptions> options) =>
        {
            var page = OcpiPage.Parse(context.Request, options.Value.MaxPageSize);
            var caller = context.Ocpi().Caller;
            var after = Key(page.Cursor);
            var skip = after is null ? page.Offset : 0;
            var items = new List<OcpiLocation>();
            (string Cpo, string LocationId)? next;
            // Without a cursor, an offset is reached by reading from the start (a client following the links never does).
            // Pages go on until the offset is passed and something is found (date_to may leave a page empty); a
            // page may be short, as OCPI allows, and the cursor is always the last key read.
            do
            {
                var result = await core.ListAsync(caller.Identity, new LocationListQuery { UpdatedSince = page.DateFrom, After = after, Size = page.Limit }, context.RequestAborted);
                var fitting = result.Locations.Where(l => page.DateTo is not { } to || l.LastUpdated < to).ToList();
                var skipped = Math.Min(skip, fitting.Count);
                skip -= skipped;
                items.AddRange(fitting.Skip(skipped).Take(page.Limit - items.Count).Select(OcpiLocationMapping.ToOcpi));
                next = result.Next;
                after = next;
            }
            while (next is not null && (skip > 0 || items.Count == 0));

            var total = await core.CountAsync(caller.Identity, new LocationListQuery { UpdatedSince = page.DateFrom, UpdatedBefore = page.DateTo, Size = 0 }, context.RequestAborted);
            page.WriteHeaders(context, OcpiVersions.Url(options.Value, SenderPath), items.Count, next is { } n ? $"{n.Cpo}|{n.LocationId}" : null, total);
            return results.Ok(items);
        });
        return ocpi;
    }

    private static (string Cpo, string LocationId)? Key(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var bar = cursor.IndexOf('|', StringComparison.Ordinal);
        return bar > 0 && PartyKey.TryParse(cursor[..bar], out _)
            ? (cursor[..bar], cursor[(bar + 1)..])
            : throw new Grains.Errors.HubException(Grains.Errors.HubErrorCode.InvalidArgument, "cursor is not one this hub returned", "cursor");
    }

    // The OCPI edge keeps no snapshot cache yet: a GET reads the location's grain.
    private sealed class NoSnapshots : ILocationSnapshotCache<OcpiLocation>
    {
        public static NoSnapshots Instance { get; } = new();

        public ValueTask<OcpiLocation?> GetAsync(PartyKey cpo, string locationId) => ValueTask.FromResult<OcpiLocation?>(null);

        public void Set(PartyKey cpo, string locationId, OcpiLocation location)
        {
        }

        public void Invalidate(PartyKey cpo, string locationId)
        {
        }
    }
}

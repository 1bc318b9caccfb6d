using ClearingHouse.Application.Sessions;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Sessions;

/// <summary>
/// The sessions module in the hub role, on <see cref="SessionFlow"/> (the gRPC SessionService's core). Receiver
/// interface (a CPO pushes its own sessions): PUT and PATCH, applied by the session grain's state machine and routed to
/// the token's EMSP (its gRPC SubscribeSessions feed sees them as it sees a gRPC PutSession), and GET of what the hub
/// holds. Sender interface (an EMSP pulls): the paged list of the sessions of its tokens.
/// </summary>
public static class OcpiSessionsModule
{
    /// <summary>The sender interface's path (EMSPs GET).</summary>
    public const string SenderPath = OcpiVersions.VersionPath + "/sessions";

    /// <summary>The receiver interface's path (CPOs PUT/PATCH).</summary>
    public const string ReceiverPath = OcpiVersions.VersionPath + "/receiver/sessions";

    /// <summary>Maps both interfaces.</summary>
    public static RouteGroupBuilder MapOcpiSessions(this RouteGroupBuilder ocpi)
    {
        var receiver = ocpi.MapGroup(ReceiverPath["/ocpi".Length..] + "/{countryCode}/{partyId}/{sessionId}");
        receiver.MapGet("", async (HttpContext context, string countryCode, string partyId, string sessionId, SessionFlow core, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            var cpo = OcpiReceiverPaths.RequireOwn(caller.Party, countryCode, partyId, PartyRole.Cpo, "sessions");
            var view = await Renaming(() => core.GetAsync(caller.Identity, cpo, sessionId));
            return results.Ok(OcpiSessionMapping.ToOcpi(view.Session));
        });
        receiver.MapPut("", async (HttpContext context, string countryCode, string partyId, string sessionId, SessionFlow core, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            var cpo = OcpiReceiverPaths.RequireOwn(caller.Party, countryCode, partyId, PartyRole.Cpo, "sessions");
            var body = await OcpiBody.ReadAsync<OcpiSession>(context.Request);
            var write = await Renaming(() => core.PutAsync(caller.Identity, OcpiSessionMapping.ToRecord(body, cpo, sessionId)));
            return results.Ok(null, write.Verdict == SessionVerdict.Create ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        });
        receiver.MapPatch("", async (HttpContext context, string countryCode, string partyId, string sessionId, SessionFlow core, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            var cpo = OcpiReceiverPaths.RequireOwn(caller.Party, countryCode, partyId, PartyRole.Cpo, "sessions");
            var body = await OcpiBody.ReadAsync<OcpiSession>(context.Request);
            await Renaming(() => core.PatchAsync(caller.Identity, sessionId, OcpiSessionMapping.ToPatch(body, cpo, sessionId)));
            return results.Ok(null);
        });

        ocpi.MapGet(SenderPath["/ocpi".Length..], (HttpContext context, SessionFlow core, OcpiResults results, IOptions<OcpiOptions> options) =>
        {
            var caller = context.Ocpi().Caller;
            var page = OcpiPage.Parse(context.Request, options.Value.MaxPageSize);
            return OcpiPagedList.ServeAsync<SessionView>(
                context, page, OcpiVersions.Url(options.Value, SenderPath),
                async (after, size, cancellation) =>
                {
                    var result = await Renaming(() => core.ListAsync(caller.Identity, page.DateFrom, after, size, cancellation));
                    return (result.Items, result.NextPosition);
                },
                v => v.Session.LastUpdated, v => OcpiSessionMapping.ToOcpi(v.Session), results,
                cancellation => core.CountAsync(caller.Identity, page.DateFrom, page.DateTo, cancellation));
        });
        return ocpi;
    }

    // The core names fields as the gRPC request does; see OcpiSessionMapping.Renamed.
    private static async Task<T> Renaming<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HubException ex) when (ex.Field is not null)
        {
            throw OcpiSessionMapping.Renamed(ex);
        }
    }
}

using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.HubClientInfo;

/// <summary>
/// The hubclientinfo module, sender interface: <c>GET /ocpi/2.2.1/hubclientinfo</c> lists the parties the caller may
/// roam with (a CPO sees the EMSPs it has an agreement with, an EMSP the CPOs), each with its connection status as the
/// hub sees it: PLANNED (the agreement starts later), SUSPENDED (a party suspended, or the agreement ended), OFFLINE (an
/// OCPI platform whose last push from the hub failed and has not succeeded since), CONNECTED otherwise. Paged by party,
/// <c>date_from</c>/<c>date_to</c> on the object's <c>last_updated</c>.
/// </summary>
public static class OcpiHubClientInfoModule
{
    /// <summary>The sender interface's path.</summary>
    public const string SenderPath = OcpiVersions.VersionPath + "/hubclientinfo";

    /// <summary>Maps the sender interface.</summary>
    public static RouteGroupBuilder MapOcpiHubClientInfo(this RouteGroupBuilder ocpi)
    {
        ocpi.MapGet(SenderPath["/ocpi".Length..], async (
            HttpContext context, AccessPolicy policy, OcpiPartnerDirectory partners, IGrainFactory grains, IOptions<OcpiOptions> options, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller.Party;
            var page = OcpiPage.Parse(context.Request, options.Value.MaxPageSize);
            var infos = await ListAsync(caller, policy, partners, grains);
            var selected = infos
                .Where(i => (page.DateFrom is not { } from || i.LastUpdated >= from) && (page.DateTo is not { } to || i.LastUpdated < to))
                .ToList();
            var start = page.Cursor is { } cursor ? selected.FindIndex(i => string.CompareOrdinal(Key(i), cursor) > 0) : Math.Min(page.Offset, selected.Count);
            start = start < 0 ? selected.Count : start;
            var items = selected.Skip(start).Take(page.Limit).ToList();
            var more = start + items.Count < selected.Count;
            page.WriteHeaders(context, OcpiVersions.Url(options.Value, SenderPath), items.Count, more ? Key(items[^1]) : null, selected.Count);
            return results.Ok(items);
        });
        return ocpi;
    }

    /// <summary>Every counterpart of <paramref name="caller"/>'s agreements with its status, in party order (also what the hub pushes on a change).</summary>
    internal static async Task<List<ClientInfoJson>> ListAsync(PartyKey caller, AccessPolicy policy, OcpiPartnerDirectory partners, IGrainFactory grains)
    {
        var view = await policy.ViewAsync();
        var now = policy.Now;
        var agreements = view.Snapshot.Agreements.Where(a => (caller.Role == PartyRole.Cpo ? a.Cpo : a.Emsp) == caller).ToList();
        var infos = new List<ClientInfoJson>(agreements.Count);
        foreach (var agreement in agreements)
        {
            var other = caller.Role == PartyRole.Cpo ? agreement.Emsp : agreement.Cpo;
            var party = view.GetParty(other);
            var lastUpdated = party is null || party.UpdatedAt < agreement.UpdatedAt ? agreement.UpdatedAt : party.UpdatedAt;
            var status = view.StateOf(agreement, now) switch
            {
                AgreementState.Pending => "PLANNED",
                AgreementState.Active => "CONNECTED",
                _ => "SUSPENDED",
            };
            if (status == "CONNECTED" && partners.TryGet(other, out _))
            {
                var outbox = await grains.GetGrain<IOcpiOutboxGrain>(other.ToString()).Get();
                if (outbox.LastFailedAt is { } failed && (outbox.LastDeliveredAt is not { } delivered || delivered < failed))
                {
                    status = "OFFLINE";
                    lastUpdated = failed > lastUpdated ? failed : lastUpdated;
                }
                else if (outbox.LastDeliveredAt is { } back && back > lastUpdated && outbox.LastFailedAt is not null)
                {
                    lastUpdated = back; // connected again since
                }
            }

            infos.Add(new ClientInfoJson(other.PartyId, other.CountryCode, other.Role == PartyRole.Cpo ? "CPO" : "EMSP", status, lastUpdated));
        }

        return [.. infos.OrderBy(Key, StringComparer.Ordinal)];
    }

    /// <summary>The counterpart's key (<c>NL-ABC-CPO</c>): the list's order.</summary>
    internal static string Key(ClientInfoJson info) => $"{info.CountryCode}-{info.PartyId}-{info.Role}";

    /// <summary>OCPI ClientInfo.</summary>
    internal sealed record ClientInfoJson(string PartyId, string CountryCode, string Role, string Status, DateTimeOffset LastUpdated);
}

using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Ocpi.HubClientInfo;
using ClearingHouse.Ocpi.Locations;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Ocpi.Sessions;
using ClearingHouse.Ocpi.Transport;

namespace ClearingHouse.Ocpi.Push;

/// <summary>The OCPI receiver calls the hub makes for an EMSP platform: one <see cref="OcpiDelivery"/> per change.</summary>
internal static class OcpiPushMessages
{
    /// <summary>The <c>call</c> tag and log name of an EVSE status push.</summary>
    public const string Status = "evse status";

    /// <summary>The <c>call</c> tag and log name of a session push.</summary>
    public const string Session = "session";

    /// <summary>The <c>call</c> tag and log name of a CDR push.</summary>
    public const string Cdr = "cdr";

    /// <summary>The <c>call</c> tag and log name of a ClientInfo push.</summary>
    public const string ClientInfoCall = "client info";

    /// <summary><c>PATCH {locations}/{cc}/{party}/{location}/{evse}</c> with the status and its time; the latest per EVSE wins.</summary>
    public static OcpiDelivery EvseStatus(string locationsUrl, PartyKey cpo, long sequence, FeedEvent change)
    {
        var body = new JsonObject
        {
            ["status"] = OcpiLocationMapping.Statuses[(int)change.Status],
            ["last_updated"] = JsonSerializer.SerializeToNode(new DateTimeOffset(change.LastUpdatedTicks, TimeSpan.Zero), OcpiJson.Options),
        };
        return new OcpiDelivery
        {
            Id = $"status {cpo} {sequence} {Guid.NewGuid():N}",
            What = Status,
            Method = "PATCH",
            Url = OcpiUrls.Join(locationsUrl, $"{cpo.CountryCode}/{cpo.PartyId}/{Uri.EscapeDataString(change.LocationId)}/{Uri.EscapeDataString(change.EvseUid)}"),
            Body = body.ToJsonString(OcpiJson.Options),
            From = cpo,
            OrderKey = $"evse {cpo} {change.LocationId} {change.EvseUid}",
            Replaceable = true,
        };
    }

    /// <summary><c>PUT {sessions}/{cc}/{party}/{session}</c> with the whole session; the latest per session wins.</summary>
    public static OcpiDelivery WholeSession(string sessionsUrl, SessionRecord session, string cursor) => new()
    {
        Id = $"session {session.Cpo} {session.Id} {cursor}",
        What = Session,
        Method = "PUT",
        Url = OcpiUrls.Join(sessionsUrl, $"{session.Cpo.CountryCode}/{session.Cpo.PartyId}/{Uri.EscapeDataString(session.Id)}"),
        Body = JsonSerializer.Serialize(OcpiSessionMapping.ToOcpi(session), OcpiJson.Options),
        From = session.Cpo,
        OrderKey = $"session {session.Cpo} {session.Id}",
        Replaceable = true,
    };

    /// <summary>
    /// <c>POST {cdrs}</c> with the CDR as the CPO sent it (DESIGN.md, OCPI choice 10), and beside the CPO's figures the
    /// hub's check of them: <c>clearinghouse_price_check</c> (MATCHED, MISMATCH, ...) and, when the hub priced it,
    /// <c>clearinghouse_price</c> (the hub's own breakdown).
    /// </summary>
    public static OcpiDelivery PostCdr(string cdrsUrl, StoredCdr cdr)
    {
        var body = JsonNode.Parse(cdr.OcpiJson)?.AsObject() ?? [];
        body["clearinghouse_price_check"] = OcpiFields.Name(cdr.PriceCheck);
        if (cdr.HubPriceJson is { Length: > 0 } price)
        {
            body["clearinghouse_price"] = JsonNode.Parse(price);
        }

        return new OcpiDelivery
        {
            Id = $"cdr {cdr.Cpo} {cdr.Id}",
            What = Cdr,
            Method = "POST",
            Url = cdrsUrl,
            Body = body.ToJsonString(OcpiJson.Options),
            From = cdr.Cpo,
        };
    }

    /// <summary><c>PUT {hubclientinfo}/{cc}/{party}</c> with a counterpart's ClientInfo, from the hub; the latest per counterpart wins.</summary>
    public static OcpiDelivery ClientInfo(string clientInfoUrl, OcpiHubClientInfoModule.ClientInfoJson info) => new()
    {
        Id = $"clientinfo {OcpiHubClientInfoModule.Key(info)} {info.Status} {Guid.NewGuid():N}",
        What = ClientInfoCall,
        Method = "PUT",
        Url = OcpiUrls.Join(clientInfoUrl, $"{info.CountryCode}/{info.PartyId}"),
        Body = JsonSerializer.Serialize(info, OcpiJson.Options),
        OrderKey = "clientinfo " + OcpiHubClientInfoModule.Key(info),
        Replaceable = true,
    };

    /// <summary>What a platform was told, as the client-info feed's cursor: <c>key=status</c> pairs separated by spaces.</summary>
    public static string ClientInfoCursor(IEnumerable<OcpiHubClientInfoModule.ClientInfoJson> infos) =>
        string.Join(' ', infos.Select(i => OcpiHubClientInfoModule.Key(i) + "=" + i.Status));

    /// <summary>The pairs of <see cref="ClientInfoCursor"/>.</summary>
    public static Dictionary<string, string> ParseClientInfo(string? cursor) =>
        (cursor ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}

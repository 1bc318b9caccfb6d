using System.Globalization;
using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>OCPI objects of a roaming pair for the sessions, CDRs and tariffs tests, and reading the paging headers.</summary>
internal static class OcpiRoamingData
{
    /// <summary>An hour ago, to the second: times partners send are whole seconds, never in the hub's future.</summary>
    public static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Receiver(string module, PartyRef party, string id) => $"/ocpi/2.2.1/receiver/{module}/{party.CountryCode}/{party.PartyId}/{id}";

    /// <summary>Publishes location LOC1 (EVSE E1, connector 1) of the pair's CPO over gRPC: sessions run at a known location.</summary>
    public static Task PublishLocationAsync(HubHost hub, Roaming r) =>
        new LocationService.LocationServiceClient(hub.Channel(r.CpoSecret)).PutLocationAsync(new PutLocationRequest { Location = Locations.LocationTestData.Location("LOC1", evses: 1) }).ResponseAsync;

    /// <summary>An OCPI session of the pair's CPO for the pair's EMSP's token, at LOC1/E1, last updated at T + <paramref name="minute"/>.</summary>
    public static JsonObject Session(Roaming r, string id, string status = "ACTIVE", decimal kwh = 1.5m, int minute = 0) => new()
    {
        ["country_code"] = r.Cpo.CountryCode,
        ["party_id"] = r.Cpo.PartyId,
        ["id"] = id,
        ["start_date_time"] = Time(T),
        ["kwh"] = kwh,
        ["cdr_token"] = new JsonObject
        {
            ["country_code"] = r.Emsp.CountryCode,
            ["party_id"] = r.Emsp.PartyId,
            ["uid"] = "TOKEN1",
            ["type"] = "RFID",
            ["contract_id"] = "DE-XYZ-C0001",
        },
        ["auth_method"] = "WHITELIST",
        ["location_id"] = "LOC1",
        ["evse_uid"] = "E1",
        ["connector_id"] = "1",
        ["currency"] = "EUR",
        ["status"] = status,
        ["last_updated"] = Time(T.AddMinutes(minute)),
    };

    /// <summary>The target of the <c>Link: &lt;...&gt;; rel="next"</c> header, or null when there is none.</summary>
    public static string? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        var link = values.Single();
        Assert.Contains("rel=\"next\"", link, StringComparison.Ordinal);
        return link[(link.IndexOf('<', StringComparison.Ordinal) + 1)..link.IndexOf('>', StringComparison.Ordinal)];
    }

    /// <summary>A header's one value.</summary>
    public static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    /// <summary>(HTTP, OCPI code) of an answer, with its message when it is not the expected pair.</summary>
    public static async Task<(int Http, int Code, JsonNode? Data, HttpResponseMessage Response)> ExpectAsync(Task<HttpResponseMessage> call, int http, int code, string what)
    {
        var (h, c, data, message, response) = await ReadAsync(await call);
        Assert.True((h, c) == (http, code), $"{what}: HTTP {h}, {c} ({message}); expected HTTP {http}, {code}");
        return (h, c, data, response);
    }
}

using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using static ClearingHouse.Server.Tests.Ocpi.OcpiRoamingData;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>
/// Charging profiles between an EMSP platform and a CPO platform on OCPI (both real Kestrel servers): the hub routes
/// the EMSP's request to the CPO with its own response_url, answers the CPO's ChargingProfileResponse, and relays the
/// CPO's asynchronous result to the EMSP's response_url through the EMSP's durable outbox.
/// </summary>
public sealed class OcpiChargingProfilesTests(OcpiOutboundFixture fixture) : IClassFixture<OcpiOutboundFixture>
{
    private const string Profile = """{"charging_rate_unit":"W","charging_profile_period":[{"start_period":0,"limit":11000},{"start_period":900,"limit":7400}]}""";

    [Fact]
    public async Task SetAndGetProfile_EmspOfActiveSession_RoutedToCpoAndResultsRelayed()
    {
        await using var cpoPlatform = await ScriptedOcpiPartner.StartAsync();
        await using var emspPlatform = await ScriptedOcpiPartner.StartAsync();
        cpoPlatform.Handler = (context, _) => ScriptedOcpiPartner.Envelope(context, """{"result":"ACCEPTED","timeout":30}""");
        var (r, cpo, emsp) = await SetUpAsync(cpoPlatform, emspPlatform);

        // Set: the CPO platform gets the profile on the session with the hub's response_url; the EMSP gets ACCEPTED.
        var setUrl = new Uri(emspPlatform.Address, "emsp/profile-results/set").ToString();
        var (_, _, data, _) = await ExpectAsync(emsp.SendAsync(ToCpo(HttpMethod.Put, "/ocpi/2.2.1/chargingprofiles/P1", r,
            $$"""{"charging_profile":{{Profile}},"response_url":"{{setUrl}}"}""")), 200, 1000, "PUT charging profile");
        Assert.Equal(("ACCEPTED", 30), ((string?)data!["result"], (int?)data["timeout"]));
        var put = cpoPlatform.To("/ocpi/2.2.1/chargingprofiles/P1").Single();
        Assert.Equal("PUT", put.Method);
        var sent = JsonNode.Parse(put.Body)!;
        Assert.Equal(("W", 7400m), ((string?)sent["charging_profile"]!["charging_rate_unit"], (decimal?)sent["charging_profile"]!["charging_profile_period"]![1]!["limit"]));
        Assert.Equal((r.Emsp.CountryCode, r.Emsp.PartyId), (put["OCPI-from-country-code"], put["OCPI-from-party-id"]));
        var hubResponseUrl = (string)sent["response_url"]!;
        Assert.Contains("/ocpi/2.2.1/chargingprofiles/results/", hubResponseUrl, StringComparison.Ordinal);

        // The CPO's result reaches the EMSP's response_url.
        await ExpectAsync(cpo.PostAsync(hubResponseUrl, Json("""{"result":"ACCEPTED"}""")), 200, 1000, "POST ChargingProfileResult");
        var relayed = await emspPlatform.WaitForAsync("/emsp/profile-results/set");
        Assert.Equal("ACCEPTED", (string?)JsonNode.Parse(relayed.Body)!["result"]);
        await ExpectAsync(cpo.PostAsync(hubResponseUrl, Json("""{"result":"REJECTED"}""")), 404, 2003, "a second result");

        // Get: the duration travels to the CPO; its ActiveChargingProfile reaches the EMSP with the result.
        var getUrl = new Uri(emspPlatform.Address, "emsp/profile-results/get").ToString();
        await ExpectAsync(emsp.SendAsync(ToCpo(HttpMethod.Get, $"/ocpi/2.2.1/chargingprofiles/P1?duration=900&response_url={Uri.EscapeDataString(getUrl)}", r)),
            200, 1000, "GET active charging profile");
        var get = cpoPlatform.To("/ocpi/2.2.1/chargingprofiles/P1?").Single();
        Assert.Contains("duration=900", get.PathAndQuery, StringComparison.Ordinal);
        var getResponseUrl = Uri.UnescapeDataString(get.PathAndQuery[(get.PathAndQuery.IndexOf("response_url=", StringComparison.Ordinal) + "response_url=".Length)..]);
        await ExpectAsync(cpo.PostAsync(getResponseUrl, Json($$$"""{"result":"ACCEPTED","profile":{"start_date_time":"{{{Time(T)}}}","charging_profile":{{{Profile}}}}}""")),
            200, 1000, "POST ActiveChargingProfileResult");
        var active = JsonNode.Parse((await emspPlatform.WaitForAsync("/emsp/profile-results/get")).Body)!;
        Assert.Equal(("ACCEPTED", 11000m), ((string?)active["result"], (decimal?)active["profile"]!["charging_profile"]!["charging_profile_period"]![0]!["limit"]));

        // Clear: routed as a DELETE.
        await ExpectAsync(emsp.SendAsync(ToCpo(HttpMethod.Delete, $"/ocpi/2.2.1/chargingprofiles/P1?response_url={Uri.EscapeDataString(setUrl)}", r)),
            200, 1000, "DELETE charging profile");
        Assert.Contains(cpoPlatform.Requests, q => q.Method == "DELETE" && q.PathAndQuery.StartsWith("/ocpi/2.2.1/chargingprofiles/P1?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetProfile_NotTheSessionsEmspOrSessionNotActiveOrBadProfile_RefusedNothingSent()
    {
        await using var cpoPlatform = await ScriptedOcpiPartner.StartAsync();
        await using var emspPlatform = await ScriptedOcpiPartner.StartAsync();
        await using var otherPlatform = await ScriptedOcpiPartner.StartAsync();
        cpoPlatform.Handler = (context, _) => ScriptedOcpiPartner.Envelope(context, """{"result":"ACCEPTED","timeout":30}""");
        var (r, cpo, emsp) = await SetUpAsync(cpoPlatform, emspPlatform);
        var admin = fixture.Hub.Channel(fixture.Hub.OperatorSecret);
        var otherEmsp = Parties.Unique(PartyRole.Emsp, "DE");
        await Parties.RegisterWithCredentialAsync(admin, otherEmsp);
        await new PartyAdminService.PartyAdminServiceClient(admin).SetAgreementAsync(new SetAgreementRequest { Cpo = r.Cpo, Emsp = otherEmsp });
        using var other = fixture.Client(await fixture.RegisterAsync(otherEmsp, otherPlatform));
        var body = $$"""{"charging_profile":{{Profile}},"response_url":"{{new Uri(emspPlatform.Address, "emsp/r")}}"}""";

        await ExpectAsync(other.SendAsync(ToCpo(HttpMethod.Put, "/ocpi/2.2.1/chargingprofiles/P1", r, body)), 403, 2000, "another EMSP's session");
        await ExpectAsync(emsp.SendAsync(ToCpo(HttpMethod.Put, "/ocpi/2.2.1/chargingprofiles/NOPE", r, body)), 404, 2003, "an unknown session");
        await ExpectAsync(emsp.SendAsync(ToCpo(HttpMethod.Put, "/ocpi/2.2.1/chargingprofiles/P1", r,
            body.Replace("\"W\"", "\"KW\"", StringComparison.Ordinal))), 400, 2001, "an unknown charging_rate_unit");
        await ExpectAsync(emsp.SendAsync(ToCpo(HttpMethod.Get, "/ocpi/2.2.1/chargingprofiles/P1?response_url=https%3A%2F%2F127.0.0.1%2Fr", r)), 400, 2001, "GET without duration");

        await ExpectAsync(cpo.PatchAsync(Receiver("sessions", r.Cpo, "P1"),
            Json($$"""{"status":"COMPLETED","end_date_time":"{{Time(T.AddMinutes(30))}}","last_updated":"{{Time(T.AddMinutes(30))}}"}""")), 200, 1000, "PATCH COMPLETED");
        await ExpectAsync(emsp.SendAsync(ToCpo(HttpMethod.Put, "/ocpi/2.2.1/chargingprofiles/P1", r, body)), 409, 2000, "a completed session");
        Assert.Empty(cpoPlatform.To("/ocpi/2.2.1/chargingprofiles"));
    }

    // A roaming pair (gRPC credentials, agreement, LOC1), both parties registered over OCPI with their platforms, and
    // session P1 ACTIVE at the CPO for the EMSP's token; the CPO's and the EMSP's OCPI clients.
    private async Task<(Roaming R, HttpClient Cpo, HttpClient Emsp)> SetUpAsync(ScriptedOcpiPartner cpoPlatform, ScriptedOcpiPartner emspPlatform)
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        await PublishLocationAsync(fixture.Hub, r);
        var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo, cpoPlatform));
        var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp, emspPlatform));
        await ExpectAsync(cpo.PutAsync(Receiver("sessions", r.Cpo, "P1"), Json(Session(r, "P1").ToJsonString())), 201, 1000, "PUT session");
        return (r, cpo, emsp);
    }

    private static HttpRequestMessage ToCpo(HttpMethod method, string url, Roaming r, string? body = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : Json(body) };
        request.Headers.Add("OCPI-to-country-code", r.Cpo.CountryCode);
        request.Headers.Add("OCPI-to-party-id", r.Cpo.PartyId);
        return request;
    }
}

using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Locations;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>
/// Real-time authorization routed to an EMSP's own OCPI platform (a real Kestrel server): the CPO asks over gRPC or
/// OCPI, the hub asks the platform with its TOKEN_B and the routing headers, and the platform's answer, its silence or
/// its absence decide exactly as the gRPC channel's would.
/// </summary>
public sealed class OcpiRemoteAuthorizationTests(OcpiOutboundFixture fixture) : IClassFixture<OcpiOutboundFixture>
{
    [Fact]
    public async Task Authorize_PlatformAnswers_ItsDecisionOverGrpcAndOcpi()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        var (r, cpo, card) = await SetUpAsync(platform, "ALLOWED");
        platform.Handler = (context, _) => ScriptedOcpiPartner.Envelope(context, """{"allowed":"BLOCKED","authorization_reference":"EMSP-REF-1","info":{"language":"en","text":"Card reported stolen"}}""");

        var grpc = await Grpc(r).AuthorizeAsync(new AuthorizeRequest { Uid = card, Type = TokenType.Rfid, Location = new LocationReferences { LocationId = "LOC1", EvseUids = { "E1" } } });
        Assert.Equal((AllowedType.Blocked, DecisionSource.MspRealTime, "Card reported stolen"), (grpc.Authorization.Allowed, grpc.Source, grpc.Authorization.Info?.Text));

        var asked = platform.To($"/ocpi/2.2.1/tokens/{card}/authorize").Single();
        Assert.Equal($"/ocpi/2.2.1/tokens/{card}/authorize?type=RFID", asked.PathAndQuery);
        Assert.Equal("POST", asked.Method);
        Assert.Equal((r.Cpo.CountryCode, r.Cpo.PartyId, r.Emsp.CountryCode, r.Emsp.PartyId),
            (asked["OCPI-from-country-code"], asked["OCPI-from-party-id"], asked["OCPI-to-country-code"], asked["OCPI-to-party-id"]));
        Assert.False(string.IsNullOrEmpty(asked["X-Request-ID"]));
        var location = JsonNode.Parse(asked.Body)!;
        Assert.Equal(("LOC1", "E1"), ((string?)location["location_id"], (string?)location["evse_uids"]![0]));

        // Over OCPI: the same decision, and the CPO's correlation id travels to the platform.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/ocpi/2.2.1/tokens/{card}/authorize");
        request.Headers.Add("X-Correlation-ID", "corr-from-cpo-42");
        var (http, code, data, message, _) = await ReadAsync(await cpo.SendAsync(request));
        Assert.True((http, code) == (200, 1000), $"authorize: HTTP {http}, {code}: {message}");
        Assert.Equal("BLOCKED", (string?)data!["allowed"]);
        Assert.Contains(platform.To($"/ocpi/2.2.1/tokens/{card}/authorize"), a => a["X-Correlation-ID"] == "corr-from-cpo-42");
    }

    [Theory]
    [InlineData("ALLOWED_OFFLINE", AllowedType.Allowed)]
    [InlineData("NEVER", AllowedType.NotAllowed)]
    public async Task Authorize_PlatformHangs_TimeoutFallbackOfTheWhitelist(string whitelist, AllowedType expected)
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        var (r, _, card) = await SetUpAsync(platform, whitelist);
        platform.Handler = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);

        var grpc = await Grpc(r).AuthorizeAsync(new AuthorizeRequest { Uid = card, Type = TokenType.Rfid }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal((expected, DecisionSource.FallbackTimeout), (grpc.Authorization.Allowed, grpc.Source));
        Assert.False(string.IsNullOrEmpty(grpc.Authorization.AuthorizationReference));
    }

    [Theory]
    [InlineData("ALLOWED_OFFLINE", AllowedType.Allowed, DecisionSource.FallbackNoChannel)]
    [InlineData("NEVER", AllowedType.NotAllowed, DecisionSource.FallbackNoChannel)]
    [InlineData("ALLOWED", AllowedType.Allowed, DecisionSource.HubCopy)]
    public async Task Authorize_PlatformDownOrRefusesTheHubsToken_NoChannelFallback(string whitelist, AllowedType expected, DecisionSource source)
    {
        var platform = await ScriptedOcpiPartner.StartAsync();
        var (r, cpo, card) = await SetUpAsync(platform, whitelist);

        // The platform no longer accepts the hub's TOKEN_B: a 401 is no answer.
        platform.ExpectOtherToken();
        var grpc = await Grpc(r).AuthorizeAsync(new AuthorizeRequest { Uid = card, Type = TokenType.Rfid });
        Assert.Equal((expected, source), (grpc.Authorization.Allowed, grpc.Source));

        // The platform is down: the same, over OCPI too (never a 5xx to the CPO).
        await platform.DisposeAsync();
        grpc = await Grpc(r).AuthorizeAsync(new AuthorizeRequest { Uid = card, Type = TokenType.Rfid });
        Assert.Equal((expected, source), (grpc.Authorization.Allowed, grpc.Source));
        var (http, code, data, message, _) = await ReadAsync(await cpo.PostAsync($"/ocpi/2.2.1/tokens/{card}/authorize", null));
        Assert.True((http, code) == (200, 1000), $"authorize: HTTP {http}, {code}: {message}");
        Assert.Equal(expected == AllowedType.Allowed ? "ALLOWED" : "NOT_ALLOWED", (string?)data!["allowed"]);
    }

    [Fact]
    public async Task Authorize_PlatformAnswersGarbageOrUnknownToken_NoChannelOrItsRefusal()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        var (r, _, card) = await SetUpAsync(platform, "ALLOWED_OFFLINE");

        platform.Handler = (context, _) => ScriptedOcpiPartner.Envelope(context, """{"allowed":"MAYBE"}""");
        var grpc = await Grpc(r).AuthorizeAsync(new AuthorizeRequest { Uid = card, Type = TokenType.Rfid });
        Assert.Equal((AllowedType.Allowed, DecisionSource.FallbackNoChannel), (grpc.Authorization.Allowed, grpc.Source));

        platform.Handler = (context, _) => ScriptedOcpiPartner.Envelope(context, "null", statusCode: 2004, http: 404);
        grpc = await Grpc(r).AuthorizeAsync(new AuthorizeRequest { Uid = card, Type = TokenType.Rfid });
        Assert.Equal((AllowedType.NotAllowed, DecisionSource.MspRealTime), (grpc.Authorization.Allowed, grpc.Source));
    }

    private TokenService.TokenServiceClient Grpc(Roaming r) => new(fixture.Hub.Channel(r.CpoSecret));

    // A CPO (gRPC and OCPI) and an EMSP whose platform is registered over OCPI and pushed a card of its own with the whitelist.
    private async Task<(Roaming Roaming, HttpClient Cpo, string Card)> SetUpAsync(ScriptedOcpiPartner platform, string whitelist)
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        var card = "C" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp, platform));
        await using var cpoPlatform = await ScriptedOcpiPartner.StartAsync();
        var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo, cpoPlatform));
        var token = new JsonObject
        {
            ["country_code"] = r.Emsp.CountryCode,
            ["party_id"] = r.Emsp.PartyId,
            ["uid"] = card,
            ["type"] = "RFID",
            ["contract_id"] = $"{r.Emsp.CountryCode}-{r.Emsp.PartyId}-{card}",
            ["issuer"] = "Scripted",
            ["valid"] = true,
            ["whitelist"] = whitelist,
            ["last_updated"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        }.ToJsonString();
        var (http, code, _, message, _) = await ReadAsync(await emsp.PutAsync($"/ocpi/2.2.1/receiver/tokens/{r.Emsp.CountryCode}/{r.Emsp.PartyId}/{card}", Json(token)));
        Assert.True((http, code) == (201, 1000), $"PUT token: HTTP {http}, {code}: {message}");
        return (r, cpo, card);
    }
}

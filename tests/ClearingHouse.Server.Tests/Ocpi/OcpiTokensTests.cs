using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Locations;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>The tokens module over real HTTP: an EMSP pushes over OCPI, CPOs ask over OCPI and gRPC, the same answers.</summary>
public sealed class OcpiTokensTests(OcpiHubFixture fixture) : IClassFixture<OcpiHubFixture>
{
    [Fact]
    public async Task Authorize_TokenPushedOverOcpi_SameDecisionOverOcpiAndGrpc()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp));
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));

        var (http, code, _, message, _) = await ReadAsync(await emsp.PutAsync(Receiver(r.Emsp, "CARD1"), Json(Token(r.Emsp, "CARD1"))));
        Assert.True((http, code) == (201, 1000), $"PUT token: HTTP {http}, {code}: {message}");
        (http, code, _, _, _) = await ReadAsync(await emsp.PutAsync(Receiver(r.Emsp, "CARD1"), Json(Token(r.Emsp, "CARD1"))));
        Assert.Equal((200, 1000), (http, code));
        var (_, _, data, _, _) = await ReadAsync(await emsp.GetAsync(Receiver(r.Emsp, "CARD1") + "?type=RFID"));
        Assert.Equal(("CARD1", "ALWAYS"), ((string?)data!["uid"], (string?)data["whitelist"]));

        (http, code, data, message, _) = await ReadAsync(await cpo.PostAsync("/ocpi/2.2.1/tokens/CARD1/authorize?type=RFID", null));
        Assert.True((http, code) == (200, 1000), $"authorize: HTTP {http}, {code}: {message}");
        Assert.Equal("ALLOWED", (string?)data!["allowed"]);
        Assert.False(string.IsNullOrEmpty((string?)data["authorization_reference"]));
        var grpc = await new TokenService.TokenServiceClient(fixture.Hub.Channel(r.CpoSecret)).AuthorizeAsync(new AuthorizeRequest { Uid = "CARD1", Type = TokenType.Rfid });
        Assert.Equal(AllowedType.Allowed, grpc.Authorization.Allowed);

        // The EMSP blocks the card: both edges answer BLOCKED.
        (http, code, _, message, _) = await ReadAsync(await emsp.PatchAsync(Receiver(r.Emsp, "CARD1"), Json($$"""{"valid":false,"last_updated":"{{DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'}}"}""")));
        Assert.True((http, code) == (200, 1000), $"PATCH token: HTTP {http}, {code}: {message}");
        (_, _, data, _, _) = await ReadAsync(await cpo.PostAsync("/ocpi/2.2.1/tokens/CARD1/authorize", null));
        grpc = await new TokenService.TokenServiceClient(fixture.Hub.Channel(r.CpoSecret)).AuthorizeAsync(new AuthorizeRequest { Uid = "CARD1", Type = TokenType.Rfid });
        Assert.Equal(("BLOCKED", AllowedType.Blocked), ((string?)data!["allowed"], grpc.Authorization.Allowed));
    }

    [Fact]
    public async Task Authorize_UnknownToken_404With2004()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        var (http, code, _, _, _) = await ReadAsync(await cpo.PostAsync("/ocpi/2.2.1/tokens/NOSUCHCARD/authorize", null));
        Assert.Equal((404, 2004), (http, code));
    }

    [Fact]
    public async Task Tokens_Denials_CpoPushesTokenEmspAuthorizesForeignEmspPath()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        var other = await Roaming.SetUpAsync(fixture.Hub);
        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp));
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        Assert.Equal(403, (await ReadAsync(await cpo.PutAsync(Receiver(r.Cpo, "X"), Json(Token(r.Cpo, "X"))))).Http);
        Assert.Equal(403, (await ReadAsync(await emsp.PostAsync("/ocpi/2.2.1/tokens/X/authorize", null))).Http);
        Assert.Equal(403, (await ReadAsync(await emsp.PutAsync(Receiver(other.Emsp, "X"), Json(Token(other.Emsp, "X"))))).Http);
        var (http, code, _, message, _) = await ReadAsync(await emsp.PutAsync(Receiver(r.Emsp, "Y"), Json(Token(r.Emsp, "Y").Replace("ALWAYS", "SOMETIMES", StringComparison.Ordinal))));
        Assert.Equal((400, 2001), (http, code));
        Assert.StartsWith("whitelist", message, StringComparison.Ordinal);
    }

    private static string Receiver(PartyRef party, string uid) => $"/ocpi/2.2.1/receiver/tokens/{party.CountryCode}/{party.PartyId}/{uid}";

    private static string Token(PartyRef emsp, string uid) => new JsonObject
    {
        ["country_code"] = emsp.CountryCode,
        ["party_id"] = emsp.PartyId,
        ["uid"] = uid,
        ["type"] = "RFID",
        ["contract_id"] = $"{emsp.CountryCode}-{emsp.PartyId}-C{uid}",
        ["issuer"] = "Test issuer",
        ["valid"] = true,
        ["whitelist"] = "ALWAYS",
        ["last_updated"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
    }.ToJsonString();
}

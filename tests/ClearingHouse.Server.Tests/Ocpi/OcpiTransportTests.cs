using ClearingHouse.Contracts.V1;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>The OCPI transport over real HTTP: tokens in both forms, ids, routing headers, the envelope.</summary>
public sealed class OcpiTransportTests(OcpiHubFixture fixture) : IClassFixture<OcpiHubFixture>
{
    [Fact]
    public async Task Versions_WithoutToken_Is401InEnvelope()
    {
        using var client = fixture.Client(null);
        var (http, code, _, message, _) = await ReadAsync(await client.GetAsync("/ocpi/versions"));
        Assert.Equal(401, http);
        Assert.Equal(2000, code);
        Assert.Contains("Authorization", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Versions_WrongToken_Is401()
    {
        var (party, _) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);
        using var client = fixture.Client($"{party}.{new string('A', 43)}");
        var (http, _, _, _, _) = await ReadAsync(await client.GetAsync("/ocpi/versions"));
        Assert.Equal(401, http);
    }

    [Fact]
    public async Task Versions_TokenABase64AndPlain_ListsVersion221()
    {
        var (_, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);
        using var base64 = fixture.Client(tokenA);
        var (http, code, data, _, _) = await ReadAsync(await base64.GetAsync("/ocpi/versions"));
        Assert.Equal((200, 1000), (http, code));
        Assert.Equal("2.2.1", (string?)data![0]!["version"]);
        Assert.Equal(new Uri(fixture.OcpiUrl, "/ocpi/2.2.1").ToString(), (string?)data[0]!["url"]);

        using var plain = fixture.Client(null);
        plain.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Token " + tokenA);
        (http, code, data, _, _) = await ReadAsync(await plain.GetAsync("/ocpi/2.2.1"));
        Assert.Equal((200, 1000), (http, code));
        Assert.Contains(data!["endpoints"]!.AsArray(), e => (string?)e!["identifier"] == "credentials");
    }

    [Fact]
    public async Task Request_Ids_RequestIdEchoedCorrelationIdKept()
    {
        var (_, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Emsp);
        using var client = fixture.Client(tokenA);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ocpi/versions");
        request.Headers.Add("X-Request-ID", "req-1");
        request.Headers.Add("X-Correlation-ID", "corr-1");
        using var response = await client.SendAsync(request);
        Assert.Equal("req-1", response.Headers.GetValues("X-Request-ID").Single());
        Assert.Equal("corr-1", response.Headers.GetValues("X-Correlation-ID").Single());

        using var bare = await client.GetAsync("/ocpi/versions");
        Assert.NotEmpty(bare.Headers.GetValues("X-Request-ID").Single());
        Assert.NotEmpty(bare.Headers.GetValues("X-Correlation-ID").Single());
    }

    [Fact]
    public async Task RoutingHeaders_FromAnotherParty_Refused403With2001()
    {
        var (party, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);
        using var client = fixture.Client(tokenA);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ocpi/versions");
        request.Headers.Add("OCPI-from-country-code", "DE");
        request.Headers.Add("OCPI-from-party-id", party.PartyId);
        var (http, code, _, message, _) = await ReadAsync(await client.SendAsync(request));
        Assert.Equal((403, 2001), (http, code));
        Assert.Contains("OCPI-from-country-code", message, StringComparison.Ordinal);

        using var own = new HttpRequestMessage(HttpMethod.Get, "/ocpi/versions");
        own.Headers.Add("OCPI-from-country-code", party.CountryCode);
        own.Headers.Add("OCPI-from-party-id", party.PartyId.ToLowerInvariant());
        own.Headers.Add("OCPI-to-country-code", "NL");
        own.Headers.Add("OCPI-to-party-id", "CHH");
        (http, code, _, _, _) = await ReadAsync(await client.SendAsync(own));
        Assert.Equal((200, 1000), (http, code));
    }
}

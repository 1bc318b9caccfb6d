using System.Text;
using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Ocpi.Credentials;
using Microsoft.Extensions.DependencyInjection;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using PartyRole = ClearingHouse.Contracts.V1.PartyRole;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>The registration handshake with a partner platform that is itself a real Kestrel server.</summary>
public sealed class OcpiCredentialsTests(OcpiHubFixture fixture) : IClassFixture<OcpiHubFixture>
{
    [Fact]
    public async Task Handshake_PostPutDelete_TokensAndEndpointsAsTheSpecSays()
    {
        await using var partner = await FakeOcpiPartner.StartAsync();
        var (party, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);

        using var withA = fixture.Client(tokenA);
        var (http, code, data, message, _) = await ReadAsync(await withA.PostAsync("/ocpi/2.2.1/credentials", Json(Credentials(partner, party))));
        Assert.True((http, code) == (200, 1000), $"POST credentials: HTTP {http}, {code}: {message}");
        var tokenC = (string)data!["token"]!;
        Assert.NotEqual(tokenA, tokenC);
        Assert.True(tokenC.Length <= 64, tokenC);
        Assert.Equal(new Uri(fixture.OcpiUrl, "/ocpi/versions").ToString(), (string?)data["url"]);
        Assert.Equal("HUB", (string?)data["roles"]![0]!["role"]);

        // The hub read the partner's versions and details with TOKEN_B, in 2.2.1's base64 form.
        var expected = "Token " + Convert.ToBase64String(Encoding.UTF8.GetBytes(partner.TokenB));
        Assert.Contains(partner.Requests, r => r.Path == "/ocpi/versions" && r.Authorization == expected);
        Assert.Contains(partner.Requests, r => r.Path == "/ocpi/2.2.1" && r.Authorization == expected);
        var view = await fixture.Hub.Services.GetRequiredService<IGrainFactory>().GetGrain<IOcpiPartnerGrain>(party.ToString()).Get();
        Assert.Equal(["credentials", "locations", "tokens"], view.Registration!.Endpoints.Select(e => e.Identifier));

        // TOKEN_A is spent; TOKEN_C reads the credentials; POST again is 405.
        Assert.Equal(401, (await ReadAsync(await withA.GetAsync("/ocpi/versions"))).Http);
        using var withC = fixture.Client(tokenC);
        (http, code, data, _, _) = await ReadAsync(await withC.GetAsync("/ocpi/2.2.1/credentials"));
        Assert.Equal((200, 1000, tokenC), (http, code, (string?)data!["token"]));
        Assert.Equal(405, (await ReadAsync(await withC.PostAsync("/ocpi/2.2.1/credentials", Json(Credentials(partner, party))))).Http);

        // PUT: a new TOKEN_C, the old one stops working.
        (http, code, data, message, _) = await ReadAsync(await withC.PutAsync("/ocpi/2.2.1/credentials", Json(Credentials(partner, party))));
        Assert.True((http, code) == (200, 1000), $"PUT credentials: HTTP {http}, {code}: {message}");
        var tokenC2 = (string)data!["token"]!;
        Assert.Equal(401, (await ReadAsync(await withC.GetAsync("/ocpi/2.2.1/credentials"))).Http);

        // DELETE: unregistered; the token stops working; a new TOKEN_A may not PUT or DELETE (405).
        using var withC2 = fixture.Client(tokenC2);
        Assert.Equal((200, 1000), Pair(await ReadAsync(await withC2.DeleteAsync("/ocpi/2.2.1/credentials"))));
        Assert.Equal(401, (await ReadAsync(await withC2.GetAsync("/ocpi/2.2.1/credentials"))).Http);
        var tokenA2 = await fixture.Hub.Services.GetRequiredService<OcpiPartners>().IssueTokenAAsync(new Application.Access.CallerIdentity(null, "test"), party);
        var audit = await fixture.Hub.Services.GetRequiredService<IAuditStore>().ListAsync(new AuditQuery { Limit = 10, Action = "ocpi.token_a", Target = party.ToString() });
        Assert.True(audit.Count >= 2, $"TOKEN_A issues in the audit log for {party}: {audit.Count}");
        Assert.All(audit, e => Assert.DoesNotContain(tokenA2, e.Detail, StringComparison.Ordinal));
        using var withA2 = fixture.Client(tokenA2);
        Assert.Equal(405, (await ReadAsync(await withA2.PutAsync("/ocpi/2.2.1/credentials", Json(Credentials(partner, party))))).Http);
        Assert.Equal(405, (await ReadAsync(await withA2.DeleteAsync("/ocpi/2.2.1/credentials"))).Http);
    }

    [Fact]
    public async Task Handshake_TokenB_EncryptedAtRestNeverInTheStore()
    {
        await using var partner = await FakeOcpiPartner.StartAsync();
        var (party, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Emsp);
        using var withA = fixture.Client(tokenA);
        var (http, code, _, message, _) = await ReadAsync(await withA.PostAsync("/ocpi/2.2.1/credentials", Json(Credentials(partner, party))));
        Assert.True((http, code) == (200, 1000), $"POST credentials: HTTP {http}, {code}: {message}");

        var view = await fixture.Hub.Services.GetRequiredService<IGrainFactory>().GetGrain<IOcpiPartnerGrain>(party.ToString()).Get();
        Assert.DoesNotContain(partner.TokenB, view.Registration!.ProtectedTokenB, StringComparison.Ordinal);
        Assert.Equal(partner.TokenB, fixture.Hub.Services.GetRequiredService<OcpiSecretProtector>().Unprotect(view.Registration.ProtectedTokenB));
        foreach (var file in Directory.GetFiles(fixture.DataDirectory, "clearinghouse.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            Assert.DoesNotContain(partner.TokenB, await reader.ReadToEndAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(FakeOcpiPartner.Behaviour.Redirect, "redirect")]
    [InlineData(FakeOcpiPartner.Behaviour.Garbage, "not JSON")]
    [InlineData(FakeOcpiPartner.Behaviour.Hang, "did not answer")]
    public async Task Handshake_PartnerMisbehaves_3001AndNothingStored(FakeOcpiPartner.Behaviour behaviour, string reason)
    {
        await using var partner = await FakeOcpiPartner.StartAsync();
        partner.Mode = behaviour;
        var (party, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);
        using var withA = fixture.Client(tokenA);
        var (http, code, _, message, _) = await ReadAsync(await withA.PostAsync("/ocpi/2.2.1/credentials", Json(Credentials(partner, party))));
        Assert.Equal((502, 3001), (http, code));
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.DoesNotContain(partner.TokenB, message, StringComparison.Ordinal);

        // Nothing stored: TOKEN_A still works, and the partner can retry once it behaves.
        partner.Mode = FakeOcpiPartner.Behaviour.Normal;
        (http, code, _, message, _) = await ReadAsync(await withA.PostAsync("/ocpi/2.2.1/credentials", Json(Credentials(partner, party))));
        Assert.True((http, code) == (200, 1000), $"retry: HTTP {http}, {code}: {message}");
    }

    [Theory]
    [InlineData("{\"token\": \"abc\", \"url\": ", "url")]
    [InlineData("[1, 2]", "body")]
    [InlineData("{\"url\": \"http://127.0.0.1:1/ocpi/versions\", \"roles\": []}", "token")]
    [InlineData("{\"token\": \"abc\", \"roles\": []}", "url")]
    [InlineData("{\"token\": \"abc\", \"url\": 12, \"roles\": []}", "url")]
    [InlineData("{\"token\": \"abc\", \"url\": \"ftp://x/versions\", \"roles\": []}", "url")]
    [InlineData("{\"token\": \"abc\", \"url\": \"http://127.0.0.1:1/ocpi/versions\", \"roles\": [{\"role\": \"BANK\", \"business_details\": {\"name\": \"x\"}, \"party_id\": \"ABC\", \"country_code\": \"NL\"}]}", "roles[0].role")]
    [InlineData("{\"token\": \"abc\", \"url\": \"http://127.0.0.1:1/ocpi/versions\", \"roles\": [{\"role\": \"CPO\", \"business_details\": {\"name\": \"x\"}, \"party_id\": \"ABCD\", \"country_code\": \"NL\"}]}", "roles[0].party_id")]
    [InlineData("{\"token\": \"abc\", \"url\": \"http://127.0.0.1:1/ocpi/versions\", \"roles\": [{\"role\": \"CPO\", \"party_id\": \"ABC\", \"country_code\": \"NL\"}]}", "roles[0].business_details")]
    public async Task Post_BadInput_400With2001NamingTheField(string body, string field)
    {
        var (_, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);
        using var withA = fixture.Client(tokenA);
        var (http, code, _, message, _) = await ReadAsync(await withA.PostAsync("/ocpi/2.2.1/credentials", Json(body)));
        Assert.Equal((400, 2001), (http, code));
        Assert.StartsWith(field, message, StringComparison.Ordinal);
        Assert.Equal(200, (await ReadAsync(await withA.GetAsync("/ocpi/versions"))).Http);
    }

    [Fact]
    public async Task Post_TokenOverOcpiLength_400With2001()
    {
        var (party, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);
        using var withA = fixture.Client(tokenA);
        var body = Credentials(null, party, token: new string('x', 65));
        var (http, code, _, message, _) = await ReadAsync(await withA.PostAsync("/ocpi/2.2.1/credentials", Json(body)));
        Assert.Equal((400, 2001), (http, code));
        Assert.StartsWith("token", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_OversizedBody_413()
    {
        var (party, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);
        using var withA = fixture.Client(tokenA);
        var body = Credentials(null, party).Replace("\"roles\"", $"\"padding\": \"{new string('x', 9000)}\", \"roles\"", StringComparison.Ordinal);
        Assert.Equal(413, (await ReadAsync(await withA.PostAsync("/ocpi/2.2.1/credentials", Json(body)))).Http);
    }

    [Fact]
    public async Task Post_RolesWithoutTheCallersParty_400With2001()
    {
        await using var partner = await FakeOcpiPartner.StartAsync();
        var (party, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);
        using var withA = fixture.Client(tokenA);
        var body = Credentials(partner, party with { PartyId = "ZZZ" });
        var (http, code, _, message, _) = await ReadAsync(await withA.PostAsync("/ocpi/2.2.1/credentials", Json(body)));
        Assert.Equal((400, 2001), (http, code));
        Assert.StartsWith("roles", message, StringComparison.Ordinal);
        Assert.Empty(partner.Requests);
    }

    private static (int, int) Pair((int Http, int Code, JsonNode?, string?, HttpResponseMessage) answer) => (answer.Http, answer.Code);

    /// <summary>A partner's credentials object for <paramref name="party"/>.</summary>
    internal static string Credentials(FakeOcpiPartner? partner, PartyKey party, string? token = null) => new JsonObject
    {
        ["token"] = token ?? partner?.TokenB ?? "partner-token",
        ["url"] = partner?.VersionsUrl ?? "http://127.0.0.1:1/ocpi/versions",
        ["roles"] = new JsonArray(new JsonObject
        {
            ["role"] = party.Role == Domain.Parties.PartyRole.Cpo ? "CPO" : "EMSP",
            ["business_details"] = new JsonObject { ["name"] = "Partner platform" },
            ["party_id"] = party.PartyId,
            ["country_code"] = party.CountryCode,
        }),
    }.ToJsonString();
}

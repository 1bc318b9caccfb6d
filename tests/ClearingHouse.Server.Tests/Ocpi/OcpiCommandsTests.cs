using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Server.Tests.Locations;
using ClearingHouse.Server.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>
/// Commands from an EMSP on OCPI (its platform a real Kestrel server) to a CPO on gRPC (its command channel): the
/// CommandResponse answered at once, the CommandResult pushed to the EMSP's response_url through its durable outbox.
/// </summary>
public sealed class OcpiCommandsTests(OcpiOutboundFixture fixture) : IClassFixture<OcpiOutboundFixture>
{
    [Fact]
    public async Task StartSession_CpoAcceptsAndSucceeds_AcceptedThenResultAtResponseUrl()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        var (r, emsp) = await SetUpAsync(platform);
        await using var cpo = await CpoSimulator.OpenAsync(fixture.Hub.Channel(r.CpoSecret), CpoBehaviour.AcceptAndSucceed);

        var (http, code, data, message, _) = await ReadAsync(await emsp.SendAsync(Command(r, "START_SESSION", StartSession(r, platform, "s1"))));
        Assert.True((http, code) == (200, 1000), $"START_SESSION: HTTP {http}, {code}: {message}");
        Assert.Equal(("ACCEPTED", 30), ((string?)data!["result"], (int?)data["timeout"]));
        Assert.Equal(CommandType.StartSession, cpo.LastCommand!.Type);

        var result = await platform.WaitForAsync("/results/s1");
        Assert.Equal("POST", result.Method);
        Assert.Equal("ACCEPTED", (string?)JsonNode.Parse(result.Body)!["result"]);
        Assert.Equal((r.Cpo.CountryCode, r.Cpo.PartyId), (result["OCPI-from-country-code"], result["OCPI-from-party-id"]));
        Assert.Equal((r.Emsp.CountryCode, r.Emsp.PartyId), (result["OCPI-to-country-code"], result["OCPI-to-party-id"]));
    }

    [Fact]
    public async Task StartSession_CpoAcceptsButNoResult_TimeoutResultAtResponseUrl()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        var (r, emsp) = await SetUpAsync(platform);
        await using var cpo = await CpoSimulator.OpenAsync(fixture.Hub.Channel(r.CpoSecret), CpoBehaviour.AcceptAndForget);

        var (_, _, data, _, _) = await ReadAsync(await emsp.SendAsync(Command(r, "START_SESSION", StartSession(r, platform, "s2"))));
        Assert.Equal("ACCEPTED", (string?)data!["result"]);
        var result = await platform.WaitForAsync("/results/s2");
        Assert.Equal("TIMEOUT", (string?)JsonNode.Parse(result.Body)!["result"]);
    }

    [Theory]
    [InlineData(false, "The CPO is not connected to the hub")]
    [InlineData(true, "The CPO did not answer in time")]
    public async Task UnlockConnector_CpoAwayOrSilent_RejectedSayingWhyNoResultWatched(bool silentChannel, string why)
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        var (r, emsp) = await SetUpAsync(platform);
        await using var cpo = silentChannel ? await CpoSimulator.OpenAsync(fixture.Hub.Channel(r.CpoSecret), CpoBehaviour.Silent) : null;

        var body = new JsonObject { ["response_url"] = Results(platform, "u1"), ["location_id"] = "LOC1", ["evse_uid"] = "E1", ["connector_id"] = "1" };
        var (http, code, data, message, _) = await ReadAsync(await emsp.SendAsync(Command(r, "UNLOCK_CONNECTOR", body)));
        Assert.True((http, code) == (200, 1000), $"UNLOCK_CONNECTOR: HTTP {http}, {code}: {message}");
        Assert.Equal(("REJECTED", why), ((string?)data!["result"], (string?)data["message"]![0]!["text"]));
        var outbox = await fixture.Hub.Services.GetRequiredService<IGrainFactory>().GetGrain<IOcpiOutboxGrain>(OcpiOutboundFixture.Key(r.Emsp).ToString()).Get();
        Assert.Equal(0, outbox.Watching);
    }

    [Fact]
    public async Task StartSession_ResponseUrlFailsTwice_ResultRetriedUntilAccepted()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        var (r, emsp) = await SetUpAsync(platform);
        var failures = 0;
        platform.Handler = (context, _) => Interlocked.Increment(ref failures) <= 2
            ? ScriptedOcpiPartner.Envelope(context, "null", statusCode: 3000, http: 503)
            : ScriptedOcpiPartner.Envelope(context, "null");
        await using var cpo = await CpoSimulator.OpenAsync(fixture.Hub.Channel(r.CpoSecret), CpoBehaviour.AcceptAndSucceed);

        var (_, _, data, _, _) = await ReadAsync(await emsp.SendAsync(Command(r, "START_SESSION", StartSession(r, platform, "s3"))));
        Assert.Equal("ACCEPTED", (string?)data!["result"]);
        await platform.WaitForAsync("/results/s3", _ => Volatile.Read(ref failures) >= 3);
        var outbox = fixture.Hub.Services.GetRequiredService<IGrainFactory>().GetGrain<IOcpiOutboxGrain>(OcpiOutboundFixture.Key(r.Emsp).ToString());
        var until = DateTime.UtcNow.AddSeconds(60);
        OcpiOutboxView view;
        while ((view = await outbox.Get()).Queued > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }

        Assert.True(view.Queued == 0 && view.LastDeliveredAt is not null, $"outbox: {view}");
        Assert.Equal(3, platform.To("/results/s3").Count);
    }

    [Fact]
    public async Task Commands_Refusals_SameAsTheCoreNeverRouted()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        var (r, emsp) = await SetUpAsync(platform);
        await using var cpo = await CpoSimulator.OpenAsync(fixture.Hub.Channel(r.CpoSecret), CpoBehaviour.AcceptAndSucceed);
        var body = StartSession(r, platform, "x");

        using var stranger = fixture.Client("NL-XXX-EMSP.not-a-token");
        Assert.Equal(401, (await ReadAsync(await stranger.SendAsync(Command(r, "START_SESSION", body)))).Http);

        var noTarget = Command(r, "START_SESSION", body);
        noTarget.Headers.Remove("OCPI-to-country-code");
        noTarget.Headers.Remove("OCPI-to-party-id");
        Assert.Equal((400, 2001), Pair(await ReadAsync(await emsp.SendAsync(noTarget))));

        var unknownCpo = Command(r, "START_SESSION", body);
        unknownCpo.Headers.Remove("OCPI-to-party-id");
        unknownCpo.Headers.Add("OCPI-to-party-id", "ZZ9");
        Assert.Equal((404, 4001), Pair(await ReadAsync(await emsp.SendAsync(unknownCpo))));

        Assert.Equal((400, 2001), Pair(await ReadAsync(await emsp.SendAsync(Command(r, "SELF_DESTRUCT", body)))));
        var noUrl = StartSession(r, platform, "x");
        noUrl.Remove("response_url");
        Assert.Equal((400, 2001), Pair(await ReadAsync(await emsp.SendAsync(Command(r, "START_SESSION", noUrl)))));

        // Another EMSP's token: refused by the core (PermissionDenied), as over gRPC.
        var foreign = StartSession(r, platform, "x");
        foreign["token"]!["party_id"] = "ZZZ";
        Assert.Equal(403, (await ReadAsync(await emsp.SendAsync(Command(r, "START_SESSION", foreign)))).Http);
        Assert.Equal(0, cpo.Received);
    }

    private static (int, int) Pair((int Http, int Code, JsonNode?, string?, HttpResponseMessage) answer) => (answer.Http, answer.Code);

    private static string Results(ScriptedOcpiPartner platform, string id) => new Uri(platform.Address, "/results/" + id).ToString();

    private static HttpRequestMessage Command(Roaming r, string command, JsonObject body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/ocpi/2.2.1/commands/" + command) { Content = Json(body.ToJsonString()) };
        request.Headers.Add("OCPI-from-country-code", r.Emsp.CountryCode);
        request.Headers.Add("OCPI-from-party-id", r.Emsp.PartyId);
        request.Headers.Add("OCPI-to-country-code", r.Cpo.CountryCode);
        request.Headers.Add("OCPI-to-party-id", r.Cpo.PartyId);
        return request;
    }

    private static JsonObject StartSession(Roaming r, ScriptedOcpiPartner platform, string id) => new()
    {
        ["response_url"] = Results(platform, id),
        ["token"] = new JsonObject
        {
            ["country_code"] = r.Emsp.CountryCode,
            ["party_id"] = r.Emsp.PartyId,
            ["uid"] = "APP" + id.ToUpperInvariant(),
            ["type"] = "APP_USER",
            ["contract_id"] = $"{r.Emsp.CountryCode}-{r.Emsp.PartyId}-APP{id}",
            ["issuer"] = "Scripted",
            ["valid"] = true,
            ["whitelist"] = "ALLOWED",
            ["last_updated"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        },
        ["location_id"] = "LOC1",
        ["evse_uid"] = "E1",
    };

    // A gRPC CPO and an EMSP whose platform registered over OCPI; the EMSP's client of the hub.
    private async Task<(Roaming Roaming, HttpClient Emsp)> SetUpAsync(ScriptedOcpiPartner platform)
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        return (r, fixture.Client(await fixture.RegisterAsync(r.Emsp, platform)));
    }
}

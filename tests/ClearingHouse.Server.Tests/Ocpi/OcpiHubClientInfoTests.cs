using ClearingHouse.Contracts.V1;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>hubclientinfo: each party sees the parties it may roam with, and how the hub sees their connection.</summary>
public sealed class OcpiHubClientInfoTests(OcpiOutboundFixture fixture) : IClassFixture<OcpiOutboundFixture>
{
    [Fact]
    public async Task HubClientInfo_CpoWithFourEmsps_PlannedSuspendedOfflineConnectedAndPaged()
    {
        var admin = new PartyAdminService.PartyAdminServiceClient(fixture.Hub.Channel(fixture.Hub.OperatorSecret));
        var cpo = Parties.Unique(PartyRole.Cpo);
        await Parties.RegisterWithCredentialAsync(fixture.Hub.Channel(fixture.Hub.OperatorSecret), cpo);
        var emsps = new PartyRef[4];
        for (var i = 0; i < emsps.Length; i++)
        {
            emsps[i] = Parties.Unique(PartyRole.Emsp, "DE");
            await Parties.RegisterWithCredentialAsync(fixture.Hub.Channel(fixture.Hub.OperatorSecret), emsps[i]);
        }

        var (planned, suspended, offline, connected) = (emsps[0], emsps[1], emsps[2], emsps[3]);
        await admin.SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = planned, ValidFrom = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(10)) });
        foreach (var emsp in new[] { suspended, offline, connected })
        {
            await admin.SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });
        }

        await admin.SuspendPartyAsync(new SuspendPartyRequest { Party = suspended, Reason = "test" });
        await using var offlinePlatform = await ScriptedOcpiPartner.StartAsync();
        await fixture.RegisterAsync(offline, offlinePlatform);
        offlinePlatform.Handler = (context, _) => ScriptedOcpiPartner.Envelope(context, "null", statusCode: 3000, http: 503);
        await using var cpoPlatform = await ScriptedOcpiPartner.StartAsync();
        using var client = fixture.Client(await fixture.RegisterAsync(cpo, cpoPlatform));

        // A push to the OCPI EMSP fails: OFFLINE until one succeeds.
        var outbox = fixture.Hub.Services.GetRequiredService<IGrainFactory>().GetGrain<IOcpiOutboxGrain>(OcpiOutboundFixture.Key(offline).ToString());
        await outbox.Enqueue(new OcpiDelivery { Id = "probe", What = "test push", Method = "PUT", Url = new Uri(offlinePlatform.Address, "/push/1").ToString(), Body = "{}" });
        await offlinePlatform.WaitForAsync("/push/1");
        await WaitAsync(async () => (await outbox.Get()).LastFailedAt is not null, "the failed push recorded");

        var statuses = await StatusesAsync(client);
        Assert.Equal(
            [(planned.PartyId, "PLANNED"), (suspended.PartyId, "SUSPENDED"), (offline.PartyId, "OFFLINE"), (connected.PartyId, "CONNECTED")],
            emsps.Select(e => (e.PartyId, statuses.GetValueOrDefault(e.PartyId) ?? "(missing)")));
        Assert.Equal(4, statuses.Count);

        // The platform is back: the retry succeeds and the party is CONNECTED again.
        offlinePlatform.Handler = (context, _) => ScriptedOcpiPartner.Envelope(context, "null");
        await WaitAsync(async () => (await StatusesAsync(client))[offline.PartyId] == "CONNECTED", "CONNECTED after the retry");

        // Paged: one per page, the next link followed to the end.
        var (http, code, data, message, response) = await ReadAsync(await client.GetAsync("/ocpi/2.2.1/hubclientinfo?limit=1"));
        Assert.True((http, code) == (200, 1000), $"hubclientinfo: HTTP {http}, {code}: {message}");
        Assert.Equal(("1", "4"), (response.Headers.GetValues("X-Limit").Single(), response.Headers.GetValues("X-Total-Count").Single()));
        var seen = new List<string> { (string)data![0]!["party_id"]! };
        while (response.Headers.TryGetValues("Link", out var links))
        {
            var next = links.Single().Split('<', '>')[1];
            (_, _, data, _, response) = await ReadAsync(await client.GetAsync(next));
            seen.Add((string)data![0]!["party_id"]!);
        }

        Assert.Equal(emsps.Select(e => e.PartyId).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task HubClientInfo_WrongToken_401()
    {
        using var client = fixture.Client("NL-XXX-CPO.not-a-token");
        Assert.Equal(401, (await ReadAsync(await client.GetAsync("/ocpi/2.2.1/hubclientinfo"))).Http);
    }

    private static async Task<Dictionary<string, string>> StatusesAsync(HttpClient client)
    {
        var (http, code, data, message, _) = await ReadAsync(await client.GetAsync("/ocpi/2.2.1/hubclientinfo"));
        Assert.True((http, code) == (200, 1000), $"hubclientinfo: HTTP {http}, {code}: {message}");
        return data!.AsArray().ToDictionary(i => (string)i!["party_id"]!, i => (string)i!["status"]!);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"not within 60 s: {what}");
            await Task.Delay(100);
        }
    }
}

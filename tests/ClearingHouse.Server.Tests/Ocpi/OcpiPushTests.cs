using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Ocpi.Push;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Sessions;
using ClearingHouse.Server.Tests.Tokens;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using static ClearingHouse.Server.Tests.Locations.LocationTestData;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using static ClearingHouse.Server.Tests.Ocpi.OcpiRoamingData;
using Roaming = ClearingHouse.Server.Tests.Infrastructure.Roaming;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>
/// The hub's pushes to an EMSP platform registered over OCPI (a real Kestrel server publishing locations, sessions and
/// cdrs RECEIVER endpoints): EVSE status from a gRPC CPO's stream, a session and a CDR from an OCPI CPO, only with an
/// agreement, and delivered after the platform comes back.
/// </summary>
public sealed class OcpiPushTests(OcpiOutboundFixture fixture) : IClassFixture<OcpiOutboundFixture>
{
    [Fact]
    public async Task Push_StatusFromGrpcCpoStream_PatchedAtEmspPlatformWithRoutingHeaders()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync(receivers: true);
        var r = await Roaming.SetUpAsync(fixture.Hub);
        await PublishLocationAsync(fixture.Hub, r);
        await fixture.RegisterAsync(r.Emsp, platform);
        await OpenAsync(r.Emsp);

        var cpo = new LocationService.LocationServiceClient(fixture.Hub.Channel(r.CpoSecret));
        var summary = await SendAsync(cpo, [Update("LOC1", "E1", EvseStatus.Charging, 60)]);
        Assert.Equal(1, summary.Accepted);

        var path = $"/emsp/locations/{r.Cpo.CountryCode}/{r.Cpo.PartyId}/LOC1/E1";
        var push = await platform.WaitForAsync(path, p => p.Body.Contains("CHARGING", StringComparison.Ordinal));
        Assert.Equal("PATCH", push.Method);
        var body = JsonNode.Parse(push.Body)!;
        Assert.Equal("CHARGING", (string?)body["status"]);
        // The CPO's own time (the hub writes it to the millisecond).
        var lastUpdated = DateTimeOffset.Parse((string)body["last_updated"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True((lastUpdated - T0.AddSeconds(60)).Duration() < TimeSpan.FromMilliseconds(1), $"last_updated {lastUpdated:O}, sent {T0.AddSeconds(60):O}");
        Assert.Equal((r.Cpo.CountryCode, r.Cpo.PartyId), (push["OCPI-from-country-code"], push["OCPI-from-party-id"]));
        Assert.Equal((r.Emsp.CountryCode, r.Emsp.PartyId), (push["OCPI-to-country-code"], push["OCPI-to-party-id"]));
        Assert.StartsWith("Token ", push["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_SessionAndCdrFromOcpiCpo_PutAndPostedWithHubPriceCheck()
    {
        await using var emspPlatform = await ScriptedOcpiPartner.StartAsync(receivers: true);
        await using var cpoPlatform = await ScriptedOcpiPartner.StartAsync();
        var r = await Roaming.SetUpAsync(fixture.Hub);
        await PublishLocationAsync(fixture.Hub, r);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo, cpoPlatform));
        await fixture.RegisterAsync(r.Emsp, emspPlatform);
        await OpenAsync(r.Emsp);

        await ExpectAsync(cpo.PutAsync(Receiver("tariffs", r.Cpo, "T-MIN"), Json(Roaming.MinPriceTariff)), 201, 1000, "PUT tariff");
        await ExpectAsync(cpo.PutAsync(Receiver("sessions", r.Cpo, "S1"), Json(Session(r, "S1").ToJsonString())), 201, 1000, "PUT session");
        await ExpectAsync(cpo.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(r.Cdr("C1"))), 201, 1000, "POST CDR");

        var session = await emspPlatform.WaitForAsync($"/emsp/sessions/{r.Cpo.CountryCode}/{r.Cpo.PartyId}/S1");
        Assert.Equal("PUT", session.Method);
        var s = JsonNode.Parse(session.Body)!;
        Assert.Equal(("S1", "ACTIVE", r.Emsp.PartyId), ((string?)s["id"], (string?)s["status"], (string?)s["cdr_token"]!["party_id"]));

        var cdr = await emspPlatform.WaitForAsync("/emsp/cdrs");
        Assert.Equal("POST", cdr.Method);
        var c = JsonNode.Parse(cdr.Body)!;
        // The CPO's figures as it sent them, the hub's check of them beside.
        Assert.Equal(("C1", 0.50m, "MATCHED"), ((string?)c["id"], (decimal)c["total_cost"]!["excl_vat"]!, (string?)c["clearinghouse_price_check"]));
        Assert.NotNull(c["clearinghouse_price"]);
        Assert.Equal((r.Cpo.CountryCode, r.Cpo.PartyId), (cdr["OCPI-from-country-code"], cdr["OCPI-from-party-id"]));
    }

    [Fact]
    public async Task Push_EmspWithoutAgreement_GetsNothing()
    {
        await using var agreed = await ScriptedOcpiPartner.StartAsync(receivers: true);
        await using var stranger = await ScriptedOcpiPartner.StartAsync(receivers: true);
        var r = await Roaming.SetUpAsync(fixture.Hub);
        var other = Parties.Unique(PartyRole.Emsp, "DE");
        await Parties.RegisterWithCredentialAsync(fixture.Hub.Channel(fixture.Hub.OperatorSecret), other);
        await PublishLocationAsync(fixture.Hub, r);
        await fixture.RegisterAsync(r.Emsp, agreed);
        await fixture.RegisterAsync(other, stranger);
        await OpenAsync(r.Emsp);
        await OpenAsync(other);

        var summary = await SendAsync(new LocationService.LocationServiceClient(fixture.Hub.Channel(r.CpoSecret)), [Update("LOC1", "E1", EvseStatus.Blocked, 70)]);
        Assert.Equal(1, summary.Accepted);

        await agreed.WaitForAsync($"/emsp/locations/{r.Cpo.CountryCode}/{r.Cpo.PartyId}/LOC1/E1");
        Assert.True(stranger.To("/emsp/").Count == 0, $"the EMSP without an agreement got: {string.Join(", ", stranger.To("/emsp/").Select(p => p.Method + " " + p.PathAndQuery))}");
    }

    [Fact]
    public async Task Push_AgreementEnded_ThatCposSessionsNoLongerPushed()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync(receivers: true);
        var pair = await RoamingPair.CreateAsync(fixture.Hub);
        // A second CPO of the same EMSP, still in agreement: its session marks where the pushes have got to.
        var second = await RoamingPair.CreateAsync(fixture.Hub);
        var other = pair with { Cpo = second.Cpo, CpoChannel = second.CpoChannel };
        await SessionTestKit.AgreeAsync(fixture.Hub, other.Cpo, pair.Emsp);
        await fixture.RegisterAsync(pair.Emsp, platform);
        await OpenAsync(pair.Emsp);
        await pair.PutAsync(pair.Session("END1", minute: 1));
        await platform.WaitForAsync($"/emsp/sessions/{pair.Cpo.CountryCode}/{pair.Cpo.PartyId}/END1");

        await new PartyAdminService.PartyAdminServiceClient(fixture.Hub.Channel(fixture.Hub.OperatorSecret)).EndAgreementAsync(new EndAgreementRequest { Cpo = pair.Cpo, Emsp = pair.Emsp });
        await pair.CpoSessions().PatchSessionAsync(new PatchSessionRequest { SessionId = "END1", LastUpdated = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(2)), Kwh = 2 });
        await other.PutAsync(other.Session("MARK1", minute: 3));

        // The feed is one ordered sequence and the outbox sends in the order it took: the ended agreement's change, had it
        // been pushed, would have reached the platform before the marker.
        await platform.WaitForAsync($"/emsp/sessions/{other.Cpo.CountryCode}/{other.Cpo.PartyId}/MARK1");
        var ended = platform.To($"/emsp/sessions/{pair.Cpo.CountryCode}/{pair.Cpo.PartyId}/END1");
        Assert.True(ended.Count == 1, $"END1 pushed {ended.Count} times: {string.Join(" | ", ended.Select(e => e.Body))}");
    }

    [Fact]
    public async Task Push_CpoSuspendedAndReinstated_EmspPlatformToldSuspendedThenConnected()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync(receivers: true);
        var r = await Roaming.SetUpAsync(fixture.Hub);
        await fixture.RegisterAsync(r.Emsp, platform);
        await OpenAsync(r.Emsp);
        var admin = new PartyAdminService.PartyAdminServiceClient(fixture.Hub.Channel(fixture.Hub.OperatorSecret));
        var path = $"/ocpi/2.2.1/clientinfo/{r.Cpo.CountryCode}/{r.Cpo.PartyId}";

        await admin.SuspendPartyAsync(new SuspendPartyRequest { Party = r.Cpo, Reason = "test" });
        var suspended = await platform.WaitForAsync(path, p => p.Body.Contains("SUSPENDED", StringComparison.Ordinal));
        await admin.ReinstatePartyAsync(new ReinstatePartyRequest { Party = r.Cpo });
        await platform.WaitForAsync(path, p => p.Body.Contains("CONNECTED", StringComparison.Ordinal));

        Assert.Equal("PUT", suspended.Method);
        var info = JsonNode.Parse(suspended.Body)!;
        Assert.Equal((r.Cpo.PartyId, r.Cpo.CountryCode, "CPO"), ((string?)info["party_id"], (string?)info["country_code"], (string?)info["role"]));
        Assert.Null(suspended["OCPI-from-party-id"]);
        Assert.Equal((r.Emsp.CountryCode, r.Emsp.PartyId), (suspended["OCPI-to-country-code"], suspended["OCPI-to-party-id"]));
    }

    [Fact]
    public async Task Push_PlatformDown_DeliveredAfterItComesBack()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync(receivers: true);
        var r = await Roaming.SetUpAsync(fixture.Hub);
        await PublishLocationAsync(fixture.Hub, r);
        await fixture.RegisterAsync(r.Emsp, platform);
        await OpenAsync(r.Emsp);
        var down = 1;
        var refused = 0;
        platform.Handler = (context, _) =>
        {
            if (Volatile.Read(ref down) == 1)
            {
                // Down: the connection is dropped without an answer.
                Interlocked.Increment(ref refused);
                context.Abort();
                return Task.CompletedTask;
            }

            return ScriptedOcpiPartner.Envelope(context, "null");
        };

        var summary = await SendAsync(new LocationService.LocationServiceClient(fixture.Hub.Channel(r.CpoSecret)), [Update("LOC1", "E1", EvseStatus.Reserved, 80)]);
        Assert.Equal(1, summary.Accepted);
        var outbox = fixture.Hub.Services.GetRequiredService<IGrainFactory>().GetGrain<IOcpiOutboxGrain>(OcpiOutboundFixture.Key(r.Emsp).ToString());
        await WaitAsync(async () => Volatile.Read(ref refused) >= 2 && (await outbox.Get()).Queued == 1, "two failed attempts with the push kept", outbox);

        Volatile.Write(ref down, 0);
        var path = $"/emsp/locations/{r.Cpo.CountryCode}/{r.Cpo.PartyId}/LOC1/E1";
        var push = await platform.WaitForAsync(path, p => p.Body.Contains("RESERVED", StringComparison.Ordinal) && Volatile.Read(ref down) == 0);
        Assert.Equal("PATCH", push.Method);
        await WaitAsync(async () => (await outbox.Get()).Queued == 0, "the outbox empty once delivered", outbox);
    }

    // Waits (at most 60 s) until the party's push grain has every feed open (status, sessions, cdrs, clientinfo): what happens from then on is pushed.
    private Task OpenAsync(PartyRef emsp)
    {
        var push = fixture.Hub.Services.GetRequiredService<IGrainFactory>().GetGrain<IOcpiPushGrain>(OcpiOutboundFixture.Key(emsp).ToString());
        return WaitAsync(async () => (await push.Get()) is { Following.Count: 4 } view && view.Open.Count == view.Following.Count, $"the push feeds of {emsp} open", push: push);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, IOcpiOutboxGrain? outbox = null, IOcpiPushGrain? push = null)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                var outboxView = outbox is null ? null : await outbox.Get();
                var pushView = push is null ? null : await push.Get();
                Assert.Fail($"not within 60 s: {what}; outbox {outboxView}; push following [{string.Join(",", pushView?.Following ?? [])}] open [{string.Join(",", pushView?.Open ?? [])}]");
            }

            await Task.Delay(100);
        }
    }
}

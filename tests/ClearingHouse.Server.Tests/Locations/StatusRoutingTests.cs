using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Locations.LocationTestData;

namespace ClearingHouse.Server.Tests.Locations;

/// <summary>Status routing across restarts, slow subscribers and a 2-silo cluster.</summary>
public sealed class StatusRoutingTests
{
    [Fact]
    public async Task StreamStatusUpdates_CleanRestart_StatusesSurvive()
    {
        using var data = new TempDirectory();
        PartyRef cpo;
        string cpoSecret;
        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            var r = await Roaming.SetUpAsync(hub);
            cpo = r.Cpo;
            await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1", evses: 3) });
            var summary = await SendAsync(r.CpoClient, [Update("LOC1", "E1", EvseStatus.Charging, 10), Update("LOC1", "E3", EvseStatus.Outoforder, 11)]);
            Assert.Equal(2, summary.Accepted);
            cpoSecret = r.CpoSecret;
        }

        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            var client = new LocationService.LocationServiceClient(hub.Channel(cpoSecret));
            var got = (await client.GetLocationAsync(new GetLocationRequest { Cpo = cpo, LocationId = "LOC1" })).Location;
            Assert.Equal(EvseStatus.Charging, got.Evses.Single(e => e.Uid == "E1").Status);
            Assert.Equal(EvseStatus.Available, got.Evses.Single(e => e.Uid == "E2").Status);
            Assert.Equal(EvseStatus.Outoforder, got.Evses.Single(e => e.Uid == "E3").Status);
            // An older update after the restart is still stale.
            var summary = await SendAsync(client, [Update("LOC1", "E1", EvseStatus.Available, 5)]);
            Assert.Equal(1, summary.Stale);
        }
    }

    [Fact]
    public async Task SubscribeStatus_SubscriberNeverReads_CutWithResourceExhaustedOthersUnaffected()
    {
        using var data = new TempDirectory();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path, settings: new Dictionary<string, string?> { ["Locations:SubscriberQueueEvents"] = "1000" });
        var r = await Roaming.SetUpAsync(hub);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1", evses: 10) });
        var (slow, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest());
        using var _s = slow;

        // Far more than the HTTP/2 windows and the 1,000-event queue hold, while nobody reads.
        var sent = 0;
        for (var round = 0; round < 8; round++)
        {
            var messages = Enumerable.Range(0, 50).Select(m => Enumerable.Range(0, 100)
                .Select(i => Update("LOC1", $"E{(i % 10) + 1}", EvseStatus.Charging, (round * 5000) + (m * 100) + i + 1)).ToArray()).ToArray();
            sent += (await SendAsync(r.CpoClient, messages)).Accepted is var a ? (int)a : 0;
        }

        Assert.Equal(40_000, sent);
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await slow.ResponseStream.MoveNext(cts.Token))
            {
            }
        });
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("resume_cursor", ex.Status.Detail, StringComparison.Ordinal);

        // A new subscriber still works.
        var (fresh, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest());
        using var _f = fresh;
        await SendAsync(r.CpoClient, [Update("LOC1", "E1", EvseStatus.Available, 80_000)]);
        var (events, _) = await ReadEventsAsync(fresh.ResponseStream, 1);
        Assert.Equal(EvseStatus.Available, Assert.Single(events).Status);
    }

    [Fact]
    public async Task StreamStatusUpdates_ClientStalls_CutWithDeadlineExceeded()
    {
        using var data = new TempDirectory();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path, settings: new Dictionary<string, string?> { ["Locations:StreamIdleTimeout"] = "00:00:01" });
        var r = await Roaming.SetUpAsync(hub);
        using var stalled = r.CpoClient.StreamStatusUpdates();
        var healthy = SendAsync(r.CpoClient, [Update("NOPE", "E1", EvseStatus.Charging, 1)]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => stalled.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(1, (await healthy).Rejected);
    }

    [Fact]
    public async Task TwoSilos_SubscriberOnOneSilo_GetsUpdatesSentToTheOther()
    {
        var clusterId = $"ch-status-{Guid.NewGuid():N}";
        var operatorSecret = CredentialSecret.Generate(party: null).Text;
        var postgres = await TestServices.CreateDatabaseAsync();
        try
        {
            await using var a = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret);
            await using var b = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret);
            var r = await Roaming.SetUpAsync(a, emspHub: b);
            await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
            var (call, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest { Cpos = { r.Cpo } });
            using var _c = call;

            var updates = Enumerable.Range(1, 40).Select(i => Update("LOC1", i % 2 == 0 ? "E1" : "E2", EvseStatus.Charging, i)).ToArray();
            await SendAsync(r.CpoClient, updates[..20], updates[20..]);

            var (events, _) = await ReadEventsAsync(call.ResponseStream, 40, TimeSpan.FromSeconds(30));
            Assert.Equal(updates.Select(u => u.LastUpdated), events.Select(e => e.LastUpdated));
            var got = await r.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" });
            Assert.Equal(EvseStatus.Charging, got.Location.Evses[0].Status);
        }
        finally
        {
            await TestServices.DropDatabaseAsync(postgres);
        }
    }
}

using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using static ClearingHouse.Server.Tests.Locations.LocationTestData;

namespace ClearingHouse.Server.Tests.Locations;

/// <summary>
/// A status change reaches subscribers whatever the entry it came through: the location grain publishes what it
/// accepts, so PutLocation and PatchLocation publish like PatchEvse and StreamStatusUpdates.
/// </summary>
public sealed class StatusPublishingTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    [Fact]
    public async Task PutAndPatchLocation_NewerEvseStatus_AgreedSubscriberGetsItEmspWithoutAgreementNothing()
    {
        var r = await Roaming.SetUpAsync(Hub);
        var outsider = await Roaming.SetUpAsync(Hub, agreement: false);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        var (call, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest());
        using var _call = call;
        var (outsiderCall, _) = await SubscribeAsync(outsider.EmspClient, new SubscribeStatusRequest());
        using var _o = outsiderCall;

        // A put whose E1 is newer and CHARGING: one change (E2 is as held).
        var put = Location("LOC1");
        put.LastUpdated = Timestamp.FromDateTimeOffset(T0.AddSeconds(10));
        put.Evses[0].Status = EvseStatus.Charging;
        put.Evses[0].LastUpdated = Timestamp.FromDateTimeOffset(T0.AddSeconds(10));
        Assert.True((await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = put })).Applied);
        var (fromPut, _) = await ReadEventsAsync(call.ResponseStream, 1);
        var e1 = Assert.Single(fromPut);
        Assert.Equal(("LOC1", "E1", EvseStatus.Charging, T0.AddSeconds(10)), (e1.LocationId, e1.EvseUid, e1.Status, e1.LastUpdated.ToDateTimeOffset()));
        Assert.Equal(r.Cpo, e1.Cpo);

        // A patch of the location's own fields changes no status: nothing is published for it. Then a patch naming
        // E2 BLOCKED: that change is the next event.
        Assert.True((await r.CpoClient.PatchLocationAsync(new PatchLocationRequest
        {
            LocationId = "LOC1",
            Name = "Renamed",
            LastUpdated = Timestamp.FromDateTimeOffset(T0.AddSeconds(15)),
        })).Applied);
        var evse = Location("LOC1").Evses[1];
        evse.Status = EvseStatus.Blocked;
        evse.LastUpdated = Timestamp.FromDateTimeOffset(T0.AddSeconds(20));
        var patched = await r.CpoClient.PatchLocationAsync(new PatchLocationRequest
        {
            LocationId = "LOC1",
            Evses = { evse },
            LastUpdated = Timestamp.FromDateTimeOffset(T0.AddSeconds(20)),
        });
        Assert.True(patched.Applied);
        Assert.Equal(["E1", "E2"], patched.Location.Evses.Select(e => e.Uid));
        Assert.Equal(EvseStatus.Charging, patched.Location.Evses[0].Status);
        var (fromPatch, _) = await ReadEventsAsync(call.ResponseStream, 1);
        var e2 = Assert.Single(fromPatch);
        Assert.Equal(("LOC1", "E2", EvseStatus.Blocked, T0.AddSeconds(20)), (e2.LocationId, e2.EvseUid, e2.Status, e2.LastUpdated.ToDateTimeOffset()));
        Assert.True(e2.Sequence > e1.Sequence, $"sequence {e2.Sequence} after {e1.Sequence}");

        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<Exception>(() => outsiderCall.ResponseStream.MoveNext(quiet.Token));
    }

    [Fact]
    public async Task PatchLocation_EvseOlderThanHeldStatus_StatusKeptNothingPublished()
    {
        var r = await Roaming.SetUpAsync(Hub);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        await SendAsync(r.CpoClient, [Update("LOC1", "E1", EvseStatus.Charging, 30)]);
        var (call, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest { Cpos = { r.Cpo } });
        using var _call = call;

        // E1 sent AVAILABLE as of second 20: the hub's CHARGING of second 30 stays, and nothing is published.
        var stale = Location("LOC1").Evses[0];
        stale.LastUpdated = Timestamp.FromDateTimeOffset(T0.AddSeconds(20));
        var patched = await r.CpoClient.PatchLocationAsync(new PatchLocationRequest
        {
            LocationId = "LOC1",
            Evses = { stale },
            LastUpdated = Timestamp.FromDateTimeOffset(T0.AddSeconds(20)),
        });
        Assert.Equal(EvseStatus.Charging, patched.Location.Evses.Single(e => e.Uid == "E1").Status);

        // The next event is the one streamed after the patch.
        await SendAsync(r.CpoClient, [Update("LOC1", "E2", EvseStatus.Outoforder, 40)]);
        var (events, _) = await ReadEventsAsync(call.ResponseStream, 1);
        Assert.Equal(("E2", EvseStatus.Outoforder), (Assert.Single(events).EvseUid, events[0].Status));
    }
}

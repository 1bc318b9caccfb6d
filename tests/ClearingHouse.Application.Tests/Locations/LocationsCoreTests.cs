using ClearingHouse.Application.Access;
using ClearingHouse.Application.Locations;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Application.Tests.Locations;

/// <summary>
/// The locations and status core called as an edge would (no gRPC): the access policy applies, a batch from an
/// edge-free source is applied, and every accepted status change (stream, put, patch) reaches a subscription.
/// </summary>
public sealed class LocationsCoreTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddDays(-1);

    [Fact]
    public async Task IngestAsync_EdgeFreeSource_AppliedRejectedAtItsPositionAndDeliveredToSubscription()
    {
        var (cpo, emsp) = await PartiesAsync("LC1", agreement: true);
        await hub.Get<LocationsCore>().PutAsync(cpo, Data(cpo, "LOC1"));
        using var subscription = await hub.Get<StatusSubscriptions>().OpenAsync(emsp, new StatusSubscriptionRequest());
        Assert.NotEmpty(subscription.Cursor);

        var source = new ListSource(
            [("LOC1", "E1", EvseStatus.Charging, T0.AddSeconds(5).UtcTicks)],
            [("NOPE", "E1", EvseStatus.Charging, T0.AddSeconds(5).UtcTicks), ("LOC1", "E2", EvseStatus.Blocked, T0.AddSeconds(6).UtcTicks)]);
        var summary = await hub.Get<StatusIngest>().IngestAsync(cpo, source, CancellationToken.None);

        Assert.Equal((2L, 2L, 0L, 1L), (summary.Messages, summary.Accepted, summary.Stale, summary.Rejected));
        var rejection = Assert.Single(summary.Rejections);
        Assert.Equal((1L, 0, StatusRejectReason.UnknownLocation), (rejection.MessageIndex, rejection.UpdateIndex, rejection.Reason));
        var received = await ReadAsync(subscription, 2);
        Assert.Equal([("E1", EvseStatus.Charging), ("E2", EvseStatus.Blocked)], received.Select(c => (c.Event.EvseUid, c.Event.Status)));
        Assert.All(received, c => Assert.Equal(cpo.Party.ToString(), c.Cpo));
    }

    [Fact]
    public async Task PutAndPatchAsync_StatusChanges_PublishedByTheGrainUnchangedOnesNot()
    {
        var (cpo, emsp) = await PartiesAsync("LC2", agreement: true);
        var locations = hub.Get<LocationsCore>();
        await locations.PutAsync(cpo, Data(cpo, "LOC1"));
        using var subscription = await hub.Get<StatusSubscriptions>().OpenAsync(emsp, new StatusSubscriptionRequest());

        // The same statuses again (a newer object): no change. Then E1 CHARGING by a put, E2 BLOCKED by a patch.
        await locations.PutAsync(cpo, Data(cpo, "LOC1") with { LastUpdated = T0.AddSeconds(1) });
        var put = Data(cpo, "LOC1", EvseStatus.Charging, T0.AddSeconds(2));
        await locations.PutAsync(cpo, put with { Evses = [put.Evses[0], Data(cpo, "LOC1").Evses[1]] });
        var patched = await locations.PatchAsync(cpo, "LOC1", new LocationPatch
        {
            Evses = [Data(cpo, "LOC1", EvseStatus.Blocked, T0.AddSeconds(3)).Evses[1]],
            LastUpdated = T0.AddSeconds(3),
        });

        Assert.Equal([EvseStatus.Charging, EvseStatus.Blocked], patched.Location.Evses.Select(e => e.Status));
        var received = await ReadAsync(subscription, 2);
        Assert.Equal([("E1", EvseStatus.Charging, T0.AddSeconds(2).UtcTicks), ("E2", EvseStatus.Blocked, T0.AddSeconds(3).UtcTicks)],
            received.Select(c => (c.Event.EvseUid, c.Event.Status, c.Event.LastUpdatedTicks)));
    }

    [Fact]
    public async Task CoreCalls_CallerNotAllowed_PermissionDenied()
    {
        var (cpo, emsp) = await PartiesAsync("LC3", agreement: false);
        var (other, _) = await PartiesAsync("LC4", agreement: false);
        var locations = hub.Get<LocationsCore>();
        await locations.PutAsync(cpo, Data(cpo, "LOC1"));

        // An EMSP writes nothing; a CPO writes only its own locations.
        await Denied(() => locations.PutAsync(emsp, Data(cpo, "LOC2")));
        await Denied(() => locations.PutAsync(other, Data(cpo, "LOC2")));
        await Denied(() => locations.PatchEvseAsync(emsp, "LOC1", new EvsePatch { Uid = "E1", Status = EvseStatus.Blocked, LastUpdated = T0.AddSeconds(1) }));

        // Without an agreement an EMSP reads nothing of the CPO and may not subscribe to it; a CPO subscribes to nothing
        // and an EMSP streams no status.
        await Denied(() => locations.ListAsync(emsp, new LocationListQuery { Cpo = cpo.Party, Size = 10 }));
        Assert.Empty((await locations.ListAsync(emsp, new LocationListQuery { Size = 10 })).Locations);
        Assert.Single((await locations.ListAsync(cpo, new LocationListQuery { Size = 10 })).Locations);
        var subscriptions = hub.Get<StatusSubscriptions>();
        await Denied(() => subscriptions.OpenAsync(emsp, new StatusSubscriptionRequest { Cpos = [cpo.Party!.Value] }));
        await Denied(() => subscriptions.OpenAsync(cpo, new StatusSubscriptionRequest()));
        await Denied(() => hub.Get<StatusIngest>().IngestAsync(emsp, new ListSource(), CancellationToken.None));
    }

    private async Task<(CallerIdentity Cpo, CallerIdentity Emsp)> PartiesAsync(string id, bool agreement)
    {
        var cpo = await hub.RegisterAsync($"NL-{id}-CPO");
        var emsp = await hub.RegisterAsync($"DE-{id}-EMSP");
        if (agreement)
        {
            await hub.AgreeAsync(cpo, emsp);
            await hub.WaitForDirectoryAsync(v => v.GetAgreement(cpo, emsp) is not null);
        }
        else
        {
            await hub.WaitForDirectoryAsync(v => v.GetParty(emsp) is not null);
        }

        // Real credentials: LiveAccess closes an open stream whose credential the party does not hold.
        return (await hub.CallerAsync(cpo), await hub.CallerAsync(emsp));
    }

    private static LocationData Data(CallerIdentity owner, string id, EvseStatus status = EvseStatus.Available, DateTimeOffset? at = null) => new()
    {
        Cpo = owner.Party!.Value,
        Id = id,
        Address = "Kerkstraat 1",
        City = "Amsterdam",
        Country = "NLD",
        Latitude = "52.3702157",
        Longitude = "4.8951679",
        TimeZone = "Europe/Amsterdam",
        Evses = [new EvseData { Uid = "E1", Status = status, LastUpdated = at ?? T0 }, new EvseData { Uid = "E2", Status = status, LastUpdated = at ?? T0 }],
        LastUpdated = at ?? T0,
    };

    // Reads changes until there are <paramref name="count"/>; fails after 20 s naming what did arrive.
    private static async Task<List<StatusChange>> ReadAsync(StatusSubscription subscription, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = new List<StatusChange>();
        await foreach (var message in subscription.ReadAsync(timeout.Token))
        {
            received.AddRange(Assert.IsType<StatusChanges>(message).Changes);
            if (received.Count >= count)
            {
                return received;
            }
        }

        Assert.Fail($"{received.Count} of {count} changes within 20 s: {string.Join(", ", received.Select(c => $"{c.Event.EvseUid}={c.Event.Status}"))}");
        return received;
    }

    private static async Task Denied(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<HubException>(call);
        Assert.True(ex.Code == HubErrorCode.PermissionDenied, $"{ex.Code}: {ex.Message}");
    }

    // A stream of messages held in memory, as an edge other than gRPC would hand them over.
    private sealed class ListSource(params (string Location, string Evse, EvseStatus Status, long Ticks)[][] messages) : IStatusMessageSource
    {
        private int _at = -1;

        public int CurrentCount => messages[_at].Length;

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromResult(++_at < messages.Length);

        public void AddCurrent(StatusWork work)
        {
            foreach (var (location, evse, status, ticks) in messages[_at])
            {
                work.Add(location, evse, status, ticks);
            }
        }
    }
}

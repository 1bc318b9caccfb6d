using ClearingHouse.Application.Access;
using ClearingHouse.Application.Locations;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using DomainKey = ClearingHouse.Domain.Parties.PartyKey;
using DomainStatus = ClearingHouse.Domain.Locations.EvseStatus;
using static ClearingHouse.Server.Tests.Locations.LocationTestData;

namespace ClearingHouse.Server.Tests.Locations;

/// <summary>
/// The locations and status core called without the gRPC edge (as the OCPI edge and the console will): the access
/// policy applies, a batch from an edge-free source is applied and reaches a core subscription.
/// </summary>
public sealed class LocationsCoreTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    [Fact]
    public async Task IngestAsync_EdgeFreeSource_AppliedRejectedAtItsPositionAndDeliveredToCoreSubscription()
    {
        var (cpo, emsp) = await PartiesAsync(agreement: true);
        var locations = Hub.Services.GetRequiredService<LocationsCore>();
        await locations.PutAsync(cpo, Data(cpo, "LOC1"));
        using var subscription = await Hub.Services.GetRequiredService<StatusSubscriptions>().OpenAsync(emsp, new StatusSubscriptionRequest());
        Assert.NotEmpty(subscription.Cursor);

        var source = new ListSource(
            [("LOC1", "E1", DomainStatus.Charging, T0.AddSeconds(5).UtcTicks)],
            [("NOPE", "E1", DomainStatus.Charging, T0.AddSeconds(5).UtcTicks), ("LOC1", "E2", DomainStatus.Blocked, T0.AddSeconds(6).UtcTicks)]);
        var summary = await Hub.Services.GetRequiredService<StatusIngest>().IngestAsync(cpo, source, CancellationToken.None);

        Assert.Equal((2L, 2L, 0L, 1L), (summary.Messages, summary.Accepted, summary.Stale, summary.Rejected));
        var rejection = Assert.Single(summary.Rejections);
        Assert.Equal((1L, 0, StatusRejectReason.UnknownLocation), (rejection.MessageIndex, rejection.UpdateIndex, rejection.Reason));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = new List<StatusChange>();
        await foreach (var message in subscription.ReadAsync(timeout.Token))
        {
            received.AddRange(Assert.IsType<StatusChanges>(message).Changes);
            if (received.Count >= 2)
            {
                break;
            }
        }

        Assert.Equal([("E1", DomainStatus.Charging), ("E2", DomainStatus.Blocked)], received.Select(c => (c.Event.EvseUid, c.Event.Status)));
        Assert.All(received, c => Assert.Equal(cpo.Party.ToString(), c.Cpo));
    }

    [Fact]
    public async Task CoreCalls_CallerNotAllowed_PermissionDenied()
    {
        var (cpo, emsp) = await PartiesAsync(agreement: false);
        var locations = Hub.Services.GetRequiredService<LocationsCore>();
        await locations.PutAsync(cpo, Data(cpo, "LOC1"));

        // An EMSP writes nothing; a CPO writes only its own locations.
        await Denied(() => locations.PutAsync(emsp, Data(cpo, "LOC2")));
        var (other, _) = await PartiesAsync(agreement: false);
        await Denied(() => locations.PutAsync(other, Data(cpo, "LOC2")));

        // Without an agreement an EMSP reads nothing of the CPO, and may not subscribe to it; a CPO may not subscribe.
        await Denied(() => locations.ListAsync(emsp, new LocationListQuery { Cpo = cpo.Party, Size = 10 }));
        Assert.Empty((await locations.ListAsync(emsp, new LocationListQuery { Size = 10 })).Locations);
        var subscriptions = Hub.Services.GetRequiredService<StatusSubscriptions>();
        await Denied(() => subscriptions.OpenAsync(emsp, new StatusSubscriptionRequest { Cpos = [cpo.Party!.Value] }));
        await Denied(() => subscriptions.OpenAsync(cpo, new StatusSubscriptionRequest()));
        await Denied(() => Hub.Services.GetRequiredService<StatusIngest>().IngestAsync(emsp, new ListSource(), CancellationToken.None));
    }

    private async Task<(CallerIdentity Cpo, CallerIdentity Emsp)> PartiesAsync(bool agreement)
    {
        var r = await Roaming.SetUpAsync(Hub, agreement);
        return (Caller(r.Cpo), Caller(r.Emsp));
    }

    private static CallerIdentity Caller(Contracts.V1.PartyRef party) =>
        new(new DomainKey(party.CountryCode, party.PartyId, party.Role == Contracts.V1.PartyRole.Cpo ? Domain.Parties.PartyRole.Cpo : Domain.Parties.PartyRole.Emsp), "test");

    private static LocationData Data(CallerIdentity owner, string id) => new()
    {
        Cpo = owner.Party!.Value,
        Id = id,
        Address = "Kerkstraat 1",
        City = "Amsterdam",
        Country = "NLD",
        Latitude = "52.3702157",
        Longitude = "4.8951679",
        TimeZone = "Europe/Amsterdam",
        Evses = [new EvseData { Uid = "E1", Status = DomainStatus.Available, LastUpdated = T0 }, new EvseData { Uid = "E2", Status = DomainStatus.Available, LastUpdated = T0 }],
        LastUpdated = T0,
    };

    private static async Task Denied(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<HubException>(call);
        Assert.True(ex.Code == HubErrorCode.PermissionDenied, $"{ex.Code}: {ex.Message}");
    }

    // A stream of messages held in memory, as an edge other than gRPC would hand them over.
    private sealed class ListSource(params (string Location, string Evse, DomainStatus Status, long Ticks)[][] messages) : IStatusMessageSource
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

using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;
using static ClearingHouse.Server.Tests.Locations.LocationTestData;

namespace ClearingHouse.Server.Tests.Locations;

/// <summary>LocationService over real gRPC against an Embedded hub.</summary>
public sealed class LocationServiceTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    [Fact]
    public async Task PutLocation_ThenGetByAgreedEmsp_ReturnsLocationWithCpo()
    {
        var r = await Roaming.SetUpAsync(Hub);
        var put = await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        Assert.True(put.Applied);

        var got = await r.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" });
        Assert.Equal(r.Cpo, got.Location.Cpo);
        Assert.Equal(2, got.Location.Evses.Count);
        Assert.Equal(ConnectorType.Iec62196T2, got.Location.Evses[0].Connectors[0].Standard);
        Assert.Equal("Europe/Amsterdam", got.Location.TimeZone);
    }

    [Fact]
    public async Task PutLocation_OlderThanHeld_NotApplied()
    {
        var r = await Roaming.SetUpAsync(Hub);
        var newer = Location("LOC1");
        newer.Name = "newer";
        newer.LastUpdated = Timestamp.FromDateTimeOffset(T0.AddMinutes(1));
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = newer });

        var older = Location("LOC1");
        older.Name = "older";
        var response = await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = older });
        Assert.False(response.Applied);
        Assert.Equal("newer", response.Location.Name);
    }

    public static TheoryData<string, Action<Location>> BadLocations => new()
    {
        { "location.id", l => l.Id = "bad/id" },
        { "location.id", l => l.Id = new string('x', 37) },
        { "location.country", l => l.Country = "NL" },
        { "location.coordinates.latitude", l => l.Coordinates.Latitude = "91.0" },
        { "location.time_zone", l => l.TimeZone = "Mars/Olympus" },
        { "location.evses[0].status", l => l.Evses[0].Status = (EvseStatus)42 },
        { "location.evses[0].connectors[0].standard", l => l.Evses[0].Connectors[0].Standard = (ConnectorType)999 },
        { "location.evses[1].uid", l => l.Evses[1].Uid = "E1" },
        { "location.last_updated", l => l.LastUpdated = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(2)) },
        { "location.opening_times.regular_hours[0].period_end", l => { l.OpeningTimes = new Hours { RegularHours = { new RegularHours { Weekday = 1, PeriodBegin = "10:00", PeriodEnd = "09:00" } } }; } },
    };

    [Theory]
    [MemberData(nameof(BadLocations))]
    public async Task Rejects_PutLocation_InvalidArgumentAndNothingStored(string field, Action<Location> breakIt)
    {
        var r = await Roaming.SetUpAsync(Hub);
        var location = Location("BAD1");
        breakIt(location);
        var ex = await AssertFails(StatusCode.InvalidArgument, () => r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = location }).ResponseAsync);
        Assert.Contains(field, ViolatedFields(ex));
        await AssertFails(StatusCode.NotFound, () => r.CpoClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "BAD1" }).ResponseAsync);
    }

    [Fact]
    public async Task CpoMethods_CalledByEmspOrForAnotherCpo_PermissionDenied()
    {
        var r = await Roaming.SetUpAsync(Hub);
        await AssertFails(StatusCode.PermissionDenied, () => r.EmspClient.PutLocationAsync(new PutLocationRequest { Location = Location("L") }).ResponseAsync);
        using var stream = r.EmspClient.StreamStatusUpdates();
        await AssertFails(StatusCode.PermissionDenied, () => stream.ResponseAsync);

        var other = Unique(PartyRole.Cpo);
        var foreign = Location("L");
        foreign.Cpo = other;
        await AssertFails(StatusCode.PermissionDenied, () => r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = foreign }).ResponseAsync);
        await AssertFails(StatusCode.Unauthenticated, () => new LocationService.LocationServiceClient(Hub.Channel(null)).GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "L" }).ResponseAsync);
    }

    [Fact]
    public async Task GetLocation_EmspWithoutAgreement_PermissionDenied()
    {
        var r = await Roaming.SetUpAsync(Hub, agreement: false);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        await AssertFails(StatusCode.PermissionDenied, () => r.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" }).ResponseAsync);
        var list = await r.EmspClient.ListLocationsAsync(new ListLocationsRequest());
        Assert.DoesNotContain(list.Locations, l => l.Cpo.Equals(r.Cpo));
    }

    [Fact]
    public async Task ListLocations_PagesByKeyset_NoDuplicatesNoGaps()
    {
        var r = await Roaming.SetUpAsync(Hub);
        for (var i = 0; i < 7; i++)
        {
            await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location($"L{i}") });
        }

        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await r.EmspClient.ListLocationsAsync(new ListLocationsRequest { Cpo = r.Cpo, Page = new PageRequest { PageSize = 3, PageToken = token } });
            Assert.True(page.Locations.Count <= 3);
            seen.AddRange(page.Locations.Select(l => l.Id));
            token = page.Page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"L{i}"), seen);
        var since = await r.EmspClient.ListLocationsAsync(new ListLocationsRequest { Cpo = r.Cpo, UpdatedSince = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) });
        Assert.Empty(since.Locations);
    }

    [Fact]
    public async Task StreamStatusUpdates_OlderAfterNewer_CountedStaleAndNeverMovesBack()
    {
        var r = await Roaming.SetUpAsync(Hub);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });

        var summary = await SendAsync(r.CpoClient,
            [Update("LOC1", "E1", EvseStatus.Charging, 20), Update("LOC1", "E1", EvseStatus.Blocked, 10)],
            [Update("LOC1", "E2", EvseStatus.Reserved, 5), Update("LOC1", "E1", EvseStatus.Charging, 20)]);

        Assert.Equal(2, summary.Messages);
        Assert.Equal(2, summary.Accepted);
        Assert.Equal(2, summary.Stale);
        Assert.Equal(0, summary.Rejected);
        var got = (await r.CpoClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" })).Location;
        Assert.Equal(EvseStatus.Charging, got.Evses.Single(e => e.Uid == "E1").Status);
        Assert.Equal(EvseStatus.Reserved, got.Evses.Single(e => e.Uid == "E2").Status);
    }

    [Fact]
    public async Task StreamStatusUpdates_UnknownAndInvalid_RejectedWithReasonsAndStreamGoesOn()
    {
        var r = await Roaming.SetUpAsync(Hub);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        var future = Update("LOC1", "E1", EvseStatus.Charging, 0);
        future.LastUpdated = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1));

        var summary = await SendAsync(r.CpoClient,
            [Update("NOPE", "E1", EvseStatus.Charging, 1), Update("LOC1", "E9", EvseStatus.Charging, 1)],
            [future, Update("LOC1", "E1", (EvseStatus)77, 1), Update("LOC1", "bad id", EvseStatus.Charging, 1)],
            [Update("LOC1", "E1", EvseStatus.Outoforder, 30)]);

        Assert.Equal(3, summary.Messages);
        Assert.Equal(1, summary.Accepted);
        Assert.Equal(5, summary.Rejected);
        Assert.Equal(
            [RejectReason.UnknownLocation, RejectReason.UnknownEvse, RejectReason.Invalid, RejectReason.Invalid, RejectReason.Invalid],
            summary.Rejections.OrderBy(x => x.MessageIndex).ThenBy(x => x.UpdateIndex).Select(x => x.Reason));
        var got = (await r.CpoClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" })).Location;
        Assert.Equal(EvseStatus.Outoforder, got.Evses.Single(e => e.Uid == "E1").Status);
    }

    [Fact]
    public async Task StreamStatusUpdates_ManySingleUpdateMessagesSentAtOnce_AppliedInOrderEachRejectionAtItsOwnPosition()
    {
        // The hub applies the messages it already holds together; the outcome must be exactly that of one by one.
        var r = await Roaming.SetUpAsync(Hub);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        var (subscription, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest());
        using var _s = subscription;
        var messages = Enumerable.Range(1, 400).Select(i => i % 50 == 0
            ? new[] { Update("NOPE", "E1", EvseStatus.Charging, i) }
            : new[] { Update("LOC1", i % 2 == 0 ? "E1" : "E2", i % 3 == 0 ? EvseStatus.Charging : EvseStatus.Available, i) }).ToArray();
        messages[399] = [Update("LOC1", "E1", EvseStatus.Blocked, 1)]; // older than what E1 holds by then: stale

        var summary = await SendAsync(r.CpoClient, messages);

        Assert.Equal(400, summary.Messages);
        Assert.Equal(392, summary.Accepted);
        Assert.Equal(1, summary.Stale);
        Assert.Equal(7, summary.Rejected);
        Assert.Equal(Enumerable.Range(1, 7).Select(k => (long)(k * 50) - 1), summary.Rejections.Select(x => x.MessageIndex).Order());
        Assert.All(summary.Rejections, x => Assert.Equal((0, RejectReason.UnknownLocation), (x.UpdateIndex, x.Reason)));
        var accepted = messages[..399].Select(m => m[0]).Where(u => u.LocationId == "LOC1").ToList();
        var (events, _) = await ReadEventsAsync(subscription.ResponseStream, accepted.Count);
        Assert.Equal(accepted.Select(u => (u.EvseUid, u.LastUpdated)), events.Select(e => (e.EvseUid, e.LastUpdated)));
        var got = (await r.CpoClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" })).Location;
        Assert.Equal(accepted.Last(u => u.EvseUid == "E1").Status, got.Evses.Single(e => e.Uid == "E1").Status);
    }

    [Fact]
    public async Task StreamStatusUpdates_OversizedMessageAfterGoodOnes_CutEarlierOnesApplied()
    {
        var r = await Roaming.SetUpAsync(Hub);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        using var call = r.CpoClient.StreamStatusUpdates();
        for (var i = 1; i <= 20; i++)
        {
            await call.RequestStream.WriteAsync(new StreamStatusUpdatesRequest { Updates = { Update("LOC1", "E1", EvseStatus.Charging, i) } });
        }

        var oversized = new StreamStatusUpdatesRequest();
        oversized.Updates.AddRange(Enumerable.Range(0, 1001).Select(i => Update("LOC1", "E2", EvseStatus.Reserved, 100 + i)));
        try
        {
            await call.RequestStream.WriteAsync(oversized);
        }
        catch (RpcException)
        {
            // The hub may end the call while the client is still writing the large message; the write then fails
            // with the call's status, which the response below must carry.
        }

        var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, failure.StatusCode); // over this fixture's 16 KiB message limit
        var got = (await r.CpoClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" })).Location;
        Assert.Equal(T0.AddSeconds(20), got.Evses.Single(e => e.Uid == "E1").LastUpdated.ToDateTimeOffset());
        Assert.NotEqual(EvseStatus.Reserved, got.Evses.Single(e => e.Uid == "E2").Status);
    }

    [Fact]
    public async Task SubscribeStatus_AgreedEmspGetsEventsInOrder_EmspWithoutAgreementGetsNothing()
    {
        var r = await Roaming.SetUpAsync(Hub);
        var outsider = await Roaming.SetUpAsync(Hub, agreement: false);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        var (call, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest());
        using var _call = call;
        // The outsider asks for everything it may see: no CPO, so nothing; asking for this CPO is refused.
        var (outsiderCall, _) = await SubscribeAsync(outsider.EmspClient, new SubscribeStatusRequest());
        using var _o = outsiderCall;
        var denied = outsider.EmspClient.SubscribeStatus(new SubscribeStatusRequest { Cpos = { r.Cpo } });
        await AssertFails(StatusCode.PermissionDenied, () => denied.ResponseStream.MoveNext());

        var updates = Enumerable.Range(1, 50).Select(i => Update("LOC1", i % 2 == 0 ? "E1" : "E2", i % 3 == 0 ? EvseStatus.Charging : EvseStatus.Available, i)).ToArray();
        await SendAsync(r.CpoClient, updates[..25], updates[25..]);

        var (events, cursor) = await ReadEventsAsync(call.ResponseStream, 50);
        Assert.Equal(updates.Select(u => (u.EvseUid, u.LastUpdated)), events.Select(e => (e.EvseUid, e.LastUpdated)));
        Assert.Equal(events.Select(e => e.Sequence).OrderBy(s => s), events.Select(e => e.Sequence));
        Assert.NotEmpty(cursor);

        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<Exception>(() => outsiderCall.ResponseStream.MoveNext(quiet.Token));
    }

    [Fact]
    public async Task SubscribeStatus_NoCpoNamed_AgreementStartedLater_EventsFollowWithoutResubscribing()
    {
        // The EMSP subscribes before it has any agreement with this CPO.
        var r = await Roaming.SetUpAsync(Hub, agreement: false);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        var (call, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest());
        using var _call = call;
        await SendAsync(r.CpoClient, [Update("LOC1", "E1", EvseStatus.Charging, 1)]);

        var admin = new PartyAdminService.PartyAdminServiceClient(Hub.Channel(Hub.OperatorSecret));
        await admin.SetAgreementAsync(new SetAgreementRequest { Cpo = r.Cpo, Emsp = r.Emsp });

        // Taken on within the re-check interval (1 s); send until the first event arrives.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var read = call.ResponseStream.MoveNext(timeout.Token);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var second = 2;
        while (await Task.WhenAny(read, Task.Delay(300)) != read && DateTime.UtcNow < deadline)
        {
            await SendAsync(r.CpoClient, [Update("LOC1", "E2", EvseStatus.Blocked, second++)]);
        }

        Assert.True(await read);
        var batch = call.ResponseStream.Current.Batch;
        Assert.NotNull(batch);
        // Nothing from before the agreement: the update of second 1 was sent without one.
        Assert.All(batch.Events, e => Assert.Equal("E2", e.EvseUid));
        Assert.Equal(r.Cpo, batch.Events[0].Cpo);
        Assert.NotEmpty(batch.Cursor);
    }

    [Fact]
    public async Task SubscribeStatus_ResumeWithCursor_ReplaysMissedWithNoGapAndNoDuplicate()
    {
        var r = await Roaming.SetUpAsync(Hub);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        string cursor;
        {
            var (call, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest { Cpos = { r.Cpo } });
            using var _c = call;
            await SendAsync(r.CpoClient, [.. Enumerable.Range(1, 10).Select(i => Update("LOC1", "E1", EvseStatus.Charging, i))]);
            (_, cursor) = await ReadEventsAsync(call.ResponseStream, 10);
        }

        // Missed while disconnected.
        await SendAsync(r.CpoClient, [.. Enumerable.Range(11, 10).Select(i => Update("LOC1", "E1", EvseStatus.Available, i))]);

        var (again, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest { Cpos = { r.Cpo }, ResumeCursor = cursor });
        using var _a = again;
        await SendAsync(r.CpoClient, [.. Enumerable.Range(21, 5).Select(i => Update("LOC1", "E2", EvseStatus.Blocked, i))]);
        var (events, _) = await ReadEventsAsync(again.ResponseStream, 15);
        Assert.Equal(15, events.Count);
        Assert.Equal(Enumerable.Range(11, 15).Select(i => Timestamp.FromDateTimeOffset(T0.AddSeconds(i))), events.Select(e => e.LastUpdated));
        Assert.Equal(events.Count, events.Select(e => e.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task SubscribeStatus_CursorOfUnknownEpoch_ResyncRequired()
    {
        var r = await Roaming.SetUpAsync(Hub);
        var (first, cursor) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest { Cpos = { r.Cpo } });
        first.Dispose();
        // Same CPO, an epoch the feed never had (as after a feed restart).
        var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(cursor.Replace('-', '+').Replace('_', '/').PadRight((cursor.Length + 3) / 4 * 4, '=')));
        var forged = text[..(text.IndexOf('=') + 1)] + "oldepoch0000:5";
        var forgedCursor = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(forged)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        using var call = r.EmspClient.SubscribeStatus(new SubscribeStatusRequest { Cpos = { r.Cpo }, ResumeCursor = forgedCursor });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(SubscribeStatusResponse.KindOneofCase.ResyncRequired, call.ResponseStream.Current.KindCase);
        Assert.Equal(r.Cpo, Assert.Single(call.ResponseStream.Current.ResyncRequired.Cpos));

        await AssertFails(StatusCode.InvalidArgument, () => r.EmspClient.SubscribeStatus(new SubscribeStatusRequest { ResumeCursor = "garbage!" }).ResponseStream.MoveNext());
    }
}

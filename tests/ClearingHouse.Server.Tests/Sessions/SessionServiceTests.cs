using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Sessions;

/// <summary>SessionService over real gRPC on an Embedded hub: state machine, routing, denials, paging, subscriptions.</summary>
public sealed class SessionServiceTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    [Fact]
    public async Task PutSession_Lifecycle_AppliesAllowedChangesAndIgnoresStaleOnes()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var created = await pair.PutAsync(pair.Session("S1", SessionStatus.Pending, kwh: 0, minute: 1));
        Assert.Equal(SessionWriteResult.Created, created.Result);
        Assert.Equal(pair.Emsp, created.Session.Emsp);

        var active = await pair.PutAsync(pair.Session("S1", SessionStatus.Active, kwh: 2.5, minute: 2));
        Assert.Equal(SessionWriteResult.Updated, active.Result);

        // A retry of the same update changes nothing; an older one is ignored.
        Assert.Equal(SessionWriteResult.Unchanged, (await pair.PutAsync(pair.Session("S1", SessionStatus.Active, kwh: 2.5, minute: 2))).Result);
        var stale = await pair.PutAsync(pair.Session("S1", SessionStatus.Pending, kwh: 0, minute: 1));
        Assert.Equal(SessionWriteResult.Stale, stale.Result);
        Assert.Equal(SessionStatus.Active, stale.Session.Status);

        var done = pair.Session("S1", SessionStatus.Completed, kwh: 7, minute: 10);
        done.EndDateTime = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(9));
        Assert.Equal(SessionWriteResult.Updated, (await pair.PutAsync(done)).Result);

        // COMPLETED never becomes ACTIVE again, and kWh never goes backwards: nothing applied.
        var again = await AssertFails(StatusCode.FailedPrecondition, () => pair.PutAsync(pair.Session("S1", SessionStatus.Active, kwh: 8, minute: 11)));
        Assert.Equal(["session.status"], ViolatedFields(again));
        var backwards = await AssertFails(StatusCode.FailedPrecondition, () => pair.PutAsync(pair.Session("S1", SessionStatus.Completed, kwh: 6, minute: 12)));
        Assert.Equal(["session.kwh"], ViolatedFields(backwards));

        var stored = (await pair.EmspSessions().GetSessionAsync(new GetSessionRequest { Cpo = pair.Cpo, SessionId = "S1" })).Session;
        Assert.Equal(SessionStatus.Completed, stored.Status);
        Assert.Equal(7, stored.Kwh);
        Assert.Equal(SessionTestKit.T0.AddMinutes(10), stored.LastUpdated.ToDateTime());
    }

    public static TheoryData<string, Action<Session>, string> MalformedSessions => new()
    {
        { "end before start", s => s.EndDateTime = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(-1)), "session.end_date_time" },
        { "location id with a space", s => s.LocationId = "LOC 1", "session.location_id" },
        { "no location", s => s.LocationId = "", "session.location_id" },
        { "negative kwh", s => s.Kwh = -1, "session.kwh" },
        { "no status", s => s.Status = SessionStatus.Unspecified, "session.status" },
        { "no last_updated", s => s.LastUpdated = null, "session.last_updated" },
        { "bad currency", s => s.Currency = "eur", "session.currency" },
        { "no token", s => s.CdrToken = null, "session.cdr_token" },
        { "bad token party", s => s.CdrToken.PartyId = "x", "session.cdr_token.party_id" },
        { "period before start", s => s.ChargingPeriods.Add(new ChargingPeriod { StartDateTime = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(-5)), Dimensions = { new CdrDimension { Type = CdrDimensionType.Energy, Volume = 1 } } }), "session.charging_periods[0].start_date_time" },
        { "bad total cost", s => s.TotalCost = new Price { ExclVat = "ten", Currency = "EUR" }, "session.total_cost.excl_vat" },
        { "no auth method", s => s.AuthMethod = AuthMethod.Unspecified, "session.auth_method" },
    };

    [Theory]
    [MemberData(nameof(MalformedSessions))]
    public async Task Rejects_MalformedSession_InvalidArgumentNothingStored(string why, Action<Session> spoil, string field)
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var session = pair.Session("BAD");
        spoil(session);

        var ex = await AssertFails(StatusCode.InvalidArgument, () => pair.PutAsync(session));

        Assert.True(ViolatedFields(ex).SequenceEqual([field]), $"{why}: {string.Join(',', ViolatedFields(ex))}");
        await AssertFails(StatusCode.NotFound, () => pair.EmspSessions().GetSessionAsync(new GetSessionRequest { Cpo = pair.Cpo, SessionId = "BAD" }).ResponseAsync);
    }

    [Fact]
    public async Task PutSession_LocationNotPublishedByThisCpo_FailedPreconditionAndNothingStored()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var other = await RoamingPair.CreateAsync(Hub);
        await other.EnsureLocationAsync(); // LOC1 exists, but it is the other CPO's

        var ex = await AssertFails(StatusCode.FailedPrecondition, () => pair.CpoSessions().PutSessionAsync(new PutSessionRequest { Session = pair.Session("S-NOLOC") }).ResponseAsync);

        Assert.Equal(["session.location_id"], ViolatedFields(ex));
        await AssertFails(StatusCode.NotFound, () => pair.EmspSessions().GetSessionAsync(new GetSessionRequest { Cpo = pair.Cpo, SessionId = "S-NOLOC" }).ResponseAsync);
    }

    [Fact]
    public async Task PutSession_UnknownEvseOfOwnLocation_FailedPrecondition()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await pair.EnsureLocationAsync();
        var session = pair.Session("S-NOEVSE");
        session.EvseUid = "EVSE9";

        var ex = await AssertFails(StatusCode.FailedPrecondition, () => pair.CpoSessions().PutSessionAsync(new PutSessionRequest { Session = session }).ResponseAsync);
        Assert.Equal(["session.evse_uid"], ViolatedFields(ex));
    }

    [Fact]
    public async Task PutSession_Denials_RightStatusNothingStored()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var other = await RoamingPair.CreateAsync(Hub, agreement: false);

        // An EMSP cannot put sessions; a CPO cannot put a session under another CPO's ids.
        await AssertFails(StatusCode.PermissionDenied, () => new SessionService.SessionServiceClient(pair.EmspChannel).PutSessionAsync(new PutSessionRequest { Session = pair.Session("X") }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => other.PutAsync(pair.Session("X")));

        // No agreement between the CPO and the token's EMSP: not routed, not stored.
        var ex = await AssertFails(StatusCode.FailedPrecondition, () => other.PutAsync(other.Session("NOAGREE")));
        Assert.Equal(["session.cdr_token"], ViolatedFields(ex));
        await AssertFails(StatusCode.NotFound, () => SessionTestKit.OperatorSessions(Hub).GetSessionAsync(new GetSessionRequest { Cpo = other.Cpo, SessionId = "NOAGREE" }).ResponseAsync);

        // No credential.
        await AssertFails(StatusCode.Unauthenticated, () => new SessionService.SessionServiceClient(Hub.Channel(null)).ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
        // Only the operator lists stuck sessions.
        await AssertFails(StatusCode.PermissionDenied, () => pair.EmspSessions().ListStuckSessionsAsync(new ListStuckSessionsRequest()).ResponseAsync);
    }

    [Fact]
    public async Task GetSession_AnotherEmspsSession_NotFound()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var other = await RoamingPair.CreateAsync(Hub);
        await pair.PutAsync(pair.Session("MINE"));

        await AssertFails(StatusCode.NotFound, () => other.EmspSessions().GetSessionAsync(new GetSessionRequest { Cpo = pair.Cpo, SessionId = "MINE" }).ResponseAsync);
        Assert.Empty((await other.EmspSessions().ListSessionsAsync(new ListSessionsRequest())).Sessions);
        Assert.Equal("MINE", (await SessionTestKit.OperatorSessions(Hub).GetSessionAsync(new GetSessionRequest { Cpo = pair.Cpo, SessionId = "MINE" })).Session.Id);
    }

    [Fact]
    public async Task PatchSession_AppendsPeriodsAndCompletes_UnknownIsNotFound()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await pair.PutAsync(pair.Session("P1", SessionStatus.Active, kwh: 1, minute: 1));
        var period = new ChargingPeriod { StartDateTime = Timestamp.FromDateTime(SessionTestKit.T0), Dimensions = { new CdrDimension { Type = CdrDimensionType.Energy, Volume = 3 } } };

        var patched = await pair.CpoSessions().PatchSessionAsync(new PatchSessionRequest
        {
            SessionId = "P1",
            LastUpdated = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(5)),
            Status = SessionStatus.Completed,
            Kwh = 3,
            EndDateTime = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(5)),
            ChargingPeriods = { period },
            TotalCost = new Price { ExclVat = "1.20", InclVat = "1.45", Currency = "EUR" },
        });

        Assert.Equal(SessionWriteResult.Updated, patched.Result);
        Assert.Equal(SessionStatus.Completed, patched.Session.Status);
        Assert.Single(patched.Session.ChargingPeriods);
        Assert.Equal("1.45", patched.Session.TotalCost.InclVat);
        var currency = await AssertFails(StatusCode.InvalidArgument, () => pair.CpoSessions().PatchSessionAsync(new PatchSessionRequest { SessionId = "P1", LastUpdated = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(7)), TotalCost = new Price { ExclVat = "2", Currency = "USD" } }).ResponseAsync);
        Assert.Equal(["total_cost.currency"], ViolatedFields(currency));
        await AssertFails(StatusCode.NotFound, () => pair.CpoSessions().PatchSessionAsync(new PatchSessionRequest { SessionId = "NOPE", LastUpdated = Timestamp.FromDateTime(SessionTestKit.T0) }).ResponseAsync);
        await AssertFails(StatusCode.FailedPrecondition, () => pair.CpoSessions().PatchSessionAsync(new PatchSessionRequest { SessionId = "P1", LastUpdated = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(6)), Status = SessionStatus.Active }).ResponseAsync);
    }

    [Fact]
    public async Task ListSessions_KeysetPagesAndUpdatedSince_EachSessionOnce()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        for (var i = 0; i < 7; i++)
        {
            await pair.PutAsync(pair.Session($"L{i}", minute: 10 + i));
        }

        var seen = new List<string>();
        var request = new ListSessionsRequest { Page = new PageRequest { PageSize = 3 } };
        for (var pages = 0; pages < 10; pages++)
        {
            var page = await pair.EmspSessions().ListSessionsAsync(request);
            seen.AddRange(page.Sessions.Select(s => s.Id));
            if (page.Page.NextPageToken.Length == 0)
            {
                break;
            }

            request.Page.PageToken = page.Page.NextPageToken;
        }

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"L{i}"), seen);
        var since = await pair.EmspSessions().ListSessionsAsync(new ListSessionsRequest { UpdatedSince = Timestamp.FromDateTime(SessionTestKit.T0.AddMinutes(15)) });
        Assert.Equal(["L5", "L6"], since.Sessions.Select(s => s.Id));
        await AssertFails(StatusCode.InvalidArgument, () => pair.EmspSessions().ListSessionsAsync(new ListSessionsRequest { Page = new PageRequest { PageToken = "garbage!" } }).ResponseAsync);
    }

    [Fact]
    public async Task SubscribeSessions_LiveThenResumeWithCursor_ReplaysWhatWasMissed()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var other = await RoamingPair.CreateAsync(Hub);
        string cursor;
        using (var call = pair.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { FromStart = true }))
        {
            await pair.PutAsync(pair.Session("W1", minute: 1));
            await other.PutAsync(other.Session("NOT-MINE", minute: 1));
            await pair.PutAsync(pair.Session("W1", kwh: 2, minute: 2));
            // Changes of W1 may be collapsed into its latest version; the other EMSP's session never shows.
            var events = await call.ReadUntilAsync(s => s.Kwh == 2);
            Assert.All(events, e => Assert.Equal("W1", e.Session.Id));
            cursor = events[^1].Cursor;
        }

        // Disconnected: two changes happen. Resuming with the cursor replays them, then goes live.
        await pair.PutAsync(pair.Session("W2", minute: 3));
        await pair.PutAsync(pair.Session("W1", SessionStatus.Completed, kwh: 5, minute: 4));
        using var resumed = pair.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { Cursor = cursor });
        var replayed = await resumed.ReadAsync(2);
        Assert.Equal(["W2", "W1"], replayed.Select(e => e.Session.Id));
        Assert.Equal(SessionStatus.Completed, replayed[1].Session.Status);
        await pair.PutAsync(pair.Session("W3", minute: 5));
        Assert.Equal("W3", (await resumed.ReadAsync(1)).Single().Session.Id);
    }

    [Fact]
    public async Task PutSession_WithRecordedAuthorizationReference_IsLinked()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await pair.PutAsync("LINK-1", WhitelistType.Always);
        var reference = (await pair.AuthorizeAsync("LINK-1")).Authorization.AuthorizationReference;
        var session = pair.Session("AUTH1");
        session.AuthorizationReference = reference;
        var unknown = pair.Session("AUTH2");
        unknown.AuthorizationReference = "NOT-RECORDED";

        Assert.True((await pair.PutAsync(session)).Session.AuthorizationRecorded);
        Assert.False((await pair.PutAsync(unknown)).Session.AuthorizationRecorded);
    }
}

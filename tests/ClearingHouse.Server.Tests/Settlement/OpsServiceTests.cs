using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using LocationTestData = ClearingHouse.Server.Tests.Locations.LocationTestData;
using ClearingHouse.Server.Tests.Sessions;
using ClearingHouse.Server.Tests.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.Server.Tests.Settlement;

/// <summary>OpsService over real gRPC against an Embedded hub.</summary>
public sealed class OpsServiceTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    private OpsService.OpsServiceClient Ops(string secret) => new(Hub.Channel(secret));

    [Fact]
    public async Task OpsService_Party_PermissionDenied()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        foreach (var call in new Func<OpsService.OpsServiceClient, Task>[]
        {
            c => c.GetHealthAsync(new GetHealthRequest()).ResponseAsync,
            c => c.ListFindingsAsync(new ListFindingsRequest()).ResponseAsync,
            c => c.ResendCdrAsync(new ResendCdrRequest { Cpo = roaming.Cpo, CdrId = "X" }).ResponseAsync,
            c => c.ResendSessionAsync(new ResendSessionRequest { Cpo = roaming.Cpo, SessionId = "X" }).ResponseAsync,
            c => c.ListAuditLogAsync(new ListAuditLogRequest()).ResponseAsync,
        })
        {
            Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => call(Ops(roaming.CpoSecret)))).StatusCode);
            Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => call(Ops(roaming.EmspSecret)))).StatusCode);
        }
    }

    [Fact]
    public async Task GetHealth_PartnerCalls_LastSeenCallsAndErrors()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cdrs = new CdrService.CdrServiceClient(roaming.EmspChannel(Hub));
        await cdrs.ListCdrsAsync(new ListCdrsRequest());
        await Assert.ThrowsAsync<RpcException>(() => cdrs.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { "{}" } }).ResponseAsync);

        var health = await Ops(Hub.OperatorSecret).GetHealthAsync(new GetHealthRequest());

        var emsp = Assert.Single(health.Partners, p => p.Party.Equals(roaming.Emsp));
        Assert.Equal((2L, 1L), (emsp.Calls, emsp.Errors));
        Assert.NotNull(emsp.LastSeen);
        Assert.Contains(health.Partners, p => p.Party.Equals(roaming.Cpo));
    }

    [Fact]
    public async Task ListFindings_MismatchedCdr_CountedWithExampleAndUncheckedKindsSaySo()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        await new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("MM", total: 9m) } });

        var findings = await Ops(Hub.OperatorSecret).ListFindingsAsync(new ListFindingsRequest { Since = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero)), Examples = 100 });

        var mismatch = Assert.Single(findings.Findings, f => f.Kind == "PRICE_MISMATCH");
        Assert.True(mismatch.Checked);
        Assert.True(mismatch.Count >= 1);
        Assert.Contains($"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO/MM", mismatch.Examples);
        Assert.All(findings.Findings.Where(f => !f.Checked), f => Assert.NotEmpty(f.Note));
    }

    [Fact]
    public async Task ListFindings_StaleEvseLocationsWithoutTariffAndCdrWithoutSession_CheckedWithExamples()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var pair = new RoamingPair(roaming.Cpo, roaming.Emsp, roaming.CpoChannel(Hub), roaming.EmspChannel(Hub));
        var cpo = $"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO";
        var tariffs = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));
        await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var locations = new LocationService.LocationServiceClient(roaming.CpoChannel(Hub));
        var now = DateTimeOffset.UtcNow;
        await locations.PutLocationAsync(new PutLocationRequest { Location = Location("FRESH", now.AddHours(-1), "T-MIN") });
        await locations.PutLocationAsync(new PutLocationRequest { Location = Location("STALE", now.AddDays(-3), "T-MIN") });
        await locations.PutLocationAsync(new PutLocationRequest { Location = Location("NO-TARIFF", now.AddHours(-1)) });
        await locations.PutLocationAsync(new PutLocationRequest { Location = Location("BAD-TARIFF", now.AddHours(-1), "T-LATER") });
        await pair.PutAsync(pair.Session("S-KNOWN"));
        var known = roaming.CdrNode("CDR-KNOWN");
        known["session_id"] = "S-KNOWN";
        var orphan = roaming.CdrNode("CDR-ORPHAN");
        orphan["session_id"] = "S-GHOST";
        await new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { known.ToJsonString(), orphan.ToJsonString() } });
        var request = new ListFindingsRequest { Since = Timestamp.FromDateTimeOffset(new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero)), Examples = 100 };

        var findings = (await Ops(Hub.OperatorSecret).ListFindingsAsync(request)).Findings.ToDictionary(f => f.Kind);
        await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff.Replace("T-MIN", "T-LATER", StringComparison.Ordinal) });
        var afterTariff = (await Ops(Hub.OperatorSecret).ListFindingsAsync(request)).Findings.Single(f => f.Kind == "LOCATION_WITHOUT_TARIFF");

        Assert.All(findings.Values, f => Assert.True(f.Checked, f.Kind));
        var stale = findings["EVSE_STATUS_STALE"];
        Assert.Contains(stale.Examples, e => e.StartsWith($"{cpo}/STALE/E1 (Available since ", StringComparison.Ordinal));
        Assert.DoesNotContain(stale.Examples, e => e.Contains("/FRESH/", StringComparison.Ordinal));
        Assert.Contains("Ops:StaleStatusAfter", stale.Note, StringComparison.Ordinal);
        var withoutTariff = findings["LOCATION_WITHOUT_TARIFF"];
        Assert.Contains($"{cpo}/NO-TARIFF (E1/1: no tariff)", withoutTariff.Examples);
        Assert.Contains($"{cpo}/BAD-TARIFF (E1/1: unknown tariff T-LATER)", withoutTariff.Examples);
        Assert.DoesNotContain(withoutTariff.Examples, e => e.Contains("/FRESH", StringComparison.Ordinal) || e.Contains("/STALE", StringComparison.Ordinal));
        Assert.Contains($"{cpo}/NO-TARIFF (E1/1: no tariff)", afterTariff.Examples);
        Assert.DoesNotContain(afterTariff.Examples, e => e.Contains("/BAD-TARIFF", StringComparison.Ordinal));
        Assert.Equal(withoutTariff.Count - 1, afterTariff.Count);
        var orphans = findings["CDR_WITHOUT_SESSION"];
        Assert.Contains($"{cpo}/CDR-ORPHAN (session S-GHOST)", orphans.Examples);
        Assert.DoesNotContain(orphans.Examples, e => e.Contains("CDR-KNOWN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResendCdr_LiveAndResumedSubscribers_ReceiveTheCdrAgainAndAudited()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var emspCdrs = new CdrService.CdrServiceClient(roaming.EmspChannel(Hub));
        using var live = emspCdrs.SubscribeCdrs(new SubscribeCdrsRequest());
        using (var timeout = new CancellationTokenSource(Wait))
        {
            Assert.True(await live.ResponseStream.MoveNext(timeout.Token)); // subscribed
        }

        await new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("RS"), roaming.Cdr("RS-2") } });
        var first = await ReadCdrsAsync(live, 2);
        var cursor = first[^1].Cursor; // everything so far was read

        var response = await Ops(Hub.OperatorSecret).ResendCdrAsync(new ResendCdrRequest { Cpo = roaming.Cpo, CdrId = "RS" });
        var again = await ReadCdrsAsync(live, 1);
        using var resumed = emspCdrs.SubscribeCdrs(new SubscribeCdrsRequest { ResumeCursor = cursor });
        var replayed = await ReadCdrsAsync(resumed, 1);
        var audit = await Ops(Hub.OperatorSecret).ListAuditLogAsync(new ListAuditLogRequest { Limit = 1 });

        Assert.Equal(["RS", "RS-2"], first.Select(e => e.Cdr.Id).Order());
        Assert.Contains($"{roaming.Emsp.CountryCode}-{roaming.Emsp.PartyId}-EMSP", response.Outcome, StringComparison.Ordinal);
        Assert.Equal("RS", Assert.Single(again).Cdr.Id);
        Assert.Equal(first.Single(e => e.Cdr.Id == "RS").Cdr, again[0].Cdr);
        Assert.Equal("RS", Assert.Single(replayed).Cdr.Id);
        var entry = Assert.Single(audit.Entries);
        Assert.Equal(("ops.resend", $"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO/RS", response.Outcome), (entry.Action, entry.Target, entry.Detail));
    }

    [Fact]
    public async Task ResendSession_Subscriber_ReceivesTheSessionAgainUnchangedAndAudited()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var pair = new RoamingPair(roaming.Cpo, roaming.Emsp, roaming.CpoChannel(Hub), roaming.EmspChannel(Hub));
        await pair.PutAsync(pair.Session("RSS", kwh: 3));
        using var call = pair.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { FromStart = true });
        var before = await call.ReadUntilAsync(s => s.Id == "RSS");

        var response = await Ops(Hub.OperatorSecret).ResendSessionAsync(new ResendSessionRequest { Cpo = roaming.Cpo, SessionId = "RSS" });
        var again = await call.ReadAsync(1);
        using var resumed = pair.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { Cursor = before[^1].Cursor });
        var replayed = await resumed.ReadAsync(1);
        var audit = await Ops(Hub.OperatorSecret).ListAuditLogAsync(new ListAuditLogRequest { Limit = 1 });

        Assert.Equal("RSS", again[0].Session.Id);
        Assert.Equal(before[^1].Session, again[0].Session);
        Assert.NotEqual(before[^1].Cursor, again[0].Cursor);
        Assert.Equal("RSS", Assert.Single(replayed).Session.Id);
        Assert.Contains("republished session RSS (Active)", response.Outcome, StringComparison.Ordinal);
        var entry = Assert.Single(audit.Entries);
        Assert.Equal(("ops.resend", $"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO/session RSS", response.Outcome), (entry.Action, entry.Target, entry.Detail));
    }

    [Fact]
    public async Task Resend_UnknownOrMissingIds_NotFoundOrInvalidArgumentAndRefusalsAudited()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var ops = Ops(Hub.OperatorSecret);

        var unknownCdr = await Assert.ThrowsAsync<RpcException>(() => ops.ResendCdrAsync(new ResendCdrRequest { Cpo = roaming.Cpo, CdrId = "NOPE" }).ResponseAsync);
        var unknownSession = await Assert.ThrowsAsync<RpcException>(() => ops.ResendSessionAsync(new ResendSessionRequest { Cpo = roaming.Cpo, SessionId = "NOPE" }).ResponseAsync);
        var audit = await ops.ListAuditLogAsync(new ListAuditLogRequest { Limit = 2 });

        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (unknownCdr.StatusCode, unknownSession.StatusCode));
        Assert.Equal(["refused: no such session", "refused: no such CDR"], audit.Entries.Select(e => e.Detail));
        foreach (var call in new Func<Task>[]
        {
            () => ops.ResendCdrAsync(new ResendCdrRequest { Cpo = roaming.Cpo }).ResponseAsync,
            () => ops.ResendCdrAsync(new ResendCdrRequest { CdrId = "X" }).ResponseAsync,
            () => ops.ResendCdrAsync(new ResendCdrRequest { Cpo = roaming.Emsp, CdrId = "X" }).ResponseAsync,
            () => ops.ResendSessionAsync(new ResendSessionRequest { Cpo = roaming.Cpo }).ResponseAsync,
            () => ops.ResendSessionAsync(new ResendSessionRequest { SessionId = "X" }).ResponseAsync,
        })
        {
            Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);
        }
    }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static async Task<List<CdrEvent>> ReadCdrsAsync(AsyncServerStreamingCall<SubscribeCdrsResponse> call, int count)
    {
        using var timeout = new CancellationTokenSource(Wait);
        var events = new List<CdrEvent>();
        while (events.Count < count && await call.ResponseStream.MoveNext(timeout.Token))
        {
            events.AddRange(call.ResponseStream.Current.Events);
        }

        return events;
    }

    // One EVSE E1 with one connector naming the given tariffs (none: no tariff), everything last updated at `at`.
    private static Location Location(string id, DateTimeOffset at, params string[] tariffIds)
    {
        var location = LocationTestData.Location(id, evses: 1);
        var stamp = Timestamp.FromDateTimeOffset(at);
        location.LastUpdated = stamp;
        location.Evses[0].LastUpdated = stamp;
        location.Evses[0].Connectors[0].LastUpdated = stamp;
        location.Evses[0].Connectors[0].TariffIds.Clear();
        location.Evses[0].Connectors[0].TariffIds.AddRange(tariffIds);
        return location;
    }
}

using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Sessions;
using ClearingHouse.Server.Tests.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.Server.Tests.Settlement;

/// <summary>OpsService on the Cluster profile: findings from PostgreSQL, resends through the PostgreSQL CDR and session feeds.</summary>
public sealed class OpsClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _clusterId = $"ch-ops-{Guid.NewGuid():N}";
    private readonly string _operatorSecret = CredentialSecret.Generate(party: null).Text;
    private string _postgres = null!;

    public async Task InitializeAsync() => _postgres = await TestServices.CreateDatabaseAsync();

    public Task DisposeAsync() => TestServices.DropDatabaseAsync(_postgres);

    [Fact]
    public async Task FindingsAndResends_ClusterProfile_FromPostgresAndDeliveredToSubscribers()
    {
        await using var hub = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        var roaming = await Roaming.SetUpAsync(hub);
        var pair = new RoamingPair(roaming.Cpo, roaming.Emsp, roaming.CpoChannel(hub), roaming.EmspChannel(hub));
        var cpo = $"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO";
        var ops = new OpsService.OpsServiceClient(hub.Channel(_operatorSecret));
        await new TariffService.TariffServiceClient(roaming.CpoChannel(hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        await pair.PutAsync(pair.Session("S-1")); // also publishes LOC1, whose connector names tariff T1 the CPO never published
        using var sessions = pair.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { FromStart = true });
        await sessions.ReadUntilAsync(s => s.Id == "S-1");
        using var cdrFeed = new CdrService.CdrServiceClient(roaming.EmspChannel(hub)).SubscribeCdrs(new SubscribeCdrsRequest());
        using (var timeout = new CancellationTokenSource(Wait))
        {
            Assert.True(await cdrFeed.ResponseStream.MoveNext(timeout.Token));
        }

        var cdr = roaming.CdrNode("C-1");
        cdr["session_id"] = "S-GHOST";
        await new CdrService.CdrServiceClient(roaming.CpoChannel(hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { cdr.ToJsonString() } });
        Assert.Equal("C-1", (await ReadCdrAsync(cdrFeed)).Cdr.Id);

        var findings = (await ops.ListFindingsAsync(new ListFindingsRequest
        {
            Since = Timestamp.FromDateTimeOffset(new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero)), Examples = 100,
        })).Findings.ToDictionary(f => f.Kind);
        var cdrResend = await ops.ResendCdrAsync(new ResendCdrRequest { Cpo = roaming.Cpo, CdrId = "C-1" });
        var cdrAgain = await ReadCdrAsync(cdrFeed);
        var sessionResend = await ops.ResendSessionAsync(new ResendSessionRequest { Cpo = roaming.Cpo, SessionId = "S-1" });
        var sessionAgain = await sessions.ReadAsync(1);

        Assert.Equal($"{cpo}/C-1 (session S-GHOST)", Assert.Single(findings["CDR_WITHOUT_SESSION"].Examples));
        Assert.Equal($"{cpo}/LOC1 (EVSE1/1: unknown tariff T1)", Assert.Single(findings["LOCATION_WITHOUT_TARIFF"].Examples));
        Assert.StartsWith($"{cpo}/LOC1/EVSE1 (Available since ", Assert.Single(findings["EVSE_STATUS_STALE"].Examples), StringComparison.Ordinal);
        Assert.StartsWith("requeued CDR C-1", cdrResend.Outcome, StringComparison.Ordinal);
        Assert.Equal("C-1", cdrAgain.Cdr.Id);
        Assert.StartsWith("republished session S-1", sessionResend.Outcome, StringComparison.Ordinal);
        Assert.Equal("S-1", Assert.Single(sessionAgain).Session.Id);
    }

    private static async Task<CdrEvent> ReadCdrAsync(AsyncServerStreamingCall<SubscribeCdrsResponse> call)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            if (call.ResponseStream.Current.Events.Count > 0)
            {
                return Assert.Single(call.ResponseStream.Current.Events);
            }
        }

        throw new InvalidOperationException("the CDR stream ended");
    }
}

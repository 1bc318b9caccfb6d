using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
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
            c => c.ListAuditLogAsync(new ListAuditLogRequest()).ResponseAsync,
        })
        {
            Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => call(Ops(roaming.CpoSecret)))).StatusCode);
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
    public async Task ResendCdr_NoDeliveryPath_FailedPreconditionAndAudited()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        await new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("RS") } });
        var ops = Ops(Hub.OperatorSecret);

        var known = await Assert.ThrowsAsync<RpcException>(() => ops.ResendCdrAsync(new ResendCdrRequest { Cpo = roaming.Cpo, CdrId = "RS" }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => ops.ResendCdrAsync(new ResendCdrRequest { Cpo = roaming.Cpo, CdrId = "NOPE" }).ResponseAsync);
        var audit = await ops.ListAuditLogAsync(new ListAuditLogRequest { Limit = 2 });

        Assert.Equal(StatusCode.FailedPrecondition, known.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(["NOPE", "RS"], audit.Entries.Select(e => e.Target.Split('/')[1]));
        Assert.All(audit.Entries, e => Assert.Equal("ops.resend", e.Action));
    }
}

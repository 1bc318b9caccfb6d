using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Application.Tariffs;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Application.Tests.Tariffs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Application.Tests.Cdrs;

/// <summary>CDR ingest called as an edge would, on a real in-process cluster with the SQLite CDR store.</summary>
public sealed class CdrIngestorTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    // No cdr_location.id: the location grains (and their write-behind) are the locations flow's, not needed here.
    private static string Cdr(PartyKey cpo, PartyKey emsp, string id, decimal total = 0.50m) => $$"""
        { "country_code": "{{cpo.CountryCode}}", "party_id": "{{cpo.PartyId}}", "id": "{{id}}",
          "start_date_time": "2022-01-13T14:30:00Z", "end_date_time": "2022-01-13T15:30:00Z",
          "cdr_token": { "country_code": "{{emsp.CountryCode}}", "party_id": "{{emsp.PartyId}}", "uid": "TOKEN-1", "type": "RFID", "contract_id": "DE-XYZ-C1" },
          "currency": "EUR", "cdr_location": { "country": "NLD" },
          "tariffs": [ { "id": "T-MIN", "currency": "EUR", "elements": [] } ],
          "charging_periods": [ { "start_date_time": "2022-01-13T14:30:00Z", "dimensions": [ { "type": "ENERGY", "volume": 1.2 } ] } ],
          "total_cost": { "excl_vat": {{total}}, "incl_vat": 0.55 }, "total_energy": 1.2, "total_time": 1, "last_updated": "2022-01-13T16:00:00Z" }
        """;

    private async Task<(PartyKey Cpo, PartyKey Emsp)> SetUpAsync(string cpoName, string emspName)
    {
        var cpo = await hub.RegisterAsync(cpoName);
        var emsp = await hub.RegisterAsync(emspName);
        await hub.AgreeAsync(cpo, emsp);
        await hub.WaitForDirectoryAsync(v => v.GetAgreement(cpo, emsp) is not null);
        await hub.Get<TariffFlow>().PutAsync(new CallerIdentity(cpo, "c1"), TariffFlow.ParseTariff(TariffFlowTests.MinPriceTariff, "ocpi_json"));
        return (cpo, emsp);
    }

    [Fact]
    public async Task IngestAsync_MixedBatch_EachCdrJudgedPricedAndStoredOnce()
    {
        var (cpo, emsp) = await SetUpAsync("NL-CI1-CPO", "DE-CI1-EMSP");
        var unknown = new PartyKey("DE", "ZZZ", PartyRole.Emsp);
        var caller = new CallerIdentity(cpo, "c1");
        var ingestor = hub.Get<CdrIngestor>();

        var results = await ingestor.IngestAsync(caller, [Cdr(cpo, emsp, "A"), Cdr(cpo, emsp, "A"), Cdr(cpo, unknown, "B"), "not json", Cdr(cpo, emsp, "C", total: 9m)], CancellationToken.None);
        var again = await ingestor.IngestAsync(caller, [Cdr(cpo, emsp, "A")], CancellationToken.None);

        Assert.Equal([CdrOutcome.Accepted, CdrOutcome.Duplicate, CdrOutcome.Rejected, CdrOutcome.Rejected, CdrOutcome.Accepted], results.Select(r => r.Outcome));
        Assert.Equal(PriceCheck.Matched, results[0].PriceCheck);
        Assert.Equal(PriceCheck.Mismatch, results[4].PriceCheck);
        Assert.Equal("cdr_token", Assert.Single(results[2].Reasons).Field);
        Assert.Equal(CdrOutcome.Duplicate, Assert.Single(again).Outcome);
        var stored = (await hub.Get<ICdrStore>().GetAsync(cpo, "A"))!;
        Assert.Equal(0.50m, stored.TotalCostExclVat);
        Assert.Equal("T-MIN", stored.TariffId);
        Assert.NotNull(stored.HubPriceJson);
    }

    [Fact]
    public async Task IngestAsync_EmspCallerOrEmptyBatch_Refused()
    {
        var (cpo, emsp) = await SetUpAsync("NL-CI2-CPO", "DE-CI2-EMSP");
        var ingestor = hub.Get<CdrIngestor>();

        var denied = await Assert.ThrowsAsync<HubException>(() => ingestor.IngestAsync(new CallerIdentity(emsp, "c2"), [Cdr(cpo, emsp, "X")], CancellationToken.None));
        var empty = await Assert.ThrowsAsync<HubException>(() => ingestor.IngestAsync(new CallerIdentity(cpo, "c1"), [], CancellationToken.None));

        Assert.Equal(HubErrorCode.PermissionDenied, denied.Code);
        Assert.Equal(HubErrorCode.InvalidArgument, empty.Code);
        Assert.Equal("cdrs", empty.Field);
    }
}

using System.Globalization;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Application.Tariffs;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Application.Tests.Cdrs;

/// <summary>
/// CDR ingest with tariff history, on a real in-process cluster: the version in force at the session's start prices
/// the CDR (whatever was stored when it arrived), the CDR's own named version is the fallback, a stale put is refused.
/// </summary>
public sealed class CdrVersionPricingTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    // 0.30 EUR/kWh (v1, from 1 Nov) or 0.40 (v2, from 2 Nov noon); 10 % VAT; no minimum.
    private static string Tariff(decimal perKwh, string lastUpdated) => $$"""
        { "id": "T-V", "currency": "EUR",
          "elements": [ { "price_components": [ { "type": "ENERGY", "price": {{perKwh.ToString(CultureInfo.InvariantCulture)}}, "vat": 10.0, "step_size": 1 } ] } ],
          "last_updated": "{{lastUpdated}}" }
        """;

    // 10 kWh from `start` for one hour, declaring `total` (and no component costs: only the total and volumes compared).
    private static string Cdr(PartyKey cpo, PartyKey emsp, string id, string start, string end, decimal total, string? namedVersion = null) => $$"""
        { "country_code": "{{cpo.CountryCode}}", "party_id": "{{cpo.PartyId}}", "id": "{{id}}",
          "start_date_time": "{{start}}", "end_date_time": "{{end}}",
          "cdr_token": { "country_code": "{{emsp.CountryCode}}", "party_id": "{{emsp.PartyId}}", "uid": "TOKEN-1", "type": "RFID", "contract_id": "DE-XYZ-C1" },
          "currency": "EUR", "cdr_location": { "country": "NLD" },
          "tariffs": [ { "id": "T-V", "currency": "EUR", "elements": [] {{(namedVersion is null ? "" : $", \"last_updated\": \"{namedVersion}\"")}} } ],
          "charging_periods": [ { "start_date_time": "{{start}}", "dimensions": [ { "type": "ENERGY", "volume": 10 } ] } ],
          "total_cost": { "excl_vat": {{total.ToString(CultureInfo.InvariantCulture)}}, "incl_vat": {{(total * 1.1m).ToString(CultureInfo.InvariantCulture)}} }, "total_energy": 10, "total_time": 1, "last_updated": "{{end}}" }
        """;

    private async Task<(CallerIdentity Cpo, PartyKey CpoKey, PartyKey Emsp)> SetUpAsync(string name)
    {
        var cpo = await hub.RegisterAsync($"NL-{name}-CPO");
        var emsp = await hub.RegisterAsync($"DE-{name}-EMSP");
        await hub.AgreeAsync(cpo, emsp);
        await hub.WaitForDirectoryAsync(v => v.GetAgreement(cpo, emsp) is not null);
        return (new CallerIdentity(cpo, "c1"), cpo, emsp);
    }

    [Fact]
    public async Task IngestAsync_TariffChangedAfterTheSession_PricedWithTheVersionInForceAtItsStart()
    {
        var (caller, cpo, emsp) = await SetUpAsync("VP1");
        var tariffs = hub.Get<TariffFlow>();
        await tariffs.PutAsync(caller, TariffFlow.ParseTariff(Tariff(0.30m, "2026-11-01T00:00:00Z"), "ocpi_json"));
        await tariffs.PutAsync(caller, TariffFlow.ParseTariff(Tariff(0.40m, "2026-11-02T12:00:00Z"), "ocpi_json"));

        var results = await hub.Get<CdrIngestor>().IngestAsync(caller,
        [
            Cdr(cpo, emsp, "MORNING", "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", 3.00m),
            Cdr(cpo, emsp, "AFTERNOON", "2026-11-02T14:00:00Z", "2026-11-02T15:00:00Z", 4.00m),
            Cdr(cpo, emsp, "MORNING-AT-NEW", "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", 4.00m),
        ], CancellationToken.None);

        Assert.Equal([PriceCheck.Matched, PriceCheck.Matched, PriceCheck.Mismatch], results.Select(r => r.PriceCheck));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), results[0].Check!.TariffLastUpdated);
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero), results[1].Check!.TariffLastUpdated);
        Assert.Equal("the current version was in force when the session started", results[1].Check!.TariffVersionNote);
        Assert.Equal(3.00m, results[2].HubTotal!.Value.ExclVat);
        var stored = (await hub.Get<ICdrStore>().GetAsync(cpo, "MORNING"))!;
        Assert.Contains("\"tariff_last_updated\":\"2026-11-01T00:00:00+00:00\"", stored.HubPriceJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IngestAsync_NoStoredVersionOldEnough_FallsBackToTheVersionTheCdrNames()
    {
        var (caller, cpo, emsp) = await SetUpAsync("VP2");
        var tariffs = hub.Get<TariffFlow>();
        await tariffs.PutAsync(caller, TariffFlow.ParseTariff(Tariff(0.30m, "2026-11-03T00:00:00Z"), "ocpi_json"));
        await tariffs.PutAsync(caller, TariffFlow.ParseTariff(Tariff(0.40m, "2026-11-04T00:00:00Z"), "ocpi_json"));

        var results = await hub.Get<CdrIngestor>().IngestAsync(caller,
        [
            Cdr(cpo, emsp, "NAMED", "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", 4.00m, namedVersion: "2026-11-04T00:00:00Z"),
            Cdr(cpo, emsp, "UNNAMED", "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", 3.00m),
        ], CancellationToken.None);

        Assert.Equal([PriceCheck.Matched, PriceCheck.Matched], results.Select(r => r.PriceCheck));
        Assert.Contains("the version the CDR names", results[0].Check!.TariffVersionNote, StringComparison.Ordinal);
        Assert.Contains("the oldest it keeps", results[1].Check!.TariffVersionNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_OlderLastUpdatedThanStored_RefusedAsStaleNamingTheFieldAndNothingChanged()
    {
        var (caller, cpo, _) = await SetUpAsync("VP3");
        var tariffs = hub.Get<TariffFlow>();
        await tariffs.PutAsync(caller, TariffFlow.ParseTariff(Tariff(0.40m, "2026-11-02T12:00:00Z"), "ocpi_json"));

        var stale = await Assert.ThrowsAsync<HubException>(() => tariffs.PutAsync(caller, TariffFlow.ParseTariff(Tariff(0.30m, "2026-11-01T00:00:00Z"), "ocpi_json")));
        var again = await tariffs.PutAsync(caller, TariffFlow.ParseTariff(Tariff(0.40m, "2026-11-02T12:00:00Z"), "ocpi_json"));

        Assert.Equal((HubErrorCode.InvalidArgument, "last_updated"), (stale.Code, stale.Field));
        Assert.Contains("stale", stale.Message, StringComparison.Ordinal);
        Assert.False(again.Created);
        Assert.Single(await tariffs.HistoryAsync(caller, null, "T-V"));
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero), (await tariffs.GetAsync(caller, cpo, "T-V")).Tariff.LastUpdated);
    }
}

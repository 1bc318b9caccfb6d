using System.Globalization;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Application.Locations;
using ClearingHouse.Application.Tariffs;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Application.Tests.Cdrs;

/// <summary>
/// CDR ingest against what the CDR's connector published, on a real in-process cluster: the connector's tariff_ids in
/// force when the session started (kept across a later change), a change during the session noted, and the OCPI rule
/// of one active tariff per type at a connector.
/// </summary>
public sealed class CdrConnectorTariffTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    private static readonly DateTimeOffset Day = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    // 0.30 EUR/kWh, 10 % VAT; an optional OCPI type and validity window.
    private static string Tariff(string id, string? type = null, string? window = null) => $$"""
        { "id": "{{id}}", "currency": "EUR", {{(type is null ? "" : $"\"type\": \"{type}\",")}} {{window ?? ""}}
          "elements": [ { "price_components": [ { "type": "ENERGY", "price": 0.30, "vat": 10.0, "step_size": 1 } ] } ],
          "last_updated": "2026-10-01T00:00:00Z" }
        """;

    // 10 kWh in one hour from `start` at LOC/E1/1, priced with `tariff` (3.00 EUR excl. VAT: right for every tariff here).
    private static string Cdr(PartyKey cpo, PartyKey emsp, string id, DateTimeOffset start, string tariff, string location = "LOC") => $$"""
        { "country_code": "{{cpo.CountryCode}}", "party_id": "{{cpo.PartyId}}", "id": "{{id}}",
          "start_date_time": "{{At(start)}}", "end_date_time": "{{At(start.AddHours(1))}}",
          "cdr_token": { "country_code": "{{emsp.CountryCode}}", "party_id": "{{emsp.PartyId}}", "uid": "TOKEN-1", "type": "RFID", "contract_id": "DE-XYZ-C1" },
          "currency": "EUR", "cdr_location": { "id": "{{location}}", "evse_uid": "E1", "connector_id": "1", "country": "NLD" },
          "tariffs": [ { "id": "{{tariff}}", "currency": "EUR", "elements": [] } ],
          "charging_periods": [ { "start_date_time": "{{At(start)}}", "dimensions": [ { "type": "ENERGY", "volume": 10 } ] } ],
          "total_cost": { "excl_vat": 3.00, "incl_vat": 3.30 }, "total_energy": 10, "total_time": 1, "last_updated": "{{At(start.AddHours(1))}}" }
        """;

    private static string At(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static LocationData Location(PartyKey cpo, string id, DateTimeOffset at, params string[] tariffIds) => new()
    {
        Cpo = cpo,
        Id = id,
        Country = "NLD",
        TimeZone = "Europe/Amsterdam",
        Evses = [new EvseData { Uid = "E1", LastUpdated = at, Connectors = [new ConnectorData { Id = "1", TariffIds = tariffIds, LastUpdated = at }] }],
        LastUpdated = at,
    };

    private static EvsePatch Connector(DateTimeOffset at, params string[] tariffIds) =>
        new() { Uid = "E1", Connectors = [new ConnectorData { Id = "1", TariffIds = tariffIds, LastUpdated = at }], LastUpdated = at };

    private async Task<(CallerIdentity Cpo, PartyKey CpoKey, PartyKey Emsp)> SetUpAsync(string name, params string[] tariffs)
    {
        var cpo = await hub.RegisterAsync($"NL-{name}-CPO");
        var emsp = await hub.RegisterAsync($"DE-{name}-EMSP");
        await hub.AgreeAsync(cpo, emsp);
        await hub.WaitForDirectoryAsync(v => v.GetAgreement(cpo, emsp) is not null);
        var caller = new CallerIdentity(cpo, "c1");
        foreach (var tariff in tariffs)
        {
            await hub.Get<TariffFlow>().PutAsync(caller, TariffFlow.ParseTariff(tariff, "ocpi_json"));
        }

        return (caller, cpo, emsp);
    }

    [Fact]
    public async Task IngestAsync_ConnectorChangedItsTariffsAtNoon_EachCdrJudgedByTheListWhenItsSessionStarted()
    {
        var (caller, cpo, emsp) = await SetUpAsync("CT1", Tariff("T-A"), Tariff("T-B"));
        var locations = hub.Get<LocationsCore>();
        await locations.PutAsync(caller, Location(cpo, "LOC", Day.AddDays(-1), "T-A"));
        await locations.PatchEvseAsync(caller, "LOC", Connector(Day.AddHours(12), "T-B"));

        var results = await hub.Get<CdrIngestor>().IngestAsync(caller,
        [
            Cdr(cpo, emsp, "AM-A", Day.AddHours(9), "T-A"),
            Cdr(cpo, emsp, "AM-B", Day.AddHours(9), "T-B"),
            Cdr(cpo, emsp, "ACROSS-A", Day.AddHours(11.5), "T-A"),
            Cdr(cpo, emsp, "PM-B", Day.AddHours(14), "T-B"),
            Cdr(cpo, emsp, "PM-A", Day.AddHours(14), "T-A"),
        ], CancellationToken.None);

        var checks = results.ToDictionary(r => r.CdrId!, r => r);
        Assert.True(
            new PriceCheck?[] { PriceCheck.Matched, PriceCheck.TariffNotListed, PriceCheck.Matched, PriceCheck.Matched, PriceCheck.TariffNotListed }
                .SequenceEqual(new[] { "AM-A", "AM-B", "ACROSS-A", "PM-B", "PM-A" }.Select(id => checks[id].PriceCheck)),
            string.Join("; ", results.Select(r => $"{r.CdrId} {r.PriceCheck} {r.Check?.Note}")));
        Assert.Contains("listed [T-A] when the session started, not tariff 'T-B'", checks["AM-B"].Check!.Note, StringComparison.Ordinal);
        Assert.Contains("changed its tariff_ids during the session (at 2026-11-02T12:00:00Z, to [T-B])", checks["ACROSS-A"].Check!.Note, StringComparison.Ordinal);
        Assert.Contains("listed [T-B] when the session started, not tariff 'T-A'", checks["PM-A"].Check!.Note, StringComparison.Ordinal);
        Assert.Null(checks["AM-A"].Check!.Note);
    }

    [Fact]
    public async Task IngestAsync_SessionBeforeEverythingTheHubKeepsOfTheConnector_NotFlaggedAndSaysWhy()
    {
        var (caller, cpo, emsp) = await SetUpAsync("CT2", Tariff("T-A"), Tariff("T-B"));
        await hub.Get<LocationsCore>().PutAsync(caller, Location(cpo, "LOC", Day.AddHours(12), "T-B"));

        var results = await hub.Get<CdrIngestor>().IngestAsync(caller, [Cdr(cpo, emsp, "EARLY", Day.AddHours(9), "T-A")], CancellationToken.None);

        Assert.Equal(PriceCheck.Matched, results[0].PriceCheck);
        Assert.Contains("keeps no list of it from when the session started", results[0].Check!.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IngestAsync_ConnectorListsTwoActiveTariffsOfOneType_TariffConflictNamingBoth()
    {
        var (caller, cpo, emsp) = await SetUpAsync("CT3",
            Tariff("T-R1", "REGULAR"), Tariff("T-AD", "AD_HOC_PAYMENT"),
            Tariff("T-OCT", "REGULAR", "\"start_date_time\": \"2026-10-01T00:00:00Z\", \"end_date_time\": \"2026-11-01T00:00:00Z\","),
            Tariff("T-NOV", "REGULAR", "\"start_date_time\": \"2026-11-01T00:00:00Z\","),
            Tariff("T-U1"));
        var locations = hub.Get<LocationsCore>();
        await locations.PutAsync(caller, Location(cpo, "BOTH-REG", Day.AddDays(-5), "T-R1", "T-R2"));
        await locations.PutAsync(caller, Location(cpo, "REG-AND-ADHOC", Day.AddDays(-5), "T-R1", "T-AD"));
        await locations.PutAsync(caller, Location(cpo, "REG-BY-MONTH", Day.AddDays(-40), "T-OCT", "T-NOV"));
        await locations.PutAsync(caller, Location(cpo, "UNTYPED", Day.AddDays(-5), "T-U1", "T-U2"));
        // The second tariff of each conflicting pair arrives after the location (OCPI allows either order), so the
        // location publish could not refuse the conflict: the CDR check is what catches it.
        foreach (var later in new[] { Tariff("T-R2", "REGULAR"), Tariff("T-U2") })
        {
            await hub.Get<TariffFlow>().PutAsync(caller, TariffFlow.ParseTariff(later, "ocpi_json"));
        }

        var results = (await hub.Get<CdrIngestor>().IngestAsync(caller,
        [
            Cdr(cpo, emsp, "BOTH-REG", Day.AddHours(9), "T-R1", "BOTH-REG"),
            Cdr(cpo, emsp, "REG-AND-ADHOC", Day.AddHours(9), "T-R1", "REG-AND-ADHOC"),
            Cdr(cpo, emsp, "REG-BY-MONTH", Day.AddHours(9), "T-NOV", "REG-BY-MONTH"),
            Cdr(cpo, emsp, "UNTYPED", Day.AddHours(9), "T-U2", "UNTYPED"),
        ], CancellationToken.None)).ToDictionary(r => r.CdrId!);

        var seen = string.Join("; ", results.Values.Select(r => $"{r.CdrId} {r.PriceCheck} {r.Check?.Note}"));
        Assert.True(results["BOTH-REG"].PriceCheck == PriceCheck.TariffConflict, seen);
        Assert.Contains("listed tariffs 'T-R1' and 'T-R2', both of type REGULAR and active when the session started", results["BOTH-REG"].Check!.Note, StringComparison.Ordinal);
        Assert.True(results["REG-AND-ADHOC"].PriceCheck == PriceCheck.Matched, seen);
        Assert.True(results["REG-BY-MONTH"].PriceCheck == PriceCheck.Matched, seen);
        Assert.True(results["UNTYPED"].PriceCheck == PriceCheck.TariffConflict, seen);
        Assert.Contains("both without a type", results["UNTYPED"].Check!.Note, StringComparison.Ordinal);
        Assert.True(CdrFlags.IsFlagged(PriceCheck.TariffConflict));
        var stored = (await hub.Get<ICdrStore>().GetAsync(cpo, "BOTH-REG"))!;
        Assert.Equal(PriceCheck.TariffConflict, stored.PriceCheck);
        Assert.StartsWith("tariff conflict; connector E1/1", CdrFlags.DisputeReason(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_ConnectorListsTwoStoredTariffsOfOneTypeOverlapping_RefusedNamingTheConnector()
    {
        var (caller, cpo, _) = await SetUpAsync("CT4",
            Tariff("T-R1", "REGULAR"), Tariff("T-R2", "REGULAR"), Tariff("T-AD", "AD_HOC_PAYMENT"),
            Tariff("T-OCT", "REGULAR", "\"start_date_time\": \"2026-10-01T00:00:00Z\", \"end_date_time\": \"2026-11-01T00:00:00Z\","),
            Tariff("T-NOV", "REGULAR", "\"start_date_time\": \"2026-11-01T00:00:00Z\","),
            Tariff("T-U1"), Tariff("T-U2"));
        var locations = hub.Get<LocationsCore>();

        var typed = await Assert.ThrowsAsync<HubException>(() => locations.PutAsync(caller, Location(cpo, "BOTH-REG", Day, "T-R1", "T-R2")));
        var untyped = await Assert.ThrowsAsync<HubException>(() => locations.PutAsync(caller, Location(cpo, "UNTYPED", Day, "T-U1", "T-U2")));
        // Different types, windows that do not overlap, and a tariff the hub does not hold yet are all accepted.
        Assert.True((await locations.PutAsync(caller, Location(cpo, "REG-AND-ADHOC", Day, "T-R1", "T-AD"))).Applied);
        Assert.True((await locations.PutAsync(caller, Location(cpo, "REG-BY-MONTH", Day, "T-OCT", "T-NOV"))).Applied);
        Assert.True((await locations.PutAsync(caller, Location(cpo, "NOT-YET", Day, "T-R1", "T-LATER"))).Applied);
        var patched = await Assert.ThrowsAsync<HubException>(() => locations.PatchEvseAsync(caller, "REG-AND-ADHOC", Connector(Day.AddHours(1), "T-AD", "T-R1", "T-R2")));

        Assert.Equal(HubErrorCode.InvalidArgument, typed.Code);
        Assert.Equal("evses[0].connectors[0].tariff_ids", typed.Field);
        Assert.Contains("connector E1/1 lists tariffs 'T-R1' and 'T-R2', both of type REGULAR with overlapping validity windows", typed.Message, StringComparison.Ordinal);
        Assert.Contains("both without a type", untyped.Message, StringComparison.Ordinal);
        Assert.Equal("connectors[0].tariff_ids", patched.Field);
        Assert.Null(await hub.Grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, "BOTH-REG")).Get());
        var kept = (await hub.Grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, "REG-AND-ADHOC")).Get())!;
        Assert.Equal(["T-R1", "T-AD"], kept.Evses[0].Connectors[0].TariffIds);
    }
}

using ClearingHouse.Application.Access;
using ClearingHouse.Application.Tariffs;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Application.Tests.Tariffs;

/// <summary>The tariffs flow called as an edge would, on a real in-process cluster.</summary>
public sealed class TariffFlowTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    /// <summary>A tariff of 0.25 per kWh with a minimum price of 0.50 (the project's own sample).</summary>
    internal const string MinPriceTariff = """
        { "id": "T-MIN", "currency": "EUR", "min_price": { "excl_vat": 0.50, "incl_vat": 0.55 },
          "elements": [ { "price_components": [ { "type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1 } ] } ],
          "last_updated": "2018-12-17T16:45:21Z" }
        """;

    [Fact]
    public async Task PutAsync_CpoTariff_ReadableByOwnerAndAgreedEmspOnly()
    {
        var cpo = await hub.RegisterAsync("NL-TF1-CPO");
        var emsp = await hub.RegisterAsync("DE-TF1-EMSP");
        var stranger = await hub.RegisterAsync("DE-TF2-EMSP");
        await hub.AgreeAsync(cpo, emsp);
        await hub.WaitForDirectoryAsync(v => v.GetAgreement(cpo, emsp) is not null && v.GetParty(stranger) is not null);
        var tariffs = hub.Get<TariffFlow>();

        var (stored, created) = await tariffs.PutAsync(new CallerIdentity(cpo, "c1"), TariffFlow.ParseTariff(MinPriceTariff, "ocpi_json"));

        Assert.True(created);
        Assert.Equal(cpo, stored.Cpo);
        Assert.Contains("\"party_id\":\"TF1\"", stored.Tariff.OcpiJson);
        Assert.Equal(stored, await tariffs.GetAsync(new CallerIdentity(emsp, "c2"), cpo, "T-MIN"));
        Assert.Equal(stored, await tariffs.GetAsync(new CallerIdentity(cpo, "c1"), null, "T-MIN"));
        Assert.Equal([stored], (await tariffs.ListAsync(new CallerIdentity(emsp, "c2"), null, null, 10)).Tariffs);
        var denied = await Assert.ThrowsAsync<HubException>(() => tariffs.GetAsync(new CallerIdentity(stranger, "c3"), cpo, "T-MIN"));
        Assert.Equal(HubErrorCode.PermissionDenied, denied.Code);
        Assert.Empty((await tariffs.ListAsync(new CallerIdentity(stranger, "c3"), null, null, 10)).Tariffs);
    }

    [Fact]
    public async Task PutAsync_FarFutureLastUpdated_InvalidArgumentNamingField()
    {
        var cpo = new CallerIdentity(new Domain.Parties.PartyKey("NL", "TF9", Domain.Parties.PartyRole.Cpo), "c1");
        var tariff = TariffFlow.ParseTariff(MinPriceTariff, "ocpi_json") with { LastUpdated = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero) };

        var ex = await Assert.ThrowsAsync<HubException>(() => hub.Get<TariffFlow>().PutAsync(cpo, tariff));

        Assert.Equal((HubErrorCode.InvalidArgument, "tariff.last_updated"), (ex.Code, ex.Field));
    }

    [Fact]
    public async Task PriceSessionAsync_StoredTariff_MinPriceAppliedInTheGivenZone()
    {
        var cpo = await hub.RegisterAsync("NL-TF3-CPO");
        var caller = new CallerIdentity(cpo, "c1");
        var tariffs = hub.Get<TariffFlow>();
        await tariffs.PutAsync(caller, TariffFlow.ParseTariff(MinPriceTariff, "ocpi_json"));
        var start = new DateTimeOffset(2022, 1, 13, 14, 30, 0, TimeSpan.Zero);
        var session = new ChargingSession
        {
            StartDateTime = start,
            EndDateTime = start.AddHours(1),
            ChargingPeriods = [new ChargingPeriod { StartDateTime = start, Dimensions = [new CdrDimension { Type = CdrDimensionType.Energy, Volume = 1.2m }] }],
        };

        var price = await tariffs.PriceSessionAsync(caller, null, "T-MIN", session, "Europe/Amsterdam", "session");

        Assert.Equal(new Cost(0.50m, 0.55m), price.Total);
        Assert.True(price.MinPriceApplied);
        Assert.Equal("Europe/Amsterdam", price.TimeZone);
        var invalid = await Assert.ThrowsAsync<HubException>(() => tariffs.PriceSessionAsync(caller, null, "T-MIN", session with { EndDateTime = start }, "", "session"));
        Assert.Equal("session.end_date_time", invalid.Field);
    }

    [Fact]
    public async Task PutAsync_EmspCaller_PermissionDenied()
    {
        var emsp = await hub.RegisterAsync("DE-TF4-EMSP");

        var ex = await Assert.ThrowsAsync<HubException>(() => hub.Get<TariffFlow>().PutAsync(new CallerIdentity(emsp, "c1"), TariffFlow.ParseTariff(MinPriceTariff, "ocpi_json")));

        Assert.Equal(HubErrorCode.PermissionDenied, ex.Code);
    }
}

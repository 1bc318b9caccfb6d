using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Cdrs;

/// <summary>TariffService over real gRPC against an Embedded hub.</summary>
public sealed class TariffServiceTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    [Fact]
    public async Task PutTariff_ValidTariff_StoredWithCallerPartyAndReadableByPartner()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));

        var put = await cpo.PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var again = await cpo.PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });

        Assert.True(put.Created);
        Assert.False(again.Created);
        Assert.Equal(roaming.Cpo, put.Tariff.Cpo);
        Assert.Contains($"\"party_id\":\"{roaming.Cpo.PartyId}\"", put.Tariff.OcpiJson);
        var emsp = new TariffService.TariffServiceClient(roaming.EmspChannel(Hub));
        var got = await emsp.GetTariffAsync(new GetTariffRequest { Cpo = roaming.Cpo, TariffId = "T-MIN" });
        Assert.Equal(put.Tariff, got.Tariff);
        var listed = await emsp.ListTariffsAsync(new ListTariffsRequest());
        Assert.Equal(["T-MIN"], listed.Tariffs.Select(t => t.Id));
    }

    [Theory]
    [InlineData("""{ "id": "T1", "currency": "EUR", "elements": [ { "price_components": [ { "type": "ENERGY", "price": -1, "step_size": 1 } ] } ] }""", "elements[0].price_components[0].price")]
    [InlineData("""{ "id": "T1", "currency": "XYZ", "elements": [ { "price_components": [ { "type": "ENERGY", "price": 1, "step_size": 1 } ] } ] }""", "currency")]
    [InlineData("""{ "id": "T1", "currency": "EUR", "elements": [ { "price_components": [ { "type": "TIME", "price": 1, "step_size": -1 } ] } ] }""", "elements[0].price_components[0].step_size")]
    [InlineData("""{ "id": "T1", "currency": "EUR", "elements": [ { "price_components": [ { "type": "TIME", "price": 1, "step_size": 1 } ], "restrictions": { "start_time": "25:00" } } ] }""", "elements[0].restrictions.start_time")]
    [InlineData("""{ "id": "T1", "currency": "EUR", "elements": [ { "price_components": [ { "type": "TIME", "price": 1, "step_size": 1 } ], "restrictions": { "min_kwh": 10, "max_kwh": 5 } } ] }""", "elements[0].restrictions.min_kwh")]
    [InlineData("""{ "id": "T1", "currency": "EUR", "elements": [] }""", "elements")]
    [InlineData("""{ "id": "T1", "currency": "EUR", "party_id": "ZZZ", "elements": [ { "price_components": [ { "type": "FLAT", "price": 1, "step_size": 0 } ] } ] }""", "party_id")]
    [InlineData("""not json""", "ocpi_json")]
    [InlineData("", "ocpi_json")]
    public async Task Rejects_InvalidTariff_InvalidArgumentWithFieldAndNothingStored(string json, string field)
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));

        var ex = await AssertFails(StatusCode.InvalidArgument, () => cpo.PutTariffAsync(new PutTariffRequest { OcpiJson = json }).ResponseAsync);

        Assert.Equal([field], ViolatedFields(ex));
        Assert.Empty((await cpo.ListTariffsAsync(new ListTariffsRequest())).Tariffs);
    }

    [Fact]
    public async Task ListTariffs_ManyTariffs_KeysetPagesCoverAllOnce()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));
        for (var i = 0; i < 7; i++)
        {
            await cpo.PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff.Replace("T-MIN", $"T{i}", StringComparison.Ordinal) });
        }

        var ids = new List<string>();
        var token = "";
        do
        {
            var page = await cpo.ListTariffsAsync(new ListTariffsRequest { Page = new PageRequest { PageSize = 3, PageToken = token } });
            ids.AddRange(page.Tariffs.Select(t => t.Id));
            token = page.Page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"T{i}"), ids);
    }

    [Fact]
    public async Task DeleteTariff_Existing_GoneAndSecondDeleteNotFound()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));
        await cpo.PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });

        await cpo.DeleteTariffAsync(new DeleteTariffRequest { TariffId = "T-MIN" });

        await AssertFails(StatusCode.NotFound, () => cpo.GetTariffAsync(new GetTariffRequest { TariffId = "T-MIN" }).ResponseAsync);
        await AssertFails(StatusCode.NotFound, () => cpo.DeleteTariffAsync(new DeleteTariffRequest { TariffId = "T-MIN" }).ResponseAsync);
    }

    [Fact]
    public async Task Denials_EmspPutsOrReadsWithoutAgreement_PermissionDenied()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var stranger = await Roaming.SetUpAsync(Hub); // an EMSP with an agreement with another CPO only
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var emsp = new TariffService.TariffServiceClient(stranger.EmspChannel(Hub));
        var otherCpo = new TariffService.TariffServiceClient(stranger.CpoChannel(Hub));

        await AssertFails(StatusCode.PermissionDenied, () => emsp.PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => emsp.GetTariffAsync(new GetTariffRequest { Cpo = roaming.Cpo, TariffId = "T-MIN" }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => otherCpo.GetTariffAsync(new GetTariffRequest { Cpo = roaming.Cpo, TariffId = "T-MIN" }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => emsp.ListTariffsAsync(new ListTariffsRequest { Cpo = roaming.Cpo }).ResponseAsync);
        Assert.Empty((await emsp.ListTariffsAsync(new ListTariffsRequest())).Tariffs);
        await AssertFails(StatusCode.Unauthenticated, () => new TariffService.TariffServiceClient(Hub.Channel(null)).ListTariffsAsync(new ListTariffsRequest()).ResponseAsync);
    }

    [Fact]
    public async Task PriceSession_ReferenceCdr_MinPriceApplied()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));
        await cpo.PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });

        var priced = await cpo.PriceSessionAsync(new PriceSessionRequest { TariffId = "T-MIN", SessionJson = roaming.Cdr("S1"), TimeZone = "Europe/Amsterdam" });

        Assert.Equal(0.50m, decimal.Parse(priced.Breakdown.Total.ExclVat, CultureInfo.InvariantCulture));
        Assert.Equal(0.55m, decimal.Parse(priced.Breakdown.Total.InclVat, CultureInfo.InvariantCulture));
        Assert.Equal(0.30m, decimal.Parse(priced.Breakdown.Energy.Cost.ExclVat, CultureInfo.InvariantCulture));
        Assert.True(priced.Breakdown.MinPriceApplied);
    }
}

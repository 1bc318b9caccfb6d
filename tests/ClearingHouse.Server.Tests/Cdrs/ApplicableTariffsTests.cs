using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Locations;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;
using Roaming = ClearingHouse.Server.Tests.Infrastructure.Roaming;

namespace ClearingHouse.Server.Tests.Cdrs;

/// <summary>TariffService.GetApplicableTariffs: the tariffs named by a location's connectors.</summary>
public sealed class ApplicableTariffsTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    // LOC-A: E1 connector 1 -> T-MIN, E2 connector 1 -> T-MIN + T-GONE (never put), E2 connector 2 -> none.
    private async Task<Roaming> SetUpAsync()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var location = LocationTestData.Location("LOC-A");
        location.Evses[0].Connectors[0].TariffIds[0] = "T-MIN";
        location.Evses[1].Connectors[0].TariffIds.Clear();
        location.Evses[1].Connectors[0].TariffIds.Add(["T-MIN", "T-GONE"]);
        var second = location.Evses[1].Connectors[0].Clone();
        second.Id = "2";
        second.TariffIds.Clear();
        location.Evses[1].Connectors.Add(second);
        await new LocationService.LocationServiceClient(roaming.CpoChannel(Hub)).PutLocationAsync(new PutLocationRequest { Location = location });
        return roaming;
    }

    [Fact]
    public async Task GetApplicableTariffs_WholeLocationAsEmsp_TariffsConnectorsAndMissingIds()
    {
        var roaming = await SetUpAsync();

        var response = await new TariffService.TariffServiceClient(roaming.EmspChannel(Hub))
            .GetApplicableTariffsAsync(new GetApplicableTariffsRequest { Cpo = roaming.Cpo, LocationId = "LOC-A" });

        Assert.Equal("T-MIN", Assert.Single(response.Tariffs).Id);
        Assert.Equal(roaming.Cpo, response.Tariffs[0].Cpo);
        Assert.Equal(["T-GONE"], response.MissingTariffIds);
        Assert.Equal(["E1/1:T-MIN", "E2/1:T-MIN,T-GONE", "E2/2:"], response.Connectors.Select(c => $"{c.EvseUid}/{c.ConnectorId}:{string.Join(',', c.TariffIds)}"));
        Assert.Equal("Europe/Amsterdam", response.TimeZone);
    }

    [Fact]
    public async Task GetApplicableTariffs_OneConnectorAsCpo_OnlyItsTariffs()
    {
        var roaming = await SetUpAsync();
        var client = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));

        var e1 = await client.GetApplicableTariffsAsync(new GetApplicableTariffsRequest { LocationId = "LOC-A", EvseUid = "E1", ConnectorId = "1" });
        var e2c2 = await client.GetApplicableTariffsAsync(new GetApplicableTariffsRequest { LocationId = "LOC-A", EvseUid = "E2", ConnectorId = "2" });

        Assert.Equal("T-MIN", Assert.Single(e1.Tariffs).Id);
        Assert.Empty(e1.MissingTariffIds);
        Assert.Empty(e2c2.Tariffs);
        Assert.Empty(Assert.Single(e2c2.Connectors).TariffIds);
    }

    [Fact]
    public async Task GetApplicableTariffs_BadRequests_RightStatus()
    {
        var roaming = await SetUpAsync();
        var stranger = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));

        await AssertFails(StatusCode.NotFound, () => cpo.GetApplicableTariffsAsync(new GetApplicableTariffsRequest { LocationId = "NOPE" }).ResponseAsync);
        await AssertFails(StatusCode.NotFound, () => cpo.GetApplicableTariffsAsync(new GetApplicableTariffsRequest { LocationId = "LOC-A", EvseUid = "E9" }).ResponseAsync);
        await AssertFails(StatusCode.NotFound, () => cpo.GetApplicableTariffsAsync(new GetApplicableTariffsRequest { LocationId = "LOC-A", EvseUid = "E1", ConnectorId = "9" }).ResponseAsync);
        await AssertFails(StatusCode.InvalidArgument, () => cpo.GetApplicableTariffsAsync(new GetApplicableTariffsRequest { LocationId = "LOC-A", ConnectorId = "1" }).ResponseAsync);
        await AssertFails(StatusCode.InvalidArgument, () => cpo.GetApplicableTariffsAsync(new GetApplicableTariffsRequest()).ResponseAsync);
        // An EMSP without an agreement with this CPO.
        await AssertFails(StatusCode.PermissionDenied, () => new TariffService.TariffServiceClient(stranger.EmspChannel(Hub))
            .GetApplicableTariffsAsync(new GetApplicableTariffsRequest { Cpo = roaming.Cpo, LocationId = "LOC-A" }).ResponseAsync);
    }
}

using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Cdrs;

/// <summary>The typed forms of tariffs, CDRs and sessions to price give what their OCPI JSON forms give.</summary>
public sealed class TypedContractTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    // Roaming.MinPriceTariff, typed.
    private static OcpiTariff MinPriceTariff() => new()
    {
        Id = "T-MIN",
        Currency = "EUR",
        MinPrice = new Price { ExclVat = "0.50", InclVat = "0.55" },
        Elements = { new TariffElement { PriceComponents = { new PriceComponent { Type = TariffDimensionType.Energy, Price = "0.25", Vat = "10.0", StepSize = 1 } } } },
        LastUpdated = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse("2018-12-17T16:45:21Z", System.Globalization.CultureInfo.InvariantCulture)),
    };

    // Roaming.Cdr(id), typed.
    private static OcpiCdr Cdr(Roaming roaming, string id) => new()
    {
        CountryCode = roaming.Cpo.CountryCode,
        PartyId = roaming.Cpo.PartyId,
        Id = id,
        StartDateTime = At("2022-01-13T14:30:00Z"),
        EndDateTime = At("2022-01-13T15:30:00Z"),
        CdrToken = new CdrToken { CountryCode = roaming.Emsp.CountryCode, PartyId = roaming.Emsp.PartyId, Uid = "TOKEN-1", Type = TokenType.Rfid, ContractId = "DE-XYZ-C1" },
        Currency = "EUR",
        CdrLocation = new CdrLocation { Id = "LOC1", Country = "NLD" },
        ChargingPeriods = { Period() },
        TotalCost = new Price { ExclVat = "0.50", InclVat = "0.550" },
        TotalEnergy = "1.2",
        TotalTime = "1",
        LastUpdated = At("2022-01-13T16:00:00Z"),
        Tariffs = { new OcpiTariff { Id = "T-MIN", Currency = "EUR" } },
    };

    private static ChargingPeriod Period() =>
        new() { StartDateTime = At("2022-01-13T14:30:00Z"), Dimensions = { new CdrDimension { Type = CdrDimensionType.Energy, Volume = 1.2 } } };

    private static Timestamp At(string text) => Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task PutTariff_TypedForm_StoredAsTheJsonFormAndReadBackTyped()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));

        var json = await cpo.PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var typed = await cpo.PutTariffAsync(new PutTariffRequest { Tariff = MinPriceTariff() });

        Assert.False(typed.Created);
        Assert.Equal(json.Tariff, typed.Tariff);
        var expected = MinPriceTariff();
        expected.CountryCode = roaming.Cpo.CountryCode;
        expected.PartyId = roaming.Cpo.PartyId;
        expected.MinPrice.Currency = "EUR";
        Assert.Equal(expected, typed.Tariff.Typed);
        var read = await new TariffService.TariffServiceClient(roaming.EmspChannel(Hub)).GetTariffAsync(new GetTariffRequest { Cpo = roaming.Cpo, TariffId = "T-MIN" });
        Assert.Equal(expected, read.Tariff.Typed);
    }

    [Fact]
    public async Task PutTariff_TypedFormUnsetDimension_InvalidArgumentWithFieldPath()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));
        var tariff = MinPriceTariff();
        tariff.Elements[0].PriceComponents[0].Type = TariffDimensionType.Unspecified;

        var ex = await AssertFails(StatusCode.InvalidArgument, () => cpo.PutTariffAsync(new PutTariffRequest { Tariff = tariff }).ResponseAsync);

        Assert.Equal(["tariff.elements[0].price_components[0].type"], ViolatedFields(ex));
    }

    [Fact]
    public async Task SubmitCdrBatch_TypedForm_SameAcksAndStoredPriceAsJsonForm()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var cpo = new CdrService.CdrServiceClient(roaming.CpoChannel(Hub));
        var broken = Cdr(roaming, "T-BAD");
        broken.EndDateTime = At("2022-01-13T14:00:00Z");

        var json = await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("J-1"), roaming.CdrNode("J-BAD").Also(n => n["end_date_time"] = "2022-01-13T14:00:00Z").ToJsonString() } });
        var typed = await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Items = { new CdrInput { Cdr = Cdr(roaming, "T-1") }, new CdrInput { Cdr = broken }, new CdrInput { OcpiJson = roaming.Cdr("J-2") } } });

        Assert.Equal([CdrAckStatus.Accepted, CdrAckStatus.Rejected, CdrAckStatus.Accepted], typed.Acks.Select(a => a.Status));
        Assert.Equal(Comparable(json.Acks[0]), Comparable(typed.Acks[0]));
        Assert.Equal(json.Acks[1].Reasons.Select(r => r.Field), typed.Acks[1].Reasons.Select(r => r.Field));
        var emsp = new CdrService.CdrServiceClient(roaming.EmspChannel(Hub));
        var storedJson = (await emsp.GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = "J-1" })).Cdr;
        var storedTyped = (await emsp.GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = "T-1" })).Cdr;
        Assert.Equal(storedJson.HubPrice, storedTyped.HubPrice);
        Assert.Equal(storedJson.TotalCost, storedTyped.TotalCost);
        Assert.Equal(storedJson.PriceCheck, storedTyped.PriceCheck);
        Assert.Equal(storedJson.StartDateTime, storedTyped.StartDateTime);
        Assert.Equal(storedJson.EndDateTime, storedTyped.EndDateTime);
        Assert.Contains("\"cdr_token\":{", storedTyped.OcpiJson); // forwarded to the EMSP as OCPI JSON
    }

    [Fact]
    public async Task SubmitCdrBatch_CdrsAndItemsTogether_InvalidArgument()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new CdrService.CdrServiceClient(roaming.CpoChannel(Hub));

        var ex = await AssertFails(StatusCode.InvalidArgument, () => cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("A") }, Items = { new CdrInput { Cdr = Cdr(roaming, "B") } } }).ResponseAsync);

        Assert.Equal(["items"], ViolatedFields(ex));
    }

    [Fact]
    public async Task PriceSession_TypedSession_SameBreakdownAsJsonSession()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));
        await cpo.PutTariffAsync(new PutTariffRequest { Tariff = MinPriceTariff() });
        var session = new SessionToPrice { StartDateTime = At("2022-01-13T14:30:00Z"), EndDateTime = At("2022-01-13T15:30:00Z"), ChargingPeriods = { Period() } };

        var json = await cpo.PriceSessionAsync(new PriceSessionRequest { TariffId = "T-MIN", SessionJson = roaming.Cdr("S1"), TimeZone = "Europe/Amsterdam" });
        var typed = await cpo.PriceSessionAsync(new PriceSessionRequest { TariffId = "T-MIN", Session = session, TimeZone = "Europe/Amsterdam" });

        Assert.Equal(json.Breakdown, typed.Breakdown);
        Assert.True(typed.Breakdown.MinPriceApplied);
        Assert.Equal("Europe/Amsterdam", typed.Breakdown.TimeZone);
    }

    [Fact]
    public async Task PriceSession_TypedSessionEndingBeforeStart_InvalidArgumentOnSessionField()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = new TariffService.TariffServiceClient(roaming.CpoChannel(Hub));
        await cpo.PutTariffAsync(new PutTariffRequest { Tariff = MinPriceTariff() });
        var session = new SessionToPrice { StartDateTime = At("2022-01-13T15:30:00Z"), EndDateTime = At("2022-01-13T14:30:00Z"), ChargingPeriods = { Period() } };

        var ex = await AssertFails(StatusCode.InvalidArgument, () => cpo.PriceSessionAsync(new PriceSessionRequest { TariffId = "T-MIN", Session = session }).ResponseAsync);

        Assert.Equal(["session.end_date_time"], ViolatedFields(ex));
    }

    // What an acknowledgement says about the CDR, without its id and position.
    private static string Comparable(CdrAck ack) =>
        $"{ack.Status} {ack.PriceCheck} {ack.HubTotalCost} {ack.TimeZone} {ack.TimeZoneNote} [{string.Join(", ", ack.Reasons.Select(r => r.Field))}]";
}

internal static class JsonNodeTestExtensions
{
    /// <summary>Applies <paramref name="change"/> and returns the node, to break a sample inline.</summary>
    public static T Also<T>(this T node, Action<T> change)
    {
        change(node);
        return node;
    }
}

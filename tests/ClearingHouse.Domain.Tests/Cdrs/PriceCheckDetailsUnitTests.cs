using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Tariffs;
using static ClearingHouse.Domain.Tariffs.CdrDimensionType;
using static ClearingHouse.Domain.Tests.Tariffs.TariffBuilder;

namespace ClearingHouse.Domain.Tests.Cdrs;

/// <summary>
/// What the hub keeps of a CDR's check beside its breakdown (one codec), and the ingest's reading of cost components a
/// CDR leaves out.
/// </summary>
public sealed class PriceCheckDetailsUnitTests
{
    // 0.25/kWh and 1.50/h charging, both at 21% VAT: 20 kWh over 2 h = energy 5.00 / 6.05, time 3.00 / 3.63.
    private static readonly Tariff EnergyAndTime = Tariff(Element(EnergyPrice(0.25m, 21m), TimePrice(1.50m, 21m)));
    private static readonly DateTimeOffset Start = Utc(2026, 1, 14, 10);

    private static Cdr Declaring(Price total, Price? energy = null, Price? time = null) => new()
    {
        Id = "CDR1",
        StartDateTime = Start,
        EndDateTime = Start.AddHours(2),
        Currency = "EUR",
        ChargingPeriods = [Period(Start, (Energy, 20m), (Time, 2m))],
        TotalCost = total,
        TotalEnergy = 20m,
        TotalEnergyCost = energy,
        TotalTime = 2m,
        TotalTimeCost = time,
    };

    private static Price P(decimal excl, decimal? incl = null) => new() { ExclVat = excl, InclVat = incl };

    [Fact]
    public void Check_ComponentsLeftOutAndOmittedNotCounted_MatchedOnTotalAndVolumes()
    {
        var options = new PriceCheckOptions { OmittedCostsCountAsZero = false };

        var bare = CdrPriceCheck.Check(EnergyAndTime, Declaring(P(8.00m, 9.68m)), TimeZoneInfo.Utc, options);
        var wrongDeclared = CdrPriceCheck.Check(EnergyAndTime, Declaring(P(8.00m, 9.68m), energy: P(4.00m, 4.84m)), TimeZoneInfo.Utc, options);
        var wrongTotal = CdrPriceCheck.Check(EnergyAndTime, Declaring(P(7.00m, 8.47m)), TimeZoneInfo.Utc, options);

        Assert.Equal(PriceCheckVerdict.Matched, bare.Verdict);
        Assert.Equal(["total_energy_cost.excl_vat", "total_energy_cost.incl_vat"], wrongDeclared.Differences.Select(d => d.Field));
        Assert.Equal(["total_cost.excl_vat", "total_cost.incl_vat"], wrongTotal.Differences.Select(d => d.Field));
    }

    [Fact]
    public void Check_ComponentsLeftOutAndCountedAsZero_EachOmittedHubCostIsADifference()
    {
        var result = CdrPriceCheck.Check(EnergyAndTime, Declaring(P(8.00m, 9.68m)), TimeZoneInfo.Utc);

        Assert.Equal(
            ["total_energy_cost.excl_vat", "total_energy_cost.incl_vat", "total_time_cost.excl_vat", "total_time_cost.incl_vat"],
            result.Differences.Select(d => d.Field));
    }

    [Fact]
    public void Serialize_BreakdownWithCheck_BothReadBackAndTheBreakdownUnchanged()
    {
        var result = CdrPriceCheck.Check(EnergyAndTime, Declaring(P(8.00m, 9.68m), energy: P(4.00m, 4.84m), time: P(4.00m, 4.84m)), TimeZoneInfo.Utc);
        var check = new PriceCheckDetails
        {
            Verdict = result.Verdict,
            TariffId = "T-DAY",
            TariffLastUpdated = Utc(2026, 1, 1, 0),
            TariffVersionNote = "the current version was in force when the session started",
            Differences = result.Differences,
            Note = null,
        };

        var text = PricingResultJson.Serialize(result.Hub, check);
        var back = PricingResultJson.DeserializeCheck(text)!;

        Assert.Equal(PricingResultJson.Serialize(result.Hub!), PricingResultJson.Serialize(PricingResultJson.Deserialize(text)!));
        Assert.Equal((check.Verdict, check.TariffId, check.TariffLastUpdated, check.TariffVersionNote), (back.Verdict, back.TariffId, back.TariffLastUpdated, back.TariffVersionNote));
        Assert.Equal(result.Differences, back.Differences);
        Assert.Equal(
            "total_energy_cost.excl_vat declared 4.00 hub 5.00 EUR; total_energy_cost.incl_vat declared 4.84 hub 6.0500 EUR; total_time_cost.excl_vat declared 4.00 hub 3.00 EUR; total_time_cost.incl_vat declared 4.84 hub 3.6300 EUR",
            back.DescribeDifferences("EUR"));
    }

    [Fact]
    public void Serialize_CheckWithoutBreakdown_NoBreakdownReadAndTheCheckKept()
    {
        var check = new PriceCheckDetails { Verdict = PriceCheckVerdict.TariffNotActive, TariffId = "T-OLD", Note = "the session started after the tariff's end" };

        var text = PricingResultJson.Serialize(null, check);

        Assert.Null(PricingResultJson.Deserialize(text));
        Assert.Equal((PriceCheckVerdict.TariffNotActive, "T-OLD", "the session started after the tariff's end"), (PricingResultJson.DeserializeCheck(text)!.Verdict, PricingResultJson.DeserializeCheck(text)!.TariffId, PricingResultJson.DeserializeCheck(text)!.Note));
        Assert.Null(PricingResultJson.DeserializeCheck(PricingResultJson.Serialize(CdrPriceCheck.Check(EnergyAndTime, Declaring(P(8m)), TimeZoneInfo.Utc).Hub!)));
    }
}

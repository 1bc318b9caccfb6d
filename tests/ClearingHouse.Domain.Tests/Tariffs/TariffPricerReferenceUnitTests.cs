using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Tests.Tariffs;

/// <summary>
/// Prices every reference CDR with its tariff, in UTC as upstream did, and compares the totals the CDR
/// declares field by field at 4 decimals (a missing cost counts as zero).
/// </summary>
public sealed class TariffPricerReferenceUnitTests
{
    private const string MinPriceContradiction = "025kwh_min_price/cdr2_less_than_2kWh.json";

    /// <summary>Where the hub's price deliberately differs from the CDR's declaration (see TestData/ocpi-tariffs/README.md).</summary>
    private static readonly Dictionary<string, Cost> HubTotalOverrides = new(StringComparer.Ordinal)
    {
        [MinPriceContradiction] = new Cost(0.50m, 0.55m),
    };

    public static TheoryData<string> ReferenceCdrs() => [.. ReferenceData.CdrPaths()];

    [Fact]
    public void ReferenceCdrs_Discovered_AreTheNineUpstreamCases()
    {
        // Guards the theory below against silently running on an empty or partial folder.
        Assert.Equal(
            [
                "025kwh_min_price/cdr1.json",
                "025kwh_min_price/cdr2_less_than_2kWh.json",
                "025kwh_start/cdr1.json",
                "grace_period_parking_time/cdr.json",
                "multiple_flat_fees/cdr.json",
                "simple_025kwh/cdr1.json",
                "simple_3hour_5parking/cdr1.json",
                "step_size/cdr1.json",
                "step_size_energy/cdr1.json",
            ],
            ReferenceData.CdrPaths());
    }

    [Theory]
    [MemberData(nameof(ReferenceCdrs))]
    public void Price_ReferenceCdr_MatchesDeclaredTotals(string cdrPath)
    {
        var cdr = ReferenceData.ReadCdr(cdrPath);
        var tariff = ReferenceData.ReadTariff(Path.GetDirectoryName(cdrPath) + "/tariff.json");

        var result = TariffPricer.Price(tariff, cdr, TimeZoneInfo.Utc);

        var expectedTotal = HubTotalOverrides.TryGetValue(cdrPath, out var hub) ? hub : ToCost(cdr.TotalCost);
        var mismatches = new List<string>();
        Compare(mismatches, "total_cost", expectedTotal, result.Total);
        Compare(mismatches, "total_energy", cdr.TotalEnergy, result.Energy.Volume);
        Compare(mismatches, "total_energy_cost", ToCost(cdr.TotalEnergyCost), result.Energy.Cost);
        Compare(mismatches, "total_time", cdr.TotalTime, result.TotalTime);
        Compare(mismatches, "total_time_cost", ToCost(cdr.TotalTimeCost), result.Time.Cost);
        Compare(mismatches, "total_parking_time", cdr.TotalParkingTime ?? 0m, result.ParkingTime.Volume);
        Compare(mismatches, "total_parking_cost", ToCost(cdr.TotalParkingCost), result.ParkingTime.Cost);
        Compare(mismatches, "total_reservation_cost", ToCost(cdr.TotalReservationCost), result.Reservation.Cost);
        Compare(mismatches, "total_fixed_cost", ToCost(cdr.TotalFixedCost), result.Flat.Cost);
        Assert.Empty(mismatches);
        Assert.Equal(cdr.Currency, result.Currency);
    }

    [Fact]
    public void Price_MinPriceContradiction_AppliesMinPriceAndDisagreesWithDeclaredTotal()
    {
        var cdr = ReferenceData.ReadCdr(MinPriceContradiction);
        var tariff = ReferenceData.ReadTariff("025kwh_min_price/tariff.json");

        var result = TariffPricer.Price(tariff, cdr, TimeZoneInfo.Utc);

        // 1.2 kWh x 0.25 = 0.30 excl; x 1.10 = 0.33 incl: below min_price 0.50 / 0.55, so the total is raised.
        Assert.Equal(new Cost(0.30m, 0.33m), result.Subtotal);
        Assert.Equal(new Cost(0.50m, 0.55m), result.Total);
        Assert.True(result.MinPriceApplied);
        Assert.False(result.MaxPriceApplied);

        // The CPO declared 0.30 / 0.33: the dispute path must see a mismatch.
        Assert.NotEqual(ToCost(cdr.TotalCost), result.Total);
    }

    private static Cost ToCost(Price? price) =>
        price is null ? Cost.Zero : new Cost(price.ExclVat, price.InclVat ?? price.ExclVat);

    private static void Compare(List<string> mismatches, string field, Cost expected, Cost actual)
    {
        Compare(mismatches, field + ".excl_vat", expected.ExclVat, actual.ExclVat);
        Compare(mismatches, field + ".incl_vat", expected.InclVat, actual.InclVat);
    }

    private static void Compare(List<string> mismatches, string field, decimal expected, decimal actual)
    {
        var e = Math.Round(expected, 4, MidpointRounding.AwayFromZero);
        var a = Math.Round(actual, 4, MidpointRounding.AwayFromZero);
        if (e != a)
        {
            mismatches.Add($"{field}: expected {e}, priced {a}");
        }
    }
}

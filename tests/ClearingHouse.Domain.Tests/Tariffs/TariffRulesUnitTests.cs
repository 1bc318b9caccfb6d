using System.Globalization;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Tariffs;
using static ClearingHouse.Domain.Tariffs.CdrDimensionType;
using static ClearingHouse.Domain.Tests.Tariffs.TariffBuilder;

namespace ClearingHouse.Domain.Tests.Tariffs;

/// <summary>
/// More hand-computed cases: day-of-week at local midnight (and on a daylight-saving day), power bands, and VAT that
/// differs per component, through the pricer and the per-component check.
/// </summary>
public sealed class TariffRulesUnitTests
{
    // Weekend 0.20/kWh (local Saturday and Sunday), weekdays 0.30/kWh.
    private static readonly Tariff Weekend = Tariff(
        Element(new TariffRestrictions { DayOfWeek = [DayOfWeek.Saturday, DayOfWeek.Sunday] }, EnergyPrice(0.20m)),
        Element(EnergyPrice(0.30m)));

    [Theory]
    [InlineData("2026-01-16T22:59:00Z", 3.00)] // Friday 23:59 CET
    [InlineData("2026-01-16T23:00:00Z", 2.00)] // Saturday 00:00 CET, still Friday in UTC
    [InlineData("2026-01-18T22:59:00Z", 2.00)] // Sunday 23:59 CET
    [InlineData("2026-01-18T23:00:00Z", 3.00)] // Monday 00:00 CET, still Sunday in UTC
    [InlineData("2026-03-29T00:30:00Z", 2.00)] // Sunday 01:30 CET, before the clocks go forward
    [InlineData("2026-03-29T21:59:00Z", 2.00)] // Sunday 23:59 CEST: Monday begins at 22:00Z now
    [InlineData("2026-03-29T22:00:00Z", 3.00)] // Monday 00:00 CEST
    [InlineData("2026-10-25T22:59:00Z", 2.00)] // Sunday 23:59 CET, after the clocks went back
    [InlineData("2026-10-25T23:00:00Z", 3.00)] // Monday 00:00 CET
    public void Price_DayOfWeekAroundLocalMidnight_UsesTheLocalDayAtThePeriodStart(string periodStart, double expected)
    {
        var start = DateTimeOffset.Parse(periodStart, CultureInfo.InvariantCulture);

        var result = TariffPricer.Price(Weekend, start, start.AddHours(1), [Period(start, (Energy, 10m))], Amsterdam);

        Assert.Equal((decimal)expected, result.Total.ExclVat);
    }

    [Fact]
    public void Price_SessionAcrossLocalMidnight_EachPeriodUsesItsOwnDay()
    {
        // Sunday 23:00 CET (22:00Z) to Monday 01:00 CET, a new period at local midnight as OCPI requires:
        // 10 kWh x 0.20 + 10 kWh x 0.30 = 5.00.
        var start = Utc(2026, 1, 18, 22);
        var periods = new[] { Period(start, (Energy, 10m)), Period(Utc(2026, 1, 18, 23), (Energy, 10m)) };

        var result = TariffPricer.Price(Weekend, start, start.AddHours(2), periods, Amsterdam);

        Assert.Equal(new Cost(5.00m, 5.00m), result.Total);
    }

    // Power bands: below 50 kW 0.39, 50 kW up to (excl.) 150 kW 0.59, from 150 kW (fallback) 0.79.
    private static readonly Tariff PowerBands = Tariff(
        Element(new TariffRestrictions { MaxPower = 50m }, EnergyPrice(0.39m)),
        Element(new TariffRestrictions { MinPower = 50m, MaxPower = 150m }, EnergyPrice(0.59m)),
        Element(EnergyPrice(0.79m)));

    [Theory]
    [InlineData(11.0, 3.90)]
    [InlineData(49.99, 3.90)]
    [InlineData(50.0, 5.90)] // min inclusive, and 50 is not below the first band's exclusive max
    [InlineData(149.99, 5.90)]
    [InlineData(150.0, 7.90)] // max exclusive: the fallback
    [InlineData(350.0, 7.90)]
    public void Price_PowerBands_MinInclusiveMaxExclusive(double kw, double expected)
    {
        var start = Utc(2026, 1, 14, 10);

        var result = TariffPricer.Price(PowerBands, start, start.AddHours(1), [Period(start, (Energy, 10m), (Power, (decimal)kw))], TimeZoneInfo.Utc);

        Assert.Equal((decimal)expected, result.Total.ExclVat);
    }

    [Fact]
    public void Price_PowerDroppingDuringTheSession_PricesEachPeriodByItsBand()
    {
        // Fast charging at 120 kW for 30 kWh (0.59), tapering to 40 kW for 10 kWh (0.39): 17.70 + 3.90 = 21.60.
        var start = Utc(2026, 1, 14, 10);
        var periods = new[]
        {
            Period(start, (Energy, 30m), (MinPower, 80m), (MaxPower, 120m)),
            Period(start.AddMinutes(20), (Energy, 10m), (MinPower, 20m), (MaxPower, 40m)),
        };

        var result = TariffPricer.Price(PowerBands, start, start.AddHours(1), periods, TimeZoneInfo.Utc);

        Assert.Equal(21.60m, result.Total.ExclVat);
    }

    // VAT per component: FLAT 1.00 at 0%, ENERGY 0.30 at 21%, TIME 2.00/h at 9%, PARKING 4.00/h without VAT.
    private static readonly Tariff MixedVat = Tariff(Element(FlatFee(1.00m, 0m), EnergyPrice(0.30m, 21m), TimePrice(2.00m, 9m), ParkingPrice(4.00m)));

    private static readonly DateTimeOffset MixedStart = Utc(2026, 1, 14, 10);

    private static readonly ChargingPeriod[] MixedPeriods =
    [
        Period(MixedStart, (Energy, 10m), (Time, 1m)),
        Period(MixedStart.AddHours(1), (ParkingTime, 0.5m)),
    ];

    [Fact]
    public void Price_VatDiffersPerComponent_EachCostCarriesItsOwnRate()
    {
        // energy 3.00 / 3.63; time 2.00 / 2.18; parking 2.00 / 2.00; flat 1.00 / 1.00; total 8.00 / 8.81
        var result = TariffPricer.Price(MixedVat, MixedStart, MixedStart.AddHours(1.5), MixedPeriods, TimeZoneInfo.Utc);

        Assert.Equal(new Cost(3.00m, 3.63m), result.Energy.Cost);
        Assert.Equal(new Cost(2.00m, 2.18m), result.Time.Cost);
        Assert.Equal(new Cost(2.00m, 2.00m), result.ParkingTime.Cost);
        Assert.Equal(new Cost(1.00m, 1.00m), result.Flat.Cost);
        Assert.Equal(new Cost(8.00m, 8.81m), result.Total);
    }

    [Fact]
    public void Check_CpoAppliedOneVatRateToEverything_FlagsTheInclVatOfEachWrongComponent()
    {
        // The CPO charged 21% on every component: excl. VAT all right, incl. VAT wrong for time, parking and fixed.
        Price P(decimal excl, decimal incl) => new() { ExclVat = excl, InclVat = incl };
        var cdr = new Cdr
        {
            StartDateTime = MixedStart,
            EndDateTime = MixedStart.AddHours(1.5),
            Currency = "EUR",
            ChargingPeriods = MixedPeriods,
            TotalCost = P(8.00m, 9.68m),
            TotalEnergyCost = P(3.00m, 3.63m),
            TotalTimeCost = P(2.00m, 2.42m),
            TotalParkingCost = P(2.00m, 2.42m),
            TotalFixedCost = P(1.00m, 1.21m),
            TotalEnergy = 10m,
            TotalTime = 1.5m,
            TotalParkingTime = 0.5m,
        };

        var result = CdrPriceCheck.Check(MixedVat, cdr, TimeZoneInfo.Utc);

        Assert.Equal(PriceCheckVerdict.Mismatch, result.Verdict);
        Assert.Equal(
            ["total_cost.incl_vat", "total_time_cost.incl_vat", "total_parking_cost.incl_vat", "total_fixed_cost.incl_vat"],
            result.Differences.Select(d => d.Field));
        Assert.Equal([9.68m, 2.42m, 2.42m, 1.21m], result.Differences.Select(d => d.Declared));
        Assert.Equal([8.81m, 2.18m, 2.00m, 1.00m], result.Differences.Select(d => d.Hub));
    }
}

using ClearingHouse.Domain.Tariffs;
using static ClearingHouse.Domain.Tariffs.CdrDimensionType;
using static ClearingHouse.Domain.Tests.Tariffs.TariffBuilder;

namespace ClearingHouse.Domain.Tests.Tariffs;

/// <summary>
/// Cases the reference vectors do not cover, each computed by hand in its comments.
/// Times are UTC unless the comment says "local" (Europe/Amsterdam: CET = UTC+1, CEST = UTC+2).
/// </summary>
public sealed class TariffPricerUnitTests
{
    // Day rate 07:00-23:00 local, 0.30/kWh; night rate (fallback) 0.20/kWh; 21% VAT.
    private static readonly Tariff DayNight = Tariff(
        Element(new TariffRestrictions { StartTime = "07:00", EndTime = "23:00" }, EnergyPrice(0.30m, 21m)),
        Element(EnergyPrice(0.20m, 21m)));

    [Fact]
    public void Price_SpringForwardInAmsterdam_UsesSummerTimeAfterTheChange()
    {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
        // 00:30 UTC = 01:30 CET  -> night: 10 kWh x 0.20 = 2.00
        // 05:30 UTC = 07:30 CEST -> day:   10 kWh x 0.30 = 3.00   (it would be 06:30, night, without DST)
        // excl 5.00; incl 5.00 x 1.21 = 6.05
        var start = Utc(2026, 3, 29, 0, 30);
        var end = Utc(2026, 3, 29, 6, 30);
        var periods = new[] { Period(start, (Energy, 10m)), Period(Utc(2026, 3, 29, 5, 30), (Energy, 10m)) };

        var result = TariffPricer.Price(DayNight, start, end, periods, Amsterdam);

        Assert.Equal(new Cost(5.00m, 6.05m), result.Total);

        // 6 real hours, although the local clock moved from 01:30 to 08:30.
        Assert.Equal(6m, result.TotalTime);
    }

    [Fact]
    public void Price_SameUtcInstantsBeforeSpringForward_UsesWinterTime()
    {
        // 2026-03-22 (CET all day): 00:30 UTC = 01:30 night, 05:30 UTC = 06:30 night.
        // 20 kWh x 0.20 = 4.00; incl 4.00 x 1.21 = 4.84
        var start = Utc(2026, 3, 22, 0, 30);
        var periods = new[] { Period(start, (Energy, 10m)), Period(Utc(2026, 3, 22, 5, 30), (Energy, 10m)) };

        var result = TariffPricer.Price(DayNight, start, Utc(2026, 3, 22, 6, 30), periods, Amsterdam);

        Assert.Equal(new Cost(4.00m, 4.84m), result.Total);
    }

    [Fact]
    public void Price_FallBackInAmsterdam_UsesWinterTimeAfterTheChange()
    {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET at 01:00 UTC.
        // 00:30 UTC = 02:30 CEST -> night: 10 x 0.20 = 2.00
        // 05:30 UTC = 06:30 CET  -> night: 10 x 0.20 = 2.00   (it would be 07:30, day, in summer time)
        // excl 4.00; incl 4.84
        var start = Utc(2026, 10, 25, 0, 30);
        var periods = new[] { Period(start, (Energy, 10m)), Period(Utc(2026, 10, 25, 5, 30), (Energy, 10m)) };

        var result = TariffPricer.Price(DayNight, start, Utc(2026, 10, 25, 6, 30), periods, Amsterdam);

        Assert.Equal(new Cost(4.00m, 4.84m), result.Total);
    }

    [Fact]
    public void Price_SameUtcInstantsBeforeFallBack_UsesSummerTime()
    {
        // 2026-10-18 (CEST all day): 00:30 UTC = 02:30 night (2.00), 05:30 UTC = 07:30 day (10 x 0.30 = 3.00).
        // excl 5.00; incl 6.05
        var start = Utc(2026, 10, 18, 0, 30);
        var periods = new[] { Period(start, (Energy, 10m)), Period(Utc(2026, 10, 18, 5, 30), (Energy, 10m)) };

        var result = TariffPricer.Price(DayNight, start, Utc(2026, 10, 18, 6, 30), periods, Amsterdam);

        Assert.Equal(new Cost(5.00m, 6.05m), result.Total);
    }

    [Fact]
    public void Price_PeriodStartingExactlyAtStartTime_IsInsideAndAtEndTimeIsOutside()
    {
        // 06:00 UTC = 07:00 CET (start_time inclusive) -> day: 1 x 0.30
        // 22:00 UTC = 23:00 CET (end_time exclusive)   -> night: 1 x 0.20
        // excl 0.50; incl 0.50 x 1.21 = 0.605
        var start = Utc(2026, 1, 14, 6);
        var periods = new[] { Period(start, (Energy, 1m)), Period(Utc(2026, 1, 14, 22), (Energy, 1m)) };

        var result = TariffPricer.Price(DayNight, start, Utc(2026, 1, 14, 23), periods, Amsterdam);

        Assert.Equal(new Cost(0.50m, 0.605m), result.Total);
    }

    [Fact]
    public void Price_TimeWindowWrappingMidnight_MatchesLateEveningAndEarlyMorning()
    {
        // Night element 22:00-06:00 (wraps) at 0.10/kWh, fallback 0.40/kWh, no VAT, UTC.
        // 23:00 -> night 0.10; 05:59 -> night 0.10; 06:00 -> day 0.40. 1 kWh each: 0.60
        var tariff = Tariff(
            Element(new TariffRestrictions { StartTime = "22:00", EndTime = "06:00" }, EnergyPrice(0.10m)),
            Element(EnergyPrice(0.40m)));
        var start = Utc(2026, 1, 14, 23);
        var periods = new[]
        {
            Period(start, (Energy, 1m)),
            Period(Utc(2026, 1, 15, 5, 59), (Energy, 1m)),
            Period(Utc(2026, 1, 15, 6), (Energy, 1m)),
        };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 15, 7), periods, TimeZoneInfo.Utc);

        Assert.Equal(new Cost(0.60m, 0.60m), result.Total);
    }

    [Fact]
    public void Price_DayOfWeekRestriction_UsesTheLocalDay()
    {
        // Weekdays 2.00/h, otherwise 1.00/h, TIME, no VAT, step 1 s.
        // Fri 2026-01-09 22:30 UTC = 23:30 local Friday   -> 0.5 h x 2.00 = 1.00
        // Fri 2026-01-09 23:00 UTC = 00:00 local Saturday -> 1.0 h x 1.00 = 1.00   (still Friday in UTC)
        // total 2.00
        var tariff = Tariff(
            Element(
                new TariffRestrictions
                {
                    DayOfWeek = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
                },
                TimePrice(2.00m)),
            Element(TimePrice(1.00m)));
        var start = Utc(2026, 1, 9, 22, 30);
        var periods = new[] { Period(start, (Time, 0.5m)), Period(Utc(2026, 1, 9, 23), (Time, 1m)) };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 10, 0), periods, Amsterdam);

        Assert.Equal(new Cost(2.00m, 2.00m), result.Total);
        Assert.Equal(1.5m, result.Time.BilledVolume);
    }

    [Fact]
    public void Price_StartAndEndDateRestriction_StartIsInclusiveEndIsExclusiveInLocalDate()
    {
        // June promo 0.10/kWh from 2026-06-01 (incl.) to 2026-07-01 (excl.), local dates; otherwise 0.30; no VAT.
        // 2026-05-31 21:30 UTC = 23:30 local May 31 -> 0.30
        // 2026-05-31 22:30 UTC = 00:30 local June 1 -> 0.10
        // 2026-06-30 21:30 UTC = 23:30 local June 30 -> 0.10
        // 2026-06-30 22:30 UTC = 00:30 local July 1 -> 0.30
        // 10 kWh each: 3.00 + 1.00 + 1.00 + 3.00 = 8.00
        var tariff = Tariff(
            Element(new TariffRestrictions { StartDate = "2026-06-01", EndDate = "2026-07-01" }, EnergyPrice(0.10m)),
            Element(EnergyPrice(0.30m)));
        var start = Utc(2026, 5, 31, 21, 30);
        var periods = new[]
        {
            Period(start, (Energy, 10m)),
            Period(Utc(2026, 5, 31, 22, 30), (Energy, 10m)),
            Period(Utc(2026, 6, 30, 21, 30), (Energy, 10m)),
            Period(Utc(2026, 6, 30, 22, 30), (Energy, 10m)),
        };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 6, 30, 23), periods, Amsterdam);

        Assert.Equal(new Cost(8.00m, 8.00m), result.Total);
    }

    [Fact]
    public void Price_MaxPowerSpecExample_PricesEachPeriodByItsPower()
    {
        // OCPI 2.2.1 max_power example (reference tariff): < 16 kW 0.20, < 32 kW 0.35, otherwise 0.50; 20% VAT.
        // 1 kWh at 6 kW = 0.20; 40 kWh at 48 kW = 20.00; 0.5 kWh at 4 kW = 0.10 -> 20.30; incl x 1.2 = 24.36
        var tariff = ReferenceData.TariffOfCase("restriction_example_max_power");
        var start = Utc(2026, 1, 14, 10);
        var periods = new[]
        {
            Period(start, (Energy, 1m), (MaxPower, 6m)),
            Period(Utc(2026, 1, 14, 10, 10), (Energy, 40m), (MaxPower, 48m)),
            Period(Utc(2026, 1, 14, 11), (Energy, 0.5m), (MaxPower, 4m)),
        };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 11, 10), periods, TimeZoneInfo.Utc);

        Assert.Equal(new Cost(20.30m, 24.36m), result.Total);
        Assert.Equal(41.5m, result.Energy.BilledVolume);
    }

    [Fact]
    public void Price_PowerAtMaxPowerBoundary_SkipsTheElementBecauseMaxIsExclusive()
    {
        // MAX_POWER 16 is not < 16, so the 0.35 element (< 32 kW) applies: 10 kWh x 0.35 = 3.50; incl 4.20
        var tariff = ReferenceData.TariffOfCase("restriction_example_max_power");
        var start = Utc(2026, 1, 14, 10);

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 11), [Period(start, (Energy, 10m), (MaxPower, 16m))], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(3.50m, 4.20m), result.Total);
    }

    [Theory]
    [InlineData(MinPower, 50.0, 6.00)] // MIN_POWER 50 >= 50 (inclusive): fast rate, 10 kWh x 0.60
    [InlineData(MinPower, 49.9, 4.00)] // below: fallback, 10 kWh x 0.40
    [InlineData(Power, 55.0, 6.00)] // no MIN_POWER: average POWER is used
    [InlineData(MaxPower, 45.0, 4.00)] // only MAX_POWER 45: the minimum cannot be 50, fallback
    [InlineData(Energy, 0.0, 6.00)] // no power measured: the restriction holds (the CPO splits periods on changes)
    public void Price_MinPowerRestriction_UsesBestAvailableMeasurement(CdrDimensionType measured, double kw, double expected)
    {
        var tariff = Tariff(
            Element(new TariffRestrictions { MinPower = 50m }, EnergyPrice(0.60m)),
            Element(EnergyPrice(0.40m)));
        var start = Utc(2026, 1, 14, 10);
        var period = measured == Energy
            ? Period(start, (Energy, 10m))
            : Period(start, (Energy, 10m), (measured, (decimal)kw));

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 11), [period], TimeZoneInfo.Utc);

        Assert.Equal((decimal)expected, result.Total.ExclVat);
    }

    [Fact]
    public void Price_ComplexSpecExampleMondayMorning_MatchesOcpiFigures()
    {
        // OCPI 2.2.1 "complex" example: Monday 09:30 local, 165 min charging at max 16 A, then 42 min parking.
        // FLAT 2.50 (15%)                         = 2.50 excl, 2.875 incl
        // TIME max_current 32: 2.75 h x 1.00 (20%) = 2.75 excl, 3.30  incl (no TIME step: the session goes on to parking)
        // PARKING weekdays 09-18: 0.7 h = 2520 s -> step 300 -> 2700 s = 0.75 h x 5.00 (10%) = 3.75 excl, 4.125 incl
        // total 9.00 excl, 10.30 incl (as in the spec)
        var tariff = ReferenceData.TariffOfCase("complex");
        var start = Utc(2026, 1, 12, 8, 30); // Monday, 09:30 CET
        var periods = new[]
        {
            Period(start, (Time, 2.75m), (MaxCurrent, 16m)),
            Period(Utc(2026, 1, 12, 11, 15), (ParkingTime, 0.7m)),
        };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 12, 11, 57), periods, Amsterdam);

        Assert.Equal(new Cost(2.50m, 2.875m), result.Flat.Cost);
        Assert.Equal(new Cost(2.75m, 3.30m), result.Time.Cost);
        Assert.Equal(new Cost(3.75m, 4.125m), result.ParkingTime.Cost);
        Assert.Equal(new Cost(9.00m, 10.30m), result.Total);
    }

    [Fact]
    public void Price_ComplexSpecExampleSaturdayAfternoon_MatchesOcpiFigures()
    {
        // Saturday 13:30 local, 114 min (1.9 h) charging at 43 A, then 71 min (1.1833 h) parking.
        // FLAT 2.50 -> 2.50 / 2.875
        // TIME: max_current 32 fails (43), weekday min_current fails (Saturday), weekend min_current 32: 1.9 x 1.25 = 2.375 / 2.85
        // PARKING Saturday 10-17 (starts 15:24 local): 4259.88 s -> step 300 -> 4500 s = 1.25 h x 6.00 = 7.50 / 8.25
        // total 12.375 excl, 13.975 incl (as in the spec)
        var tariff = ReferenceData.TariffOfCase("complex");
        var start = Utc(2026, 1, 10, 12, 30); // Saturday, 13:30 CET
        var periods = new[]
        {
            Period(start, (Time, 1.9m), (MinCurrent, 43m), (MaxCurrent, 43m)),
            Period(Utc(2026, 1, 10, 14, 24), (ParkingTime, 1.1833m)),
        };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 10, 15, 35), periods, Amsterdam);

        Assert.Equal(new Cost(2.375m, 2.85m), result.Time.Cost);
        Assert.Equal(new Cost(7.50m, 8.25m), result.ParkingTime.Cost);
        Assert.Equal(1.25m, result.ParkingTime.BilledVolume);
        Assert.Equal(new Cost(12.375m, 13.975m), result.Total);
    }

    [Fact]
    public void Price_MaxDurationSpecExample_FreeFirstHalfHourThenNormalRate()
    {
        // OCPI 2.2.1 max_duration example: < 30 min free, < 60 min 0.25/kWh, then 0.40/kWh; 20% VAT.
        // 0-30 min: 5 kWh x 0.00; at 30 min (1800 s, max exclusive) 1.2 kWh x 0.25 = 0.30 -> 0.30 excl, 0.36 incl
        // and a third period at 60 min: 1 kWh x 0.40 = 0.40 -> 0.70 excl, 0.84 incl
        var tariff = ReferenceData.TariffOfCase("restriction_example_max_duration");
        var start = Utc(2026, 1, 14, 10);
        var periods = new[]
        {
            Period(start, (Energy, 5m)),
            Period(Utc(2026, 1, 14, 10, 30), (Energy, 1.2m)),
            Period(Utc(2026, 1, 14, 11), (Energy, 1m)),
        };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 11, 10), periods, TimeZoneInfo.Utc);

        Assert.Equal(new Cost(0.70m, 0.84m), result.Total);
    }

    [Fact]
    public void Price_MinKwhRestriction_UsesEnergyChargedBeforeThePeriod()
    {
        // Reference "first_hour_kwh_free" energy part: first kWh free (max_kwh 1), then 0.20 (min_kwh 1); no VAT.
        // Period 1: 1 kWh, 0 kWh before -> 0.00; period 2: 19 kWh, 1 kWh before -> 19 x 0.20 = 3.80 (as in the spec)
        var tariff = ReferenceData.TariffOfCase("first_hour_kwh_free");
        var start = Utc(2026, 1, 14, 10);
        var periods = new[] { Period(start, (Energy, 1m)), Period(Utc(2026, 1, 14, 10, 5), (Energy, 19m)) };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 11), periods, TimeZoneInfo.Utc);

        Assert.Equal(new Cost(3.80m, 3.80m), result.Energy.Cost);
    }

    [Fact]
    public void Price_VatChangesBetweenElements_EachPeriodUsesItsOwnVatAndStepUsesTheLast()
    {
        // VAT 21% until 2026-07-01 (exclusive, UTC), 9% afterwards; 0.30/kWh, step 1000 Wh.
        // 10 kWh at 21%:  3.00 excl, 3.63 incl
        // 9.5 kWh at 9%:  2.85 excl, 3.1065 incl
        // step: 19.5 kWh -> 20 kWh, the 0.5 kWh added at the last component (9%): 0.15 excl, 0.1635 incl
        // total 6.00 excl, 6.90 incl
        var tariff = Tariff(
            Element(new TariffRestrictions { EndDate = "2026-07-01" }, EnergyPrice(0.30m, 21m, 1000)),
            Element(EnergyPrice(0.30m, 9m, 1000)));
        var start = Utc(2026, 6, 30, 23);
        var periods = new[] { Period(start, (Energy, 10m)), Period(Utc(2026, 7, 1, 0), (Energy, 9.5m)) };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 7, 1, 1), periods, TimeZoneInfo.Utc);

        Assert.Equal(20m, result.Energy.BilledVolume);
        Assert.Equal(new Cost(6.00m, 6.90m), result.Total);
    }

    [Fact]
    public void Price_AboveMaxPrice_ClampsTheTotalOnly()
    {
        // Reference "025kwh_start_max_price": FLAT 0.50 (20%), ENERGY 0.25 (10%), max_price 10.00 / 11.00.
        // 50 kWh: 12.50 + 0.50 = 13.00 excl; 13.75 + 0.60 = 14.35 incl -> clamped to 10.00 / 11.00
        var tariff = ReferenceData.TariffOfCase("025kwh_start_max_price");
        var start = Utc(2019, 1, 14, 10);

        var result = TariffPricer.Price(tariff, start, Utc(2019, 1, 14, 12), [Period(start, (Energy, 50m))], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(13.00m, 14.35m), result.Subtotal);
        Assert.Equal(new Cost(10.00m, 11.00m), result.Total);
        Assert.Equal(new Cost(12.50m, 13.75m), result.Energy.Cost);
        Assert.True(result.MaxPriceApplied);
        Assert.False(result.MinPriceApplied);
    }

    [Fact]
    public void Price_BelowMaxPrice_LeavesTheTotal()
    {
        // 20 kWh: 5.00 + 0.50 = 5.50 excl; 5.50 + 0.60 = 6.10 incl, below 10.00 / 11.00
        var tariff = ReferenceData.TariffOfCase("025kwh_start_max_price");
        var start = Utc(2019, 1, 14, 10);

        var result = TariffPricer.Price(tariff, start, Utc(2019, 1, 14, 12), [Period(start, (Energy, 20m))], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(5.50m, 6.10m), result.Total);
        Assert.False(result.MaxPriceApplied);
    }

    [Fact]
    public void Price_MinPriceReachedExclButNotIncl_ClampsOnlyTheInclAmount()
    {
        // min_price 1.00 / 1.30; 4.2 kWh x 0.25 = 1.05 excl (above 1.00), x 1.21 = 1.2705 incl (below 1.30)
        // OCPI: both rules apply separately -> 1.05 / 1.30
        var tariff = Tariff(Element(EnergyPrice(0.25m, 21m))) with { MinPrice = new Price { ExclVat = 1.00m, InclVat = 1.30m } };
        var start = Utc(2026, 1, 14, 10);

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 11), [Period(start, (Energy, 4.2m))], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(1.05m, 1.30m), result.Total);
        Assert.True(result.MinPriceApplied);
    }

    [Fact]
    public void Price_TimeStepAcrossElements_RoundsTheTotalWithTheLastStep()
    {
        // OCPI 2.2.1 step_size example #2 with the reference "step_size" tariff: 16:35-17:10, TIME only.
        // 0.4167 h x 1.20 = 0.50004; 0.1667 h x 2.40 = 0.40008
        // total 0.5834 h = 2100.24 s -> last step 900 s -> 2700 s = 0.75 h; 0.1666 h added x 2.40 = 0.39984
        // 1.29996 -> 1.3000 (spec: 1.30)
        var tariff = ReferenceData.TariffOfCase("step_size");
        var start = Utc(2026, 1, 14, 16, 35);
        var periods = new[] { Period(start, (Time, 0.4167m)), Period(Utc(2026, 1, 14, 17), (Time, 0.1667m)) };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 17, 10), periods, TimeZoneInfo.Utc);

        Assert.Equal(0.75m, result.Time.BilledVolume);
        Assert.Equal(new Cost(1.30m, 1.30m), result.Total);
    }

    [Fact]
    public void Price_TimeStepWithoutParking_IsApplied()
    {
        // Reference "simple_2hour": TIME 2.00 (10%), step 60 s. 0.505 h = 1818 s -> 1860 s = 0.51666.. h
        // 0.51666.. x 2.00 = 1.03333.. -> 1.0333; incl 1.13666.. -> 1.1367
        var tariff = ReferenceData.TariffOfCase("simple_2hour");
        var start = Utc(2026, 1, 14, 10);

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 10, 31), [Period(start, (Time, 0.505m))], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(1.0333m, 1.1367m), result.Total);
    }

    [Fact]
    public void Price_MidpointAmount_RoundsAwayFromZero()
    {
        // 1 kWh x 0.12345 = 0.12345 -> 0.1235 (banker's rounding would give 0.1234)
        var tariff = Tariff(Element(EnergyPrice(0.12345m)));
        var start = Utc(2026, 1, 14, 10);

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 11), [Period(start, (Energy, 1m))], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(0.1235m, 0.1235m), result.Total);
    }

    [Fact]
    public void Price_TwoFlatElements_ChargesOnlyTheFirstMatchingFlatOnce()
    {
        // FLAT 1.00 before 12:00, FLAT 2.00 otherwise; periods at 11:00 and 13:00 -> one fee of 1.00
        var tariff = Tariff(
            Element(new TariffRestrictions { StartTime = "00:00", EndTime = "12:00" }, FlatFee(1.00m)),
            Element(FlatFee(2.00m)));
        var start = Utc(2026, 1, 14, 11);
        var periods = new[] { Period(start, (Time, 1m)), Period(Utc(2026, 1, 14, 13), (Time, 1m)) };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 14), periods, TimeZoneInfo.Utc);

        Assert.Equal(new DimensionCharge(1m, 1m, new Cost(1.00m, 1.00m)), result.Flat);
        Assert.Equal(new Cost(1.00m, 1.00m), result.Total);
    }

    [Fact]
    public void Price_VolumeWithoutPriceComponent_IsMeasuredButNotBilled()
    {
        // Reference "multiple_flat_fees": FLAT only. 1.5 h of TIME is measured, none billed.
        var cdr = ReferenceData.ReadCdr("multiple_flat_fees/cdr.json");

        var result = TariffPricer.Price(ReferenceData.TariffOfCase("multiple_flat_fees"), cdr, TimeZoneInfo.Utc);

        Assert.Equal(new DimensionCharge(1.5m, 0m, Cost.Zero), result.Time);
    }

    [Fact]
    public void Price_ReservationThenCharging_BillsReservationTimeWithItsStep()
    {
        // OCPI 2.2.1 example 16 (reference tariff): reservation fee 2.00 + 5.00/h step 300 s (20%); start 0.50 (20%); 0.25/kWh (10%).
        // reservation 13 min = 780 s -> 900 s = 0.25 h x 5.00 = 1.25 + fee 2.00 = 3.25 excl; 1.50 + 2.40 = 3.90 incl
        // start fee 0.50 / 0.60; energy 20 kWh x 0.25 = 5.00 / 5.50
        // total 8.75 excl, 10.00 incl (as in the spec)
        var tariff = ReferenceData.TariffOfCase("reservation_2_euro_fee_5_euro_per_hour");
        var start = Utc(2026, 1, 14, 10);
        var periods = new[]
        {
            Period(start, (ReservationTime, 0.2167m)),
            Period(Utc(2026, 1, 14, 10, 13), (Energy, 20m), (Time, 1m)),
        };

        var result = TariffPricer.Price(tariff, start, Utc(2026, 1, 14, 11, 13), periods, TimeZoneInfo.Utc);

        Assert.Equal(new Cost(3.25m, 3.90m), result.Reservation.Cost);
        Assert.Equal(0.25m, result.Reservation.BilledVolume);
        Assert.Equal(new Cost(0.50m, 0.60m), result.Flat.Cost);
        Assert.Equal(new Cost(8.75m, 10.00m), result.Total);
        Assert.False(result.ReservationExpired);
    }

    [Theory]
    [InlineData("reservation_5_euro_per_hour", 0.25, false, 6.75, 7.60)] // example 15: 15 min x 5.00 = 1.25/1.50 + 0.50/0.60 + 5.00/5.50
    [InlineData("reservation_with_expire_fee", 0.3667, false, 6.50, 7.30)] // example 17: 22 min -> 30 min x 2.00 = 1.00/1.20 + 0.50/0.60 + 5.00/5.50
    [InlineData("reservation_with_expire_time", 0.3667, false, 7.00, 7.90)] // example 18: 22 min -> 30 min x 3.00 = 1.50/1.80 + 0.50/0.60 + 5.00/5.50
    [InlineData("reservation_with_expire_fee", 1.0, true, 6.00, 7.20)] // example 17 expired: fee 4.00/4.80 + 1 h x 2.00 = 2.00/2.40
    [InlineData("reservation_with_expire_time", 1.5, true, 9.00, 10.80)] // example 18 expired: 1.5 h x 6.00 (RESERVATION_EXPIRES wins) = 9.00/10.80
    public void Price_ReservationSpecExamples_MatchOcpiFigures(string tariffCase, double reservedHours, bool expired, double excl, double incl)
    {
        var tariff = ReferenceData.TariffOfCase(tariffCase);
        var start = Utc(2026, 1, 14, 10);
        var periods = new List<ChargingPeriod> { Period(start, (ReservationTime, (decimal)reservedHours)) };
        if (!expired)
        {
            periods.Add(Period(start.AddHours(reservedHours), (Energy, 20m), (Time, 1m)));
        }

        var result = TariffPricer.Price(tariff, start, start.AddHours(reservedHours + 1), periods, TimeZoneInfo.Utc);

        Assert.Equal(expired, result.ReservationExpired);
        Assert.Equal(new Cost((decimal)excl, (decimal)incl), result.Total);
    }

    [Fact]
    public void Price_CompiledOnceAndPricedTwice_GivesTheSameResult()
    {
        var compiled = CompiledTariff.Compile(DayNight);
        var start = Utc(2026, 3, 29, 0, 30);
        var periods = new[] { Period(start, (Energy, 10m)), Period(Utc(2026, 3, 29, 5, 30), (Energy, 10m)) };

        var first = TariffPricer.Price(compiled, start, Utc(2026, 3, 29, 6, 30), periods, Amsterdam);
        var second = TariffPricer.Price(compiled, start, Utc(2026, 3, 29, 6, 30), periods, Amsterdam);

        Assert.Equal(first, second);
        Assert.Equal(new Cost(5.00m, 6.05m), second.Total);
    }

    [Theory]
    [InlineData("2015-06-29T15:00:00Z", true)] // the reference CDR's session
    [InlineData("2019-06-30T23:59:58Z", true)]
    [InlineData("2019-06-30T23:59:59Z", false)] // end_date_time is exclusive
    public void IsActiveAt_GracePeriodTariffEndingIn2019_FollowsEndDateTime(string sessionStart, bool active)
    {
        var tariff = ReferenceData.TariffOfCase("grace_period_parking_time");

        Assert.Equal(active, tariff.IsActiveAt(DateTimeOffset.Parse(sessionStart, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Compile_MalformedRestrictionTime_ThrowsFormatException()
    {
        var tariff = Tariff(Element(new TariffRestrictions { StartTime = "24:00" }, EnergyPrice(0.30m)));

        var error = Assert.Throws<FormatException>(() => CompiledTariff.Compile(tariff));

        Assert.Contains("elements[0].restrictions.start_time", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The hot-path promise: pricing allocates the result, never anything per charging period.</summary>
public sealed class TariffPricerAllocationUnitTests
{
    [Fact]
    public void Price_TenPeriodsVersusOne_AllocatesTheSame()
    {
        var tariff = CompiledTariff.Compile(Tariff(
            Element(new TariffRestrictions { StartTime = "07:00", EndTime = "23:00" }, FlatFee(0.5m, 21m), EnergyPrice(0.35m, 21m), TimePrice(1.2m, 21m, 60), ParkingPrice(6m, 21m, 300)),
            Element(FlatFee(0.5m, 21m), EnergyPrice(0.25m, 21m), TimePrice(0.6m, 21m, 60), ParkingPrice(2m, 21m, 300))));
        var start = Utc(2026, 1, 14, 21, 10);
        var ten = Enumerable.Range(0, 10)
            .Select(i => i < 8
                ? Period(start.AddMinutes(i * 15), (CdrDimensionType.Energy, 2.731m), (CdrDimensionType.Time, 0.25m), (CdrDimensionType.MaxPower, 11m))
                : Period(start.AddMinutes(i * 15), (CdrDimensionType.ParkingTime, 0.2417m)))
            .ToArray();
        ChargingPeriod[] one = [ten[0]];
        var end = start.AddMinutes(150);

        long Measure(ChargingPeriod[] periods)
        {
            TariffPricer.Price(tariff, start, end, periods, Amsterdam); // warm up (JIT, time-zone caches)
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = TariffPricer.Price(tariff, start, end, periods, Amsterdam);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.NotNull(result);
            return allocated;
        }

        var allocatedForOne = Measure(one);
        var allocatedForTen = Measure(ten);

        Assert.Equal(allocatedForOne, allocatedForTen);
        Assert.True(allocatedForTen <= 512, $"allocated {allocatedForTen} bytes");
    }
}

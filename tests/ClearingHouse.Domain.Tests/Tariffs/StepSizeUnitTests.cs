using ClearingHouse.Domain.Tariffs;
using static ClearingHouse.Domain.Tariffs.CdrDimensionType;
using static ClearingHouse.Domain.Tests.Tariffs.TariffBuilder;

namespace ClearingHouse.Domain.Tests.Tariffs;

/// <summary>step_size 0 as "no rounding", and the 0.00-priced PARKING_TIME reading (issue 19), computed by hand.</summary>
public sealed class StepSizeUnitTests
{
    private static readonly DateTimeOffset Start = Utc(2026, 1, 14, 10);

    /// <summary>A tariff pricing one dimension at <paramref name="price"/> per unit, with <paramref name="stepSize"/>.</summary>
    private static Tariff OneDimension(string dimension, decimal price, int stepSize) => dimension switch
    {
        "ENERGY" => Tariff(Element(EnergyPrice(price, stepSize: stepSize))),
        "TIME" => Tariff(Element(TimePrice(price, stepSize: stepSize))),
        "PARKING_TIME" => Tariff(Element(ParkingPrice(price, stepSize: stepSize))),
        "RESERVATION" => Tariff(Element(new TariffRestrictions { Reservation = ReservationRestrictionType.Reservation }, TimePrice(price, stepSize: stepSize))),
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "unknown dimension"),
    };

    private static DimensionCharge Charge(PricingResult result, string dimension) => dimension switch
    {
        "ENERGY" => result.Energy,
        "TIME" => result.Time,
        "PARKING_TIME" => result.ParkingTime,
        _ => result.Reservation,
    };

    private static CdrDimensionType Measured(string dimension) => dimension switch
    {
        "ENERGY" => Energy,
        "TIME" => Time,
        "PARKING_TIME" => ParkingTime,
        _ => ReservationTime,
    };

    [Theory]
    // ENERGY 1.2345 kWh x 0.30: step 0 bills 0.37035 -> 0.3704; step 1 Wh rounds 1234.5 Wh up to 1235 -> 0.3705.
    [InlineData("ENERGY", 1.2345, 0.30, 0, 0.3704)]
    [InlineData("ENERGY", 1.2345, 0.30, 1, 0.3705)]
    // 0.2779 h = 1000.44 s x 3.60/h: step 0 bills 1.00044 -> 1.0004; step 1 s rounds up to 1001 s -> 1.0010.
    [InlineData("TIME", 0.2779, 3.60, 0, 1.0004)]
    [InlineData("TIME", 0.2779, 3.60, 1, 1.0010)]
    [InlineData("PARKING_TIME", 0.2779, 3.60, 0, 1.0004)]
    [InlineData("PARKING_TIME", 0.2779, 3.60, 1, 1.0010)]
    [InlineData("RESERVATION", 0.2779, 3.60, 0, 1.0004)]
    [InlineData("RESERVATION", 0.2779, 3.60, 1, 1.0010)]
    public void Price_StepSizeZeroOnEveryDimension_BillsTheMeasuredVolume(string dimension, double volume, double price, int stepSize, double expected)
    {
        var tariff = OneDimension(dimension, (decimal)price, stepSize);
        Assert.Empty(TariffValidator.Validate(tariff));

        var result = TariffPricer.Price(tariff, Start, Start.AddHours(1), [Period(Start, (Measured(dimension), (decimal)volume))], TimeZoneInfo.Utc);

        var charge = Charge(result, dimension);
        Assert.Equal((decimal)expected, charge.Cost.ExclVat);
        if (stepSize == 0)
        {
            Assert.Equal((decimal)volume, charge.BilledVolume);
        }
    }

    // ---- The 0.00-priced PARKING_TIME reading -------------------------------------------------------------------
    // 20 min of charging at 1.00/h with a 900 s step: 1200 s rounds up to 1800 s (0.50) unless TIME is followed by
    // priced parking, whose step then applies instead (0.3333). Decision: a parking component priced 0.00 is priced
    // parking (see TariffPricer).

    private static readonly ChargingPeriod Charging = Period(Start, (Time, 20m / 60m));

    private static readonly ChargingPeriod Parking = Period(Start.AddMinutes(20), (ParkingTime, 10m / 60m));

    [Fact]
    public void Price_TimeThenZeroPricedParking_LeavesTimeUnrounded()
    {
        var tariff = Tariff(Element(TimePrice(1.00m, stepSize: 900), ParkingPrice(0.00m, stepSize: 900)));

        var result = TariffPricer.Price(tariff, Start, Start.AddMinutes(30), [Charging, Parking], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(0.3333m, 0.3333m), result.Time.Cost);
        Assert.Equal(20m / 60m, result.Time.BilledVolume);
        Assert.Equal(Cost.Zero, result.ParkingTime.Cost);
        Assert.Equal(new Cost(0.3333m, 0.3333m), result.Total);
    }

    [Fact]
    public void Price_TimeThenParkingWithoutParkingComponent_RoundsTime()
    {
        var tariff = Tariff(Element(TimePrice(1.00m, stepSize: 900)));

        var result = TariffPricer.Price(tariff, Start, Start.AddMinutes(30), [Charging, Parking], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(0.50m, 0.50m), result.Total);
        Assert.Equal(0.5m, result.Time.BilledVolume);
        Assert.Equal(10m / 60m, result.ParkingTime.Volume); // measured, not billed
        Assert.Equal(0m, result.ParkingTime.BilledVolume);
    }

    [Fact]
    public void Price_ZeroPricedParkingComponentButNoParking_RoundsTime()
    {
        // The switch is the session going on to priced parking, not the tariff having a parking component.
        var tariff = Tariff(Element(TimePrice(1.00m, stepSize: 900), ParkingPrice(0.00m, stepSize: 900)));

        var result = TariffPricer.Price(tariff, Start, Start.AddMinutes(20), [Charging], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(0.50m, 0.50m), result.Total);
    }

    [Fact]
    public void Price_ZeroPricedParkingInAGraceElementOnly_StillCountsAsPricedParking()
    {
        // Parking free for the first 30 min of the session (a grace element, as in the reference grace_period case),
        // 6.00/h after; this session leaves after 10 min of parking, inside the grace period.
        var tariff = Tariff(
            Element(new TariffRestrictions { MaxDuration = 1800 }, ParkingPrice(0.00m)),
            Element(TimePrice(1.00m, stepSize: 900), ParkingPrice(6.00m)));

        var result = TariffPricer.Price(tariff, Start, Start.AddMinutes(30), [Charging, Parking], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(0.3333m, 0.3333m), result.Total);
    }
}

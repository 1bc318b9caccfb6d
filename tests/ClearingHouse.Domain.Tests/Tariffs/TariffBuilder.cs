using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Tests.Tariffs;

/// <summary>Terse constructors for hand-written tariffs and sessions.</summary>
internal static class TariffBuilder
{
    public static Tariff Tariff(params TariffElement[] elements) => new()
    {
        CountryCode = "NL",
        PartyId = "CHH",
        Id = "T1",
        Currency = "EUR",
        Elements = elements,
        LastUpdated = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    public static TariffElement Element(TariffRestrictions? restrictions, params PriceComponent[] components) =>
        new() { PriceComponents = components, Restrictions = restrictions };

    public static TariffElement Element(params PriceComponent[] components) => Element(null, components);

    public static PriceComponent EnergyPrice(decimal price, decimal? vat = null, int stepSize = 1) =>
        new() { Type = TariffDimensionType.Energy, Price = price, Vat = vat, StepSize = stepSize };

    public static PriceComponent TimePrice(decimal price, decimal? vat = null, int stepSize = 1) =>
        new() { Type = TariffDimensionType.Time, Price = price, Vat = vat, StepSize = stepSize };

    public static PriceComponent ParkingPrice(decimal price, decimal? vat = null, int stepSize = 1) =>
        new() { Type = TariffDimensionType.ParkingTime, Price = price, Vat = vat, StepSize = stepSize };

    public static PriceComponent FlatFee(decimal price, decimal? vat = null) =>
        new() { Type = TariffDimensionType.Flat, Price = price, Vat = vat, StepSize = 1 };

    public static ChargingPeriod Period(DateTimeOffset start, params (CdrDimensionType Type, decimal Volume)[] dimensions) => new()
    {
        StartDateTime = start,
        Dimensions = [.. dimensions.Select(d => new CdrDimension { Type = d.Type, Volume = d.Volume })],
    };

    public static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    public static TimeZoneInfo Amsterdam { get; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
}

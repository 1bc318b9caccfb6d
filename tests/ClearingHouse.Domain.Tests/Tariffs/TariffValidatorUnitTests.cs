using ClearingHouse.Domain.Tariffs;
using static ClearingHouse.Domain.Tests.Tariffs.TariffBuilder;

namespace ClearingHouse.Domain.Tests.Tariffs;

public sealed class TariffValidatorUnitTests
{
    private static readonly Tariff Valid = Tariff(Element(EnergyPrice(0.25m, 21m)));

    private static Tariff WithRestrictions(TariffRestrictions restrictions) =>
        Tariff(Element(restrictions, EnergyPrice(0.25m, 21m)));

    private static Tariff WithComponent(PriceComponent component) => Tariff(Element(component));

    private static Tariff Build(string scenario) => scenario switch
    {
        "minimal" => Valid,
        "flat step_size 0" => WithComponent(new PriceComponent { Type = TariffDimensionType.Flat, Price = 1m, StepSize = 0 }),
        "no vat" => WithComponent(EnergyPrice(0.25m)),
        "zero price" => WithComponent(EnergyPrice(0m)),
        "end_time 00:00 as end of day" => WithRestrictions(new() { StartTime = "20:00", EndTime = "00:00" }),
        "wrapping 22:00-06:00" => WithRestrictions(new() { StartTime = "22:00", EndTime = "06:00" }),
        "23:59" => WithRestrictions(new() { StartTime = "00:00", EndTime = "23:59" }),
        "dates" => WithRestrictions(new() { StartDate = "2026-02-28", EndDate = "2026-03-01" }),
        "ranges" => WithRestrictions(new() { MinKwh = 0m, MaxKwh = 1m, MinPower = 11m, MaxPower = 50m, MinCurrent = 6m, MaxCurrent = 32m, MinDuration = 0, MaxDuration = 1800 }),
        "all days" => WithRestrictions(new() { DayOfWeek = Enum.GetValues<DayOfWeek>() }),
        "reservation FLAT and TIME" => Tariff(Element(new TariffRestrictions { Reservation = ReservationRestrictionType.Reservation }, FlatFee(2m), TimePrice(5m))),
        "min below max price" => Valid with { MinPrice = new Price { ExclVat = 1m, InclVat = 1.21m }, MaxPrice = new Price { ExclVat = 10m } },
        "validity window" => Valid with { StartDateTime = Utc(2026, 1, 1, 0), EndDateTime = Utc(2026, 2, 1, 0) },
        "other currency" => Valid with { Currency = "CHF" },
        "energy step_size 0" => WithComponent(EnergyPrice(0.25m, stepSize: 0)),
        "time step_size 0" => WithComponent(TimePrice(2m, stepSize: 0)),
        "parking step_size 0" => WithComponent(ParkingPrice(5m, stepSize: 0)),
        "reservation time step_size 0" => Tariff(Element(new TariffRestrictions { Reservation = ReservationRestrictionType.Reservation }, TimePrice(5m, stepSize: 0))),
        "OCPI 2.3 tax included with vat" => Valid with { TaxIncluded = TaxIncluded.Yes },
        "OCPI 2.3 tax included without vat" => WithComponent(TimePrice(2.10m)) with { TaxIncluded = TaxIncluded.Yes },
        "OCPI 2.3 taxes not applicable" => WithComponent(EnergyPrice(0.25m)) with { TaxIncluded = TaxIncluded.NotApplicable },
        "OCPI 2.3 every tariff type" => Valid with { Type = TariffType.ProfileGreen, PreauthorizeAmount = 50m },

        "empty id" => Valid with { Id = "" },
        "id too long" => Valid with { Id = new string('x', 37) },
        "lower-case currency" => Valid with { Currency = "eur" },
        "four-letter currency" => Valid with { Currency = "EURO" },
        "unknown currency" => Valid with { Currency = "ABC" },
        "bad country_code" => Valid with { CountryCode = "NLD" },
        "bad party_id" => Valid with { PartyId = "C-H" },
        "no elements" => Valid with { Elements = [] },
        "no price components" => Tariff(new TariffElement { PriceComponents = [] }),
        "negative price" => WithComponent(EnergyPrice(-0.25m)),
        "negative vat" => WithComponent(EnergyPrice(0.25m, -1m)),
        "negative energy step_size" => WithComponent(EnergyPrice(0.25m, stepSize: -900)),
        "negative step_size" => WithComponent(new PriceComponent { Type = TariffDimensionType.Flat, Price = 1m, StepSize = -1 }),
        "undefined component type" => WithComponent(new PriceComponent { Type = (TariffDimensionType)42, Price = 1m, StepSize = 1 }),
        "start_time 24:00" => WithRestrictions(new() { StartTime = "24:00" }),
        "start_time 12:60" => WithRestrictions(new() { StartTime = "12:60" }),
        "end_time without leading zero" => WithRestrictions(new() { EndTime = "7:00" }),
        "start_date 2026-02-30" => WithRestrictions(new() { StartDate = "2026-02-30" }),
        "end_date before start_date" => WithRestrictions(new() { StartDate = "2026-03-01", EndDate = "2026-02-01" }),
        "min_kwh above max_kwh" => WithRestrictions(new() { MinKwh = 5m, MaxKwh = 1m }),
        "min_power equal to max_power" => WithRestrictions(new() { MinPower = 22m, MaxPower = 22m }),
        "negative min_current" => WithRestrictions(new() { MinCurrent = -1m }),
        "min_duration above max_duration" => WithRestrictions(new() { MinDuration = 3600, MaxDuration = 1800 }),
        "undefined day_of_week" => WithRestrictions(new() { DayOfWeek = [(DayOfWeek)7] }),
        "repeated day_of_week" => WithRestrictions(new() { DayOfWeek = [DayOfWeek.Monday, DayOfWeek.Monday] }),
        "undefined reservation" => WithRestrictions(new() { Reservation = (ReservationRestrictionType)9 }),
        "reservation with ENERGY" => Tariff(Element(new TariffRestrictions { Reservation = ReservationRestrictionType.Reservation }, EnergyPrice(0.25m))),
        "negative min_price" => Valid with { MinPrice = new Price { ExclVat = -1m } },
        "negative max_price incl" => Valid with { MaxPrice = new Price { ExclVat = 1m, InclVat = -1m } },
        "min_price above max_price" => Valid with { MinPrice = new Price { ExclVat = 5m }, MaxPrice = new Price { ExclVat = 4m } },
        "end_date_time before start_date_time" => Valid with { StartDateTime = Utc(2026, 2, 1, 0), EndDateTime = Utc(2026, 1, 1, 0) },
        "vat with taxes not applicable" => Valid with { TaxIncluded = TaxIncluded.NotApplicable },
        "undefined tax_included" => Valid with { TaxIncluded = (TaxIncluded)7 },
        "undefined tariff type" => Valid with { Type = (TariffType)7 },
        "negative preauthorize_amount" => Valid with { PreauthorizeAmount = -1m },
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "unknown scenario"),
    };

    [Theory]
    [InlineData("minimal")]
    [InlineData("flat step_size 0")]
    [InlineData("no vat")]
    [InlineData("zero price")]
    [InlineData("end_time 00:00 as end of day")]
    [InlineData("wrapping 22:00-06:00")]
    [InlineData("23:59")]
    [InlineData("dates")]
    [InlineData("ranges")]
    [InlineData("all days")]
    [InlineData("reservation FLAT and TIME")]
    [InlineData("min below max price")]
    [InlineData("validity window")]
    [InlineData("other currency")]
    [InlineData("energy step_size 0")]
    [InlineData("time step_size 0")]
    [InlineData("parking step_size 0")]
    [InlineData("reservation time step_size 0")]
    [InlineData("OCPI 2.3 tax included with vat")]
    [InlineData("OCPI 2.3 tax included without vat")]
    [InlineData("OCPI 2.3 taxes not applicable")]
    [InlineData("OCPI 2.3 every tariff type")]
    public void Accepts_ValidTariff(string scenario)
    {
        Assert.Empty(TariffValidator.Validate(Build(scenario)));
    }

    [Theory]
    [InlineData("empty id", "id")]
    [InlineData("id too long", "id")]
    [InlineData("lower-case currency", "currency")]
    [InlineData("four-letter currency", "currency")]
    [InlineData("unknown currency", "currency")]
    [InlineData("bad country_code", "country_code")]
    [InlineData("bad party_id", "party_id")]
    [InlineData("no elements", "elements")]
    [InlineData("no price components", "elements[0].price_components")]
    [InlineData("negative price", "elements[0].price_components[0].price")]
    [InlineData("negative vat", "elements[0].price_components[0].vat")]
    [InlineData("negative energy step_size", "elements[0].price_components[0].step_size")]
    [InlineData("negative step_size", "elements[0].price_components[0].step_size")]
    [InlineData("undefined component type", "elements[0].price_components[0].type")]
    [InlineData("start_time 24:00", "elements[0].restrictions.start_time")]
    [InlineData("start_time 12:60", "elements[0].restrictions.start_time")]
    [InlineData("end_time without leading zero", "elements[0].restrictions.end_time")]
    [InlineData("start_date 2026-02-30", "elements[0].restrictions.start_date")]
    [InlineData("end_date before start_date", "elements[0].restrictions.end_date")]
    [InlineData("min_kwh above max_kwh", "elements[0].restrictions.min_kwh")]
    [InlineData("min_power equal to max_power", "elements[0].restrictions.min_power")]
    [InlineData("negative min_current", "elements[0].restrictions.min_current")]
    [InlineData("min_duration above max_duration", "elements[0].restrictions.min_duration")]
    [InlineData("undefined day_of_week", "elements[0].restrictions.day_of_week[0]")]
    [InlineData("repeated day_of_week", "elements[0].restrictions.day_of_week[1]")]
    [InlineData("undefined reservation", "elements[0].restrictions.reservation")]
    [InlineData("reservation with ENERGY", "elements[0].price_components[0].type")]
    [InlineData("negative min_price", "min_price.excl_vat")]
    [InlineData("negative max_price incl", "max_price.incl_vat")]
    [InlineData("min_price above max_price", "min_price")]
    [InlineData("end_date_time before start_date_time", "end_date_time")]
    [InlineData("vat with taxes not applicable", "elements[0].price_components[0].vat")]
    [InlineData("undefined tax_included", "tax_included")]
    [InlineData("undefined tariff type", "type")]
    [InlineData("negative preauthorize_amount", "preauthorize_amount")]
    public void Rejects_InvalidTariff(string scenario, string field)
    {
        var errors = TariffValidator.Validate(Build(scenario));

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryOne()
    {
        var tariff = Tariff(Element(EnergyPrice(-1m, stepSize: -1))) with { Currency = "eu" };

        var fields = TariffValidator.Validate(tariff).Select(e => e.Field).ToArray();

        Assert.Equal(
            ["currency", "elements[0].price_components[0].price", "elements[0].price_components[0].step_size"],
            fields);
    }

    public static TheoryData<string> ReferenceTariffs() => [.. ReferenceData.TariffPaths()];

    [Theory]
    [MemberData(nameof(ReferenceTariffs))]
    public void Validate_ReferenceTariff_HasNoErrors(string tariffPath)
    {
        Assert.Empty(TariffValidator.Validate(ReferenceData.ReadTariff(tariffPath)));
    }
}

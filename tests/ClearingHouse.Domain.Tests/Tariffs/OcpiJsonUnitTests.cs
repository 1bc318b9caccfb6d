using System.Text;
using System.Text.Json;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Tests.Tariffs;

public sealed class OcpiJsonUnitTests
{
    public static TheoryData<string> ReferenceTariffs() => [.. ReferenceData.TariffPaths()];

    [Fact]
    public void ReferenceTariffs_Discovered_AreAllTwentyFourCases()
    {
        // Guards the parse theory against an empty or partial copy.
        Assert.Equal(24, ReferenceData.TariffPaths().Count);
    }

    [Theory]
    [MemberData(nameof(ReferenceTariffs))]
    public void ReadTariff_ReferenceTariff_Parses(string tariffPath)
    {
        var tariff = ReferenceData.ReadTariff(tariffPath);

        Assert.Equal("EUR", tariff.Currency);
        Assert.NotEmpty(tariff.Elements);
        Assert.All(tariff.Elements, element => Assert.NotEmpty(element.PriceComponents));
    }

    [Fact]
    public void ReadTariff_ComplexFixture_MapsEveryField()
    {
        var tariff = ReferenceData.TariffOfCase("complex");

        Assert.Equal("DE", tariff.CountryCode);
        Assert.Equal("ALL", tariff.PartyId);
        Assert.Equal("14", tariff.Id);
        Assert.Equal(TariffType.Regular, tariff.Type);
        Assert.Equal("https://company.com/tariffs/14", tariff.TariffAltUrl);
        Assert.Equal(new DateTimeOffset(2015, 6, 29, 20, 39, 9, TimeSpan.Zero), tariff.LastUpdated);
        Assert.Equal(6, tariff.Elements.Count);
        Assert.Equal(
            new PriceComponent { Type = TariffDimensionType.Flat, Price = 2.50m, Vat = 15.0m, StepSize = 1 },
            tariff.Elements[0].PriceComponents[0]);
        Assert.Equal(32.00m, tariff.Elements[1].Restrictions!.MaxCurrent);
        var saturdayParking = tariff.Elements[5].Restrictions!;
        Assert.Equal("10:00", saturdayParking.StartTime);
        Assert.Equal("17:00", saturdayParking.EndTime);
        Assert.Equal([DayOfWeek.Saturday], saturdayParking.DayOfWeek);
    }

    [Fact]
    public void ReadTariff_AltTextAndMinPrice_AreRead()
    {
        var altText = ReferenceData.TariffOfCase("alt_text");
        var minPrice = ReferenceData.TariffOfCase("025kwh_min_price");

        Assert.Equal(TariffType.AdHocPayment, altText.Type);
        Assert.Equal(new DisplayText { Language = "nl", Text = "2.00 euro p/uur inclusief BTW." }, altText.TariffAltText[1]);
        Assert.Equal(new Price { ExclVat = 0.50m, InclVat = 0.55m }, minPrice.MinPrice);
    }

    [Fact]
    public void ReadTariff_Stream_ReadsTheSameTariff()
    {
        using var stream = File.OpenRead(ReferenceData.Full("reservation_with_expire_fee/tariff.json"));

        var tariff = OcpiJson.ReadTariff(stream);

        Assert.Equal(ReservationRestrictionType.ReservationExpires, tariff.Elements[0].Restrictions!.Reservation);
    }

    [Fact]
    public void ReadTariff_TimestampWithoutOffset_IsUtc()
    {
        const string json = """
            {"id":"1","currency":"EUR","elements":[{"price_components":[{"type":"FLAT","price":1,"step_size":1}]}],
             "last_updated":"2026-03-29T02:30:00","energy_mix":{"is_green_energy":true}}
            """;

        var tariff = OcpiJson.ReadTariff(json);

        Assert.Equal(new DateTimeOffset(2026, 3, 29, 2, 30, 0, TimeSpan.Zero), tariff.LastUpdated);
    }

    public static TheoryData<string, DateTimeOffset> Timestamps() => new()
    {
        { "2026-01-13T14:30:00Z", new DateTimeOffset(2026, 1, 13, 14, 30, 0, TimeSpan.Zero) },
        { "2026-01-13T14:30:00", new DateTimeOffset(2026, 1, 13, 14, 30, 0, TimeSpan.Zero) },
        { "2026-01-13T15:30:00+01:00", new DateTimeOffset(2026, 1, 13, 14, 30, 0, TimeSpan.Zero) },
        { "2026-01-13T14:30:00.1234567Z", new DateTimeOffset(2026, 1, 13, 14, 30, 0, TimeSpan.Zero).AddTicks(1_234_567) },
        // Escaped text, and text longer than the stack copy holds, are read as the same instant.
        { "2026-01-13T14:30:00\\u005A", new DateTimeOffset(2026, 1, 13, 14, 30, 0, TimeSpan.Zero) },
        { "2026-01-13T14:30:00.000000000000000000000000000000000000000000000000Z", new DateTimeOffset(2026, 1, 13, 14, 30, 0, TimeSpan.Zero) },
    };

    [Theory]
    [MemberData(nameof(Timestamps))]
    public void ReadCdr_Timestamp_IsReadAsUtc(string text, DateTimeOffset expected)
    {
        var cdr = OcpiJson.ReadCdr(CdrWithStart(text));

        Assert.Equal(expected, cdr.StartDateTime);
        Assert.Equal(TimeSpan.Zero, cdr.StartDateTime.Offset);
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("\"\"")]
    [InlineData("\"2026-13-13T14:30:00Z\"")]
    [InlineData("\"2026-01-13T14:30:00.00000000000000000000000000000000000000000000000000000000000000000000Zz\"")]
    [InlineData("20260113")]
    [InlineData("true")]
    public void Rejects_CdrWithUnreadableTimestamp(string value)
    {
        var json = $$"""
            {"id":"C1","start_date_time":{{value}},"end_date_time":"2026-01-13T15:30:00Z","currency":"EUR",
             "charging_periods":[],"total_cost":{"excl_vat":1},"total_energy":1,"total_time":1}
            """;

        Assert.ThrowsAny<JsonException>(() => OcpiJson.ReadCdr(json));
    }

    private static string CdrWithStart(string start) => $$"""
        {"id":"C1","start_date_time":"{{start}}","end_date_time":"2026-01-13T15:30:00Z","currency":"EUR",
         "charging_periods":[],"total_cost":{"excl_vat":1},"total_energy":1,"total_time":1}
        """;

    [Theory]
    [InlineData("missing id", """{"currency":"EUR","elements":[]}""")]
    [InlineData("null elements", """{"id":"1","currency":"EUR","elements":null}""")]
    [InlineData("unknown dimension", """{"id":"1","currency":"EUR","elements":[{"price_components":[{"type":"KWH","price":1,"step_size":1}]}]}""")]
    [InlineData("price as string", """{"id":"1","currency":"EUR","elements":[{"price_components":[{"type":"FLAT","price":"1","step_size":1}]}]}""")]
    [InlineData("bad timestamp", """{"id":"1","currency":"EUR","elements":[],"last_updated":"yesterday"}""")]
    public void Rejects_UnreadableTariff(string scenario, string json)
    {
        Assert.NotNull(scenario);
        Assert.ThrowsAny<JsonException>(() => OcpiJson.ReadTariff(json));
    }

    [Fact]
    public void ReadCdr_ReferenceCdr_ReadsPeriodsAndDeclaredTotals()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(File.ReadAllText(ReferenceData.Full("step_size/cdr1.json"))));

        var cdr = OcpiJson.ReadCdr(stream);

        Assert.Equal(new DateTimeOffset(2022, 1, 13, 16, 55, 0, TimeSpan.Zero), cdr.StartDateTime);
        Assert.Equal(3, cdr.ChargingPeriods.Count);
        Assert.Equal(new CdrDimension { Type = CdrDimensionType.ParkingTime, Volume = 0.0334m }, cdr.ChargingPeriods[2].Dimensions[0]);
        Assert.Equal(new Price { ExclVat = 0.5502m, InclVat = 0.5502m }, cdr.TotalCost);
        Assert.Equal(0.2m, cdr.TotalTime);
        Assert.Equal(0.0334m, cdr.TotalParkingTime);
        Assert.Null(cdr.TotalFixedCost);
        Assert.Equal("NLD", cdr.CdrLocation?.Country);
    }
}

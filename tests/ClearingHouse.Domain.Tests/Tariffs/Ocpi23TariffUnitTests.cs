using System.Text.Json;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Tariffs;
using static ClearingHouse.Domain.Tariffs.CdrDimensionType;
using static ClearingHouse.Domain.Tests.Tariffs.TariffBuilder;

namespace ClearingHouse.Domain.Tests.Tariffs;

/// <summary>OCPI 2.3 tariff fields: tax_included, PriceLimit, preauthorize_amount; 2.2.1 tariffs unchanged.</summary>
public sealed class Ocpi23TariffUnitTests
{
    private static readonly DateTimeOffset Start = Utc(2026, 1, 14, 10);

    // Hand-written for these tests (values chosen to make the arithmetic visible).
    private const string GreenTariffJson = """
        {
          "country_code": "BE", "party_id": "GRN", "id": "green-1", "currency": "EUR", "type": "PROFILE_GREEN",
          "tax_included": "YES",
          "min_price": { "before_taxes": 4.00, "after_taxes": 5.00 },
          "max_price": { "before_taxes": 40.00 },
          "preauthorize_amount": 60,
          "elements": [ { "price_components": [ { "type": "ENERGY", "price": 0.242, "vat": 21, "step_size": 1 } ] } ],
          "last_updated": "2026-01-01T00:00:00Z"
        }
        """;

    [Fact]
    public void ReadTariff_Ocpi23Fields_AreRead()
    {
        var tariff = OcpiJson.ReadTariff(GreenTariffJson);

        Assert.Equal(TaxIncluded.Yes, tariff.TaxIncluded);
        Assert.Equal(TariffType.ProfileGreen, tariff.Type);
        Assert.Equal(new Price { ExclVat = 4.00m, InclVat = 5.00m }, tariff.MinPrice);
        Assert.Equal(new Price { ExclVat = 40.00m }, tariff.MaxPrice);
        Assert.Equal(60m, tariff.PreauthorizeAmount);
        Assert.Empty(TariffValidator.Validate(tariff));
    }

    [Theory]
    [InlineData("\"YES\"", TaxIncluded.Yes)]
    [InlineData("\"NO\"", TaxIncluded.No)]
    [InlineData("\"N/A\"", TaxIncluded.NotApplicable)]
    public void ReadTariff_TaxIncluded_ReadsEachOcpiValue(string json, TaxIncluded expected)
    {
        var tariff = OcpiJson.ReadTariff(GreenTariffJson.Replace("\"YES\"", json, StringComparison.Ordinal));

        Assert.Equal(expected, tariff.TaxIncluded);
    }

    [Theory]
    [InlineData("AD_HOC_PAYMENT", TariffType.AdHocPayment)]
    [InlineData("PROFILE_CHEAP", TariffType.ProfileCheap)]
    [InlineData("PROFILE_FAST", TariffType.ProfileFast)]
    [InlineData("PROFILE_GREEN", TariffType.ProfileGreen)]
    [InlineData("REGULAR", TariffType.Regular)]
    public void ReadTariff_TariffType_ReadsEachOcpiValue(string json, TariffType expected)
    {
        var tariff = OcpiJson.ReadTariff(GreenTariffJson.Replace("PROFILE_GREEN", json, StringComparison.Ordinal));

        Assert.Equal(expected, tariff.Type);
        Assert.Equal(json, ConnectorTariffRules.Name(expected));
    }

    [Theory]
    [InlineData("\"tax_included\": \"YES\"", "\"tax_included\": \"MAYBE\"")]
    [InlineData("\"tax_included\": \"YES\"", "\"tax_included\": \"n/a\"")]
    [InlineData("{ \"before_taxes\": 4.00, \"after_taxes\": 5.00 }", "{ \"before_taxes\": 4.00, \"incl_vat\": 5.00 }")] // two shapes mixed
    [InlineData("{ \"before_taxes\": 4.00, \"after_taxes\": 5.00 }", "{ \"after_taxes\": 5.00 }")] // no amount before taxes
    [InlineData("{ \"before_taxes\": 4.00, \"after_taxes\": 5.00 }", "{ \"before_taxes\": \"4.00\" }")]
    [InlineData("{ \"before_taxes\": 4.00, \"after_taxes\": 5.00 }", "4.00")]
    public void Rejects_MalformedOcpi23Tariff(string valid, string malformed)
    {
        var json = GreenTariffJson.Replace(valid, malformed, StringComparison.Ordinal);
        Assert.NotEqual(GreenTariffJson, json);

        Assert.Throws<JsonException>(() => OcpiJson.ReadTariff(json));
    }

    [Fact]
    public void ReadTariff_Ocpi221PriceShape_StillReadsAndWritesBackTheSame()
    {
        var tariff = ReferenceData.TariffOfCase("025kwh_min_price");
        var text = JsonSerializer.Serialize(tariff, OcpiJson.Options);

        Assert.Null(tariff.TaxIncluded);
        Assert.Contains("\"min_price\":{\"excl_vat\":0.50,\"incl_vat\":0.55}", text, StringComparison.Ordinal);
        Assert.Equal(text, JsonSerializer.Serialize(OcpiJson.ReadTariff(text), OcpiJson.Options));
    }

    [Fact]
    public void ReadTariff_Ocpi23TariffWrittenAndReadBack_KeepsEveryField()
    {
        // The hub stores tariffs as the model written back with OcpiJson.Options; it must read back the same.
        var tariff = OcpiJson.ReadTariff(GreenTariffJson);
        var text = JsonSerializer.Serialize(tariff, OcpiJson.Options);
        var back = OcpiJson.ReadTariff(text);

        Assert.Contains("\"tax_included\":\"YES\"", text, StringComparison.Ordinal);
        Assert.Equal(tariff.MinPrice, back.MinPrice);
        Assert.Equal(tariff.MaxPrice, back.MaxPrice);
        Assert.Equal(tariff.TaxIncluded, back.TaxIncluded);
        Assert.Equal(tariff.PreauthorizeAmount, back.PreauthorizeAmount);
        Assert.Equal(text, JsonSerializer.Serialize(back, OcpiJson.Options));
        Assert.Contains("\"N/A\"", JsonSerializer.Serialize(tariff with { TaxIncluded = TaxIncluded.NotApplicable }, OcpiJson.Options), StringComparison.Ordinal);
    }

    // ---- Pricing ------------------------------------------------------------------------------------------------

    public static TheoryData<string> ReferenceCdrs() => [.. ReferenceData.CdrPaths()];

    [Theory]
    [MemberData(nameof(ReferenceCdrs))]
    public void Price_ReferenceTariffAsOcpi23TaxNotIncluded_PricesLikeOcpi221(string cdrPath)
    {
        // OCPI 2.2.1 prices are excl. VAT with VAT on top: exactly what 2.3 "tax_included": "NO" says.
        var cdr = ReferenceData.ReadCdr(cdrPath);
        var tariff = ReferenceData.ReadTariff(Path.GetDirectoryName(cdrPath) + "/tariff.json");

        var v221 = TariffPricer.Price(tariff, cdr, TimeZoneInfo.Utc);
        var v23 = TariffPricer.Price(tariff with { TaxIncluded = TaxIncluded.No }, cdr, TimeZoneInfo.Utc);

        Assert.Equal(v221 with { InclVatKnown = v23.InclVatKnown }, v23);
        Assert.True(v221.ExclVatKnown && v221.InclVatKnown);
    }

    [Fact]
    public void Price_TaxIncludedWithVat_DerivesTheAmountBeforeTaxes()
    {
        // 0.242/kWh incl. 21%: 10 kWh = 2.42 incl, 2.42 / 1.21 = 2.00 excl; min_price 4.00 / 5.00 raises both.
        var tariff = OcpiJson.ReadTariff(GreenTariffJson);

        var result = TariffPricer.Price(tariff, Start, Start.AddHours(1), [Period(Start, (Energy, 10m))], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(2.00m, 2.42m), result.Energy.Cost);
        Assert.Equal(new Cost(4.00m, 5.00m), result.Total);
        Assert.True(result.MinPriceApplied);
        Assert.True(result.ExclVatKnown && result.InclVatKnown);
    }

    [Fact]
    public void Price_TaxIncludedStepRounding_BillsTheAddedVolumeAtTheInclusivePrice()
    {
        // 0.605/kWh incl. 21%, step 1000 Wh: 1.5 kWh billed as 2 kWh = 1.21 incl, 1.00 excl.
        var tariff = Tariff(Element(EnergyPrice(0.605m, 21m, 1000))) with { TaxIncluded = TaxIncluded.Yes };

        var result = TariffPricer.Price(tariff, Start, Start.AddHours(1), [Period(Start, (Energy, 1.5m))], TimeZoneInfo.Utc);

        Assert.Equal(2m, result.Energy.BilledVolume);
        Assert.Equal(new Cost(1.00m, 1.21m), result.Total);
    }

    /// <summary>A 2.5 h charging session in CAD declaring <paramref name="excl"/> / <paramref name="incl"/> as total and time cost.</summary>
    private static Cdr CadSession(decimal excl, decimal incl) => new()
    {
        StartDateTime = Start,
        EndDateTime = Start.AddHours(2.5),
        Currency = "CAD",
        ChargingPeriods = [Period(Start, (Time, 2.5m))],
        TotalCost = new Price { ExclVat = excl, InclVat = incl },
        TotalTimeCost = new Price { ExclVat = excl, InclVat = incl },
        TotalEnergy = 0m,
        TotalTime = 2.5m,
    };

    [Theory]
    // North-American style, 2.10/h taxes included at a rate the tariff does not give: 2.5 h = 5.25 after taxes,
    // before taxes unknown, so the CPO's 4.65 cannot be checked, but 5.50 after taxes is wrong.
    [InlineData(TaxIncluded.Yes, 2.10, 4.65, 5.25, 4.65, 5.50, "total_cost.incl_vat")]
    // Taxes added on top at a rate the tariff does not give: 2.00/h x 2.5 h = 5.00 before taxes, after unknown.
    [InlineData(TaxIncluded.No, 2.00, 5.00, 5.65, 5.50, 5.65, "total_cost.excl_vat")]
    public void Check_TaxesWithoutVatRate_ComparesOnlyTheKnownSide(
        TaxIncluded taxIncluded, double hourly, double excl, double incl, double wrongExcl, double wrongIncl, string wrongField)
    {
        var tariff = Tariff(Element(TimePrice((decimal)hourly))) with { Currency = "CAD", TaxIncluded = taxIncluded };

        var result = CdrPriceCheck.Check(tariff, CadSession((decimal)excl, (decimal)incl), TimeZoneInfo.Utc);
        var wrong = CdrPriceCheck.Check(tariff, CadSession((decimal)wrongExcl, (decimal)wrongIncl), TimeZoneInfo.Utc);

        Assert.Equal(taxIncluded == TaxIncluded.No, result.Hub!.ExclVatKnown);
        Assert.Equal(taxIncluded == TaxIncluded.Yes, result.Hub.InclVatKnown);
        Assert.Equal(2.5m * (decimal)hourly, taxIncluded == TaxIncluded.Yes ? result.Hub.Total.InclVat : result.Hub.Total.ExclVat);
        Assert.Equal(PriceCheckVerdict.Matched, result.Verdict);
        Assert.Equal([wrongField, wrongField.Replace("total_cost", "total_time_cost", StringComparison.Ordinal)], wrong.Differences.Select(d => d.Field));
    }

    [Fact]
    public void Price_TaxesNotApplicable_AmountsBeforeAndAfterTaxesAreEqual()
    {
        // N/A: no tax whatever a component carries (the validator refuses a rate there; the engine ignores it).
        var tariff = Tariff(Element(EnergyPrice(0.30m, 21m))) with { TaxIncluded = TaxIncluded.NotApplicable };

        var result = TariffPricer.Price(tariff, Start, Start.AddHours(1), [Period(Start, (Energy, 10m))], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(3.00m, 3.00m), result.Total);
        Assert.True(result.ExclVatKnown && result.InclVatKnown);
    }

    [Fact]
    public void Price_MaxPriceAfterTaxesOnly_ClampsTheAmountAfterTaxes()
    {
        // 0.50/kWh excl. + 21%, 30 kWh = 15.00 / 18.15; max_price: before 20.00, after 17.00 -> 15.00 / 17.00.
        var tariff = OcpiJson.ReadTariff("""
            { "id": "cap", "currency": "EUR", "tax_included": "NO",
              "max_price": { "before_taxes": 20.00, "after_taxes": 17.00 },
              "elements": [ { "price_components": [ { "type": "ENERGY", "price": 0.50, "vat": 21, "step_size": 1 } ] } ] }
            """);

        var result = TariffPricer.Price(tariff, Start, Start.AddHours(1), [Period(Start, (Energy, 30m))], TimeZoneInfo.Utc);

        Assert.Equal(new Cost(15.00m, 17.00m), result.Total);
        Assert.True(result.MaxPriceApplied);
    }
}
